/**
 * A small in-process cache for event searches: an LRU of at most `maxEntries` results, each kept
 * for `ttlMs` (a few seconds) after it was loaded.
 *
 * - Concurrent misses for one key share one load, so a burst of identical searches costs one query.
 * - `invalidate()` drops this cache's entries; `invalidateSearchCaches()` drops every cache in the
 *   process (the importer calls it). A load that was running when either happened is answered to its
 *   callers but not kept, so the next search after a change always reads the database.
 * - Other processes (more `api` instances, `sbor import` run beside `serve`) are not told: there the
 *   change shows once the TTL has passed.
 *
 * Cached values are shared between callers: they must not be mutated.
 */

/** Bumped by invalidateSearchCaches(); an entry loaded under an older generation is stale. */
let processGeneration = 0;

/** Drops every search cache of this process (after an import, or any change made outside a service). */
export function invalidateSearchCaches(): void {
  processGeneration++;
}

export interface SearchCacheOptions {
  /** Most entries kept (default 1000); the least recently used goes first. */
  maxEntries?: number;
  /** How long a loaded result is served (default 5000 ms). */
  ttlMs?: number;
  /** The clock, in ms (tests move it). */
  now?: () => number;
}

export interface SearchCacheStats {
  hits: number;
  misses: number;
  size: number;
}

interface Entry<V> {
  promise: Promise<V>;
  /** The loaded value, once the load has succeeded. */
  value?: { loaded: V };
  /** Until when a settled value is served; Infinity while loading (callers join the load). */
  expiresAt: number;
  generation: number;
}

export class SearchCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;

  constructor(options: SearchCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.ttlMs = options.ttlMs ?? 5000;
    this.now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 0)
      throw new RangeError('maxEntries must be a non-negative integer');
    if (!(this.ttlMs >= 0)) throw new RangeError('ttlMs must be a non-negative number');
  }

  /** The cached value for `key`, or `load()`'s (then cached); concurrent misses share one load. */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const found = this.entries.get(key);
    if (found && this.isFresh(found)) {
      this.touch(key, found);
      return found.promise;
    }
    this.misses++;
    if (found) this.entries.delete(key);
    if (this.maxEntries === 0 || this.ttlMs === 0) return load();
    const entry: Entry<V> = { promise: load(), expiresAt: Infinity, generation: processGeneration };
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    entry.promise.then(
      (loaded) => {
        entry.value = { loaded };
        // Kept only if nothing invalidated it meanwhile (it is then no longer in the map).
        if (this.entries.get(key) === entry) entry.expiresAt = this.now() + this.ttlMs;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.promise;
  }

  /**
   * The loaded value `get(key)` would answer now without loading, or undefined (a miss, or a load
   * still running). Counts as a hit when found.
   */
  peek(key: string): V | undefined {
    const found = this.entries.get(key);
    if (!found?.value || !this.isFresh(found)) return undefined;
    this.touch(key, found);
    return found.value.loaded;
  }

  private isFresh(entry: Entry<V>): boolean {
    return entry.generation === processGeneration && entry.expiresAt > this.now();
  }

  private touch(key: string, entry: Entry<V>): void {
    this.hits++;
    // Most recently used goes last.
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  /** Drops every entry: the next search of each key reads the database. */
  invalidate(): void {
    this.entries.clear();
  }

  stats(): SearchCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }
}

/**
 * The form of a search text that gives the same results: Unicode NFC, lowercase, single spaces,
 * trimmed (the full-text parser and the trigram fallback both ignore case and extra spaces).
 */
export function normalizeSearchText(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
}
