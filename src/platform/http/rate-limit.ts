/**
 * Fixed-window counters in this process's memory. Enough for one process and a fair brake for
 * several (each counts on its own); a shared store can replace it behind the same two methods.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: { maxKeys?: number; now?: () => number } = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Counts one hit. Returns the seconds to wait when the key is over its limit, else 0. */
  hit(key: string, limit: number, windowMs: number): number {
    const window = this.current(key, windowMs, true);
    window.count += 1;
    return window.count > limit ? Math.ceil((window.resetAt - this.now()) / 1000) : 0;
  }

  /** Like hit, without counting: is the key already over its limit? */
  check(key: string, limit: number, windowMs: number): number {
    const window = this.current(key, windowMs, false);
    return window.count >= limit ? Math.ceil((window.resetAt - this.now()) / 1000) : 0;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  private current(key: string, windowMs: number, create: boolean): { count: number; resetAt: number } {
    const now = this.now();
    const existing = this.windows.get(key);
    if (existing && existing.resetAt > now) return existing;
    const fresh = { count: 0, resetAt: now + windowMs };
    if (!create) return fresh;
    if (this.windows.size >= this.maxKeys) this.evictExpired(now);
    this.windows.set(key, fresh);
    return fresh;
  }

  private evictExpired(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.resetAt <= now) this.windows.delete(key);
    }
    // Still full of live windows: drop the oldest rather than grow without bound.
    const oldest = this.windows.keys().next();
    if (this.windows.size >= this.maxKeys && !oldest.done) this.windows.delete(oldest.value);
  }
}
