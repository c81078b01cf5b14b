import { describe, expect, it } from 'vitest';
import { discountOf, priceWithPromo, proRataRefund, type PromoRule } from './promo-codes.pricing.ts';

const rule = (kind: PromoRule['discount_kind'], value: number, limits: Partial<PromoRule> = {}): PromoRule => ({
  discount_kind: kind,
  discount_value: value,
  ticket_type_ids: null,
  zone_ids: null,
  ...limits,
});

describe('promo code pricing', () => {
  it('takes a percentage off each ticket, rounded down', () => {
    expect(discountOf(rule('percent', 15), 999)).toBe(149);
    expect(discountOf(rule('percent', 100), 5_000)).toBe(5_000);
  });

  it('never takes more off than a ticket costs, nor charges more than its price', () => {
    expect(discountOf(rule('fixed', 7_000), 5_000)).toBe(5_000);
    expect(discountOf(rule('price', 7_000), 5_000)).toBe(0);
    expect(discountOf(rule('price', 1_000), 5_000)).toBe(4_000);
  });

  it('discounts only the tickets of the types or zones the code names', () => {
    const price = priceWithPromo(rule('fixed', 500, { ticket_type_ids: [2], zone_ids: [9] }), [
      { price: 1_000, ticketTypeId: 1 },
      { price: 1_000, ticketTypeId: 2 },
      { price: 3_000, zoneId: 9 },
      { price: 3_000, zoneId: 8 },
    ]);
    expect(price).toEqual({ subtotal: 8_000, discount: 1_000, total: 7_000, discounted: 2 });
  });

  it('says a code fits no ticket of the order', () => {
    expect(priceWithPromo(rule('percent', 10, { zone_ids: [1] }), [{ price: 1_000, zoneId: 2 }]).discounted).toBe(0);
  });

  it('refunds part of a discounted order in proportion to what was paid, never more than that', () => {
    expect(proRataRefund(10_000, 14_000, 10_000)).toBe(5_833);
    expect(proRataRefund(10_000, 10_000, 0)).toBe(10_000);
    expect(proRataRefund(10_000, 0, 10_000)).toBe(0);
    expect(proRataRefund(24_000, 14_000, 10_000)).toBe(14_000);
  });
});
