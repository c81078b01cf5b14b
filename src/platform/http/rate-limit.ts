/** Each window is counted in this many slots; a refusal can come at most one slot early. */
const SLOTS = 10;

/** Where slot `index` lives in a counter's ring (a window overlaps SLOTS + 1 slots). */
function ring(index: number): number {
  return ((index % (SLOTS + 1)) + SLOTS + 1) % (SLOTS + 1);
}

interface Counter {
  /** Hits per slot, a ring (see ring()). */
  counts: Uint32Array;
  /** The newest slot counted (an absolute slot index: time / slotMs). */
  newest: number;
  slotMs: number;
}

/**
 * Sliding-window counters in this process's memory. Enough for one process and a fair brake for
 * several (each counts on its own); a shared store can replace it behind the same methods.
 *
 * A fixed window lets twice the limit through around its boundary (the limit just before it ends,
 * the limit again just after). Here each key counts its admitted hits in slots of a tenth of the
 * window and admits a hit only while the slots that overlap the last `windowMs` hold fewer than
 * `limit`. Those slots cover the whole window (and at most one slot more), so no window of
 * `windowMs` ever holds more than `limit` admitted hits; the price is that a refusal can come up to
 * a tenth of the window early. Memory is eleven small counters per key, and at most `maxKeys` keys.
 * Refused hits are not counted: the wait a caller is told does not grow while they keep asking.
 */
export class RateLimiter {
  private readonly counters = new Map<string, Counter>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: { maxKeys?: number; now?: () => number } = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Keys being counted (bounded by maxKeys). */
  get size(): number {
    return this.counters.size;
  }

  /** Counts one hit. Returns the seconds to wait when the key is at its limit (the hit is refused), else 0. */
  hit(key: string, limit: number, windowMs: number): number {
    if (limit <= 0) return Math.ceil(windowMs / 1000);
    const now = this.now();
    const counter = this.current(key, windowMs, now, true);
    const wait = this.waitMs(counter, limit, now);
    if (wait > 0) return Math.ceil(wait / 1000);
    const counts = (counter ?? this.create(key, windowMs, now)).counts;
    const slot = ring(this.slotOf(now, windowMs));
    counts[slot] = (counts[slot] ?? 0) + 1;
    return 0;
  }

  /** Like hit, without counting: is the key already at its limit? */
  check(key: string, limit: number, windowMs: number): number {
    if (limit <= 0) return Math.ceil(windowMs / 1000);
    const now = this.now();
    return Math.ceil(this.waitMs(this.current(key, windowMs, now, false), limit, now) / 1000);
  }

  reset(key: string): void {
    this.counters.delete(key);
  }

  private slotOf(time: number, windowMs: number): number {
    return Math.floor(time / (windowMs / SLOTS));
  }

  /**
   * The key's counter moved on to the slot of `now`: slots that have left the window are emptied.
   * Undefined when the key has none (or only an expired one, which is dropped).
   */
  private current(key: string, windowMs: number, now: number, refresh: boolean): Counter | undefined {
    const counter = this.counters.get(key);
    if (!counter) return undefined;
    const slot = this.slotOf(now, windowMs);
    if (counter.slotMs !== windowMs / SLOTS || slot - counter.newest > SLOTS) {
      this.counters.delete(key);
      return undefined;
    }
    for (let index = counter.newest + 1; index <= slot; index += 1) counter.counts[ring(index)] = 0;
    counter.newest = Math.max(counter.newest, slot);
    if (refresh) {
      // Recently used keys move to the end, so eviction (oldest first) spares them.
      this.counters.delete(key);
      this.counters.set(key, counter);
    }
    return counter;
  }

  /** How long until a hit would be admitted: 0 while the slots overlapping the window hold fewer than `limit`. */
  private waitMs(counter: Counter | undefined, limit: number, now: number): number {
    if (!counter) return 0;
    let held = 0;
    for (const count of counter.counts) held += count;
    // Oldest slot first: each leaves the window one full window after it ended.
    for (let index = counter.newest - SLOTS; held >= limit && index <= counter.newest; index += 1) {
      held -= counter.counts[ring(index)] ?? 0;
      if (held < limit) return (index + 1) * counter.slotMs + SLOTS * counter.slotMs - now;
    }
    return 0;
  }

  private create(key: string, windowMs: number, now: number): Counter {
    if (this.counters.size >= this.maxKeys) this.evict(now);
    const counter = { counts: new Uint32Array(SLOTS + 1), newest: this.slotOf(now, windowMs), slotMs: windowMs / SLOTS };
    this.counters.set(key, counter);
    return counter;
  }

  /**
   * Makes room for one key: the least recently used go first (Map keeps insertion order, and a hit
   * moves its key to the end), expired or not, so a full limiter costs one deletion per new key,
   * not a scan of every key.
   */
  private evict(now: number): void {
    for (const [key, counter] of this.counters) {
      const expired = Math.floor(now / counter.slotMs) - counter.newest > SLOTS;
      if (!expired && this.counters.size < this.maxKeys) return;
      this.counters.delete(key);
    }
  }
}
