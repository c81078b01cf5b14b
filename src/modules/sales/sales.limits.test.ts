import { describe, expect, it } from 'vitest';
import { MAX_ORDER_TOTAL, MAX_PRICE } from '../../platform/money.ts';
import { MAX_EVENT_REVENUE, MAX_SEATS_PER_EVENT, MAX_UNITS_PER_EVENT } from './sales.limits.ts';

describe('the bounds on money', () => {
  it('keep the largest sums the product computes exact in a JavaScript number', () => {
    // An event sold out at the top price, and the largest order.
    expect(MAX_EVENT_REVENUE).toBe(MAX_PRICE * (MAX_SEATS_PER_EVENT + MAX_UNITS_PER_EVENT));
    expect(Number.isSafeInteger(MAX_EVENT_REVENUE)).toBe(true);
    expect(Number.isSafeInteger(MAX_ORDER_TOTAL)).toBe(true);
    expect(MAX_EVENT_REVENUE).toBeLessThan(Number.MAX_SAFE_INTEGER / 8);
  });
});
