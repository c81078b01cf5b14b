import { type LocalTime, minutesOfClock, quarterHoursBetween, type Weekday } from './rentals.clock.ts';
import { extraCurrencyMismatch, notPriced } from './rentals.errors.ts';

/** A time band of a tariff: a price per hour on some weekdays between local from and to. */
export interface Band {
  name: string;
  days: Weekday[];
  /** Local wall-clock `HH:MM`; `to` may be `24:00`. */
  from: string;
  to: string;
  price_per_hour: number;
}

export interface Tariff {
  currency: string;
  bands: Band[];
  /** Local dates priced, all day, by the named band (whatever its days and hours). */
  holidays: { date: string; band: string }[];
  /** The least the hall time of one rental costs (extras come on top). */
  minimum_charge: number;
}

export interface PricedExtra {
  id: number;
  name: string;
  pricing: 'per_hour' | 'per_rental';
  price: number;
  currency: string;
}

export interface QuoteLine {
  kind: 'band' | 'minimum' | 'extra';
  name: string;
  /** Quarter hours charged (bands and hourly extras). */
  quarter_hours: number | null;
  quantity: number;
  /** Per hour (bands, hourly extras) or per rental. */
  unit_price: number;
  amount: number;
}

export interface Quote {
  currency: string;
  /** The time that actually passes, in minutes (a rental across a clock change is priced by it). */
  minutes: number;
  total: number;
  lines: QuoteLine[];
}

/**
 * The rounding rule, written once: an hourly price applied to some quarter hours is
 * `quarters × price / 4` minor units, rounded half up to a whole minor unit — once per line,
 * never per quarter hour, so splitting a stay into quarters never adds up rounding.
 */
export function amountForQuarterHours(quarters: number, pricePerHour: number): number {
  return Math.floor((quarters * pricePerHour + 2) / 4);
}

/** A share of an amount in percent, rounded half up (refunds by policy). */
export function percentOf(amount: number, percent: number): number {
  return Math.floor((amount * percent * 2 + 100) / 200);
}

/** The band that prices one quarter hour: a holiday's band, else the first listed band covering it. */
export function bandFor(tariff: Tariff, local: LocalTime): Band | undefined {
  const holiday = tariff.holidays.find((day) => day.date === local.date);
  if (holiday) return tariff.bands.find((band) => band.name === holiday.band);
  return tariff.bands.find(
    (band) =>
      band.days.includes(local.weekday) &&
      minutesOfClock(band.from) <= local.minuteOfDay &&
      local.minuteOfDay < minutesOfClock(band.to),
  );
}

/**
 * The price of [startsAt, endsAt) in the hall's zone, quarter hour by quarter hour by band,
 * then the minimum charge, then extras (hourly ones by the time that passes, per-rental ones once).
 */
export function priceRental(
  tariff: Tariff,
  zone: string,
  startsAt: number,
  endsAt: number,
  extras: { extra: PricedExtra; quantity: number }[] = [],
): Quote {
  const quarters = quarterHoursBetween(startsAt, endsAt, zone);
  const byBand = new Map<Band, number>();
  for (const { instant, local } of quarters) {
    const band = bandFor(tariff, local);
    if (!band) throw notPriced(new Date(instant).toISOString());
    byBand.set(band, (byBand.get(band) ?? 0) + 1);
  }
  const lines: QuoteLine[] = [...byBand].map(([band, count]) => ({
    kind: 'band',
    name: band.name,
    quarter_hours: count,
    quantity: 1,
    unit_price: band.price_per_hour,
    amount: amountForQuarterHours(count, band.price_per_hour),
  }));
  const hallTime = lines.reduce((sum, line) => sum + line.amount, 0);
  if (hallTime < tariff.minimum_charge) {
    lines.push({
      kind: 'minimum',
      name: 'minimum charge',
      quarter_hours: null,
      quantity: 1,
      unit_price: tariff.minimum_charge,
      amount: tariff.minimum_charge - hallTime,
    });
  }
  for (const { extra, quantity } of extras) {
    if (extra.currency !== tariff.currency) throw extraCurrencyMismatch(extra.name, extra.currency, tariff.currency);
    const hourly = extra.pricing === 'per_hour';
    lines.push({
      kind: 'extra',
      name: extra.name,
      quarter_hours: hourly ? quarters.length : null,
      quantity,
      unit_price: extra.price,
      amount: hourly ? amountForQuarterHours(quarters.length * quantity, extra.price) : extra.price * quantity,
    });
  }
  return {
    currency: tariff.currency,
    minutes: quarters.length * 15,
    total: lines.reduce((sum, line) => sum + line.amount, 0),
    lines,
  };
}
