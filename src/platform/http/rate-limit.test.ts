import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

const LIMIT = 5;
const WINDOW_MS = 1_000;

/** A limiter on a clock the test moves by hand. */
function limiterAt(start = 0, options: { maxKeys?: number } = {}) {
  const clock = { now: start };
  const limiter = new RateLimiter({ ...options, now: () => clock.now });
  return { clock, limiter };
}

/** The most admitted hits any window of `windowMs` (ending at an admitted hit) holds. */
function busiestWindow(admitted: number[], windowMs: number): number {
  return Math.max(0, ...admitted.map((end) => admitted.filter((at) => at > end - windowMs && at <= end).length));
}

describe('RateLimiter', () => {
  it('admits at most the limit in any window of its length when a burst straddles a boundary', () => {
    const { clock, limiter } = limiterAt();
    const admitted: number[] = [];
    const burst = (at: number, hits: number) => {
      clock.now = at;
      for (let hit = 0; hit < hits; hit += 1) if (limiter.hit('key', LIMIT, WINDOW_MS) === 0) admitted.push(at);
    };
    // One early hit opens a fixed window; the rest come just before and just after it would end.
    burst(0, 1);
    burst(WINDOW_MS - 1, 10);
    burst(WINDOW_MS, 10);
    burst(WINDOW_MS + 1, 10);
    expect(busiestWindow(admitted, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
  });

  it('never admits more than the limit in any window, whatever the times of the hits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 10, max: 5_000 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }),
        (limit, windowMs, gaps) => {
          const { clock, limiter } = limiterAt(1_700_000_000_000);
          const admitted: number[] = [];
          for (const gap of gaps) {
            clock.now += gap;
            if (limiter.hit('key', limit, windowMs) === 0) admitted.push(clock.now);
          }
          return busiestWindow(admitted, windowMs) <= limit;
        },
      ),
    );
  });

  it('admits at most the limit in any window under a steady stream, and keeps admitting over time', () => {
    const { clock, limiter } = limiterAt(12_345);
    const admitted: number[] = [];
    for (let step = 0; step < 5_000; step += 7) {
      clock.now = 12_345 + step;
      if (limiter.hit('key', LIMIT, WINDOW_MS) === 0) admitted.push(clock.now);
    }
    expect(busiestWindow(admitted, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
    // Five seconds of asking: roughly the limit per window gets through, not a trickle.
    expect(admitted.length).toBeGreaterThanOrEqual(4 * LIMIT);
  });

  it('says how long to wait, and admits again once that time has passed', () => {
    const { clock, limiter } = limiterAt(500);
    for (let hit = 0; hit < LIMIT; hit += 1) expect(limiter.hit('key', LIMIT, 10_000)).toBe(0);
    clock.now += 3_000;
    const wait = limiter.hit('key', LIMIT, 10_000);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(8);
    clock.now += wait * 1_000;
    expect(limiter.hit('key', LIMIT, 10_000)).toBe(0);
  });

  it('does not count refused hits, so hammering does not extend the wait', () => {
    const { clock, limiter } = limiterAt();
    for (let hit = 0; hit < LIMIT; hit += 1) limiter.hit('key', LIMIT, WINDOW_MS);
    const first = limiter.hit('key', LIMIT, WINDOW_MS);
    for (let hit = 0; hit < 100; hit += 1) limiter.hit('key', LIMIT, WINDOW_MS);
    expect(limiter.hit('key', LIMIT, WINDOW_MS)).toBe(first);
    clock.now += first * 1_000;
    expect(limiter.hit('key', LIMIT, WINDOW_MS)).toBe(0);
  });

  it('checks without counting, and forgets a key on reset', () => {
    const { limiter } = limiterAt();
    for (let hit = 0; hit < LIMIT - 1; hit += 1) limiter.hit('key', LIMIT, WINDOW_MS);
    expect(limiter.check('key', LIMIT, WINDOW_MS)).toBe(0);
    expect(limiter.check('key', LIMIT, WINDOW_MS)).toBe(0);
    limiter.hit('key', LIMIT, WINDOW_MS);
    expect(limiter.check('key', LIMIT, WINDOW_MS)).toBeGreaterThan(0);
    limiter.reset('key');
    expect(limiter.check('key', LIMIT, WINDOW_MS)).toBe(0);
    expect(limiter.check('other', LIMIT, WINDOW_MS)).toBe(0);
  });

  it('keeps at most maxKeys keys', () => {
    const { clock, limiter } = limiterAt(0, { maxKeys: 3 });
    for (let key = 0; key < 10; key += 1) {
      clock.now += 1;
      limiter.hit(`key-${key}`, LIMIT, WINDOW_MS);
    }
    expect(limiter.size).toBeLessThanOrEqual(3);
    // The newest keys are the ones kept.
    for (let hit = 1; hit < LIMIT; hit += 1) limiter.hit('key-9', LIMIT, WINDOW_MS);
    expect(limiter.check('key-9', LIMIT, WINDOW_MS)).toBeGreaterThan(0);
  });
});
