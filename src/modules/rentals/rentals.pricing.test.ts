import { describe, expect, it } from 'vitest';
import { renterRefund } from './rentals.policy.ts';
import { amountForQuarterHours, percentOf, priceRental, type PricedExtra, type Tariff } from './rentals.pricing.ts';

// Asia/Almaty is UTC+5 all year: local 10:00 is 05:00Z. 2027-01-04 is a Monday.
const ALMATY = 'Asia/Almaty';
const at = (local: string) => Date.parse(`${local}:00+05:00`);

const TARIFF: Tariff = {
  currency: 'KZT',
  bands: [
    { name: 'weekday', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00', price_per_hour: 400_000 },
    { name: 'evening', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '18:00', to: '23:00', price_per_hour: 600_000 },
    { name: 'weekend', days: ['sat', 'sun'], from: '00:00', to: '24:00', price_per_hour: 500_000 },
  ],
  holidays: [{ date: '2027-01-07', band: 'weekend' }],
  minimum_charge: 1_000_000,
};
const KIT: PricedExtra = { id: 1, name: 'light kit', pricing: 'per_hour', price: 150_000, currency: 'KZT' };
const ASSISTANT: PricedExtra = { id: 2, name: 'assistant', pricing: 'per_rental', price: 500_000, currency: 'KZT' };

describe('priceRental', () => {
  // Each expected amount is worked out by hand: quarters × price per hour / 4.
  it.each([
    {
      name: 'two weekday hours, topped up to the minimum charge',
      from: '2027-01-04T10:00',
      to: '2027-01-04T12:00',
      lines: [
        ['weekday', 800_000], // 8 × 400,000 / 4
        ['minimum charge', 200_000], // 1,000,000 − 800,000
      ],
      total: 1_000_000,
    },
    {
      name: 'across the 18:00 band boundary',
      from: '2027-01-04T17:00',
      to: '2027-01-04T19:30',
      lines: [
        ['weekday', 400_000], // 4 × 400,000 / 4
        ['evening', 900_000], // 6 × 600,000 / 4
      ],
      total: 1_300_000,
    },
    {
      name: 'a Saturday',
      from: '2027-01-09T10:00',
      to: '2027-01-09T13:00',
      lines: [['weekend', 1_500_000]], // 12 × 500,000 / 4
      total: 1_500_000,
    },
    {
      name: 'a holiday Thursday priced as the weekend, exactly the minimum',
      from: '2027-01-07T10:00',
      to: '2027-01-07T12:00',
      lines: [['weekend', 1_000_000]], // 8 × 500,000 / 4
      total: 1_000_000,
    },
    {
      name: 'with two light kits by the hour and an assistant per rental',
      from: '2027-01-05T09:00',
      to: '2027-01-05T12:00',
      extras: [
        { extra: KIT, quantity: 2 },
        { extra: ASSISTANT, quantity: 1 },
      ],
      lines: [
        ['weekday', 1_200_000], // 12 × 400,000 / 4
        ['light kit', 900_000], // 12 quarters × 2 kits × 150,000 / 4
        ['assistant', 500_000],
      ],
      total: 2_600_000,
    },
  ])('prices $name', ({ from, to, extras, lines, total }) => {
    const quote = priceRental(TARIFF, ALMATY, at(from), at(to), extras ?? []);
    expect(quote.lines.map((line) => [line.name, line.amount])).toEqual(lines);
    expect(quote.total).toBe(total);
    expect(quote.currency).toBe('KZT');
  });

  it('refuses a quarter hour no band prices', () => {
    expect(() => priceRental(TARIFF, ALMATY, at('2027-01-04T22:00'), at('2027-01-04T23:30'))).toThrow(/2027-01-04T18:00:00.000Z/);
  });

  it('refuses an extra priced in another currency', () => {
    expect(() =>
      priceRental(TARIFF, ALMATY, at('2027-01-04T10:00'), at('2027-01-04T12:00'), [
        { extra: { ...KIT, currency: 'EUR' }, quantity: 1 },
      ]),
    ).toThrow(/EUR/);
  });

  it('prices a rental across a daylight-saving change by the time that passes', () => {
    const flat: Tariff = {
      currency: 'EUR',
      bands: [
        {
          name: 'all',
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          from: '00:00',
          to: '24:00',
          price_per_hour: 400_000,
        },
      ],
      holidays: [],
      minimum_charge: 0,
    };
    // 01:00–04:00 local on 2027-10-31: 01:00 CEST is 23:00Z, 04:00 CET is 03:00Z — four hours pass.
    const autumn = priceRental(flat, 'Europe/Berlin', Date.parse('2027-10-30T23:00:00Z'), Date.parse('2027-10-31T03:00:00Z'));
    expect([autumn.minutes, autumn.total]).toEqual([240, 1_600_000]);
    // 01:00–04:00 local on 2027-03-28: 01:00 CET is 00:00Z, 04:00 CEST is 02:00Z — two hours pass.
    const spring = priceRental(flat, 'Europe/Berlin', Date.parse('2027-03-28T00:00:00Z'), Date.parse('2027-03-28T02:00:00Z'));
    expect([spring.minutes, spring.total]).toEqual([120, 800_000]);
  });
});

describe('rounding', () => {
  it('rounds an hourly price over quarter hours half up, once per line', () => {
    expect(amountForQuarterHours(1, 100_001)).toBe(25_000); // 25,000.25
    expect(amountForQuarterHours(2, 100_001)).toBe(50_001); // 50,000.5
    expect(amountForQuarterHours(3, 100_001)).toBe(75_001); // 75,000.75
    expect(amountForQuarterHours(4, 100_001)).toBe(100_001);
  });

  it('rounds a percentage half up', () => {
    expect(percentOf(333, 50)).toBe(167); // 166.5
    expect(percentOf(1_000, 33)).toBe(330);
    expect(percentOf(1_001, 50)).toBe(501); // 500.5
  });
});

describe('renterRefund', () => {
  const policy = { full_refund_hours: 72, partial_refund_hours: 24, partial_refund_percent: 50 };
  const start = Date.parse('2027-01-10T10:00:00Z');
  const before = (hours: number) => start - hours * 3_600_000;
  it.each([
    [80, 400_000],
    [72, 400_000],
    [71.99, 200_000],
    [24, 200_000],
    [23.5, 0],
    [0, 0],
    [-1, 0],
  ])('cancelled %f hours before the start gives back %i of 400,000', (hours, refund) => {
    expect(renterRefund(policy, 400_000, start, before(hours))).toBe(refund);
  });
});
