import { describe, expect, it } from 'vitest';
import { localTimeOf, quarterHoursOfDay, startOfLocalDay } from './rentals.clock.ts';
import { availabilityDays, checkSlot, type HallRules } from './rentals.slots.ts';

const ALL_DAY = { open: '00:00', close: '24:00' };
const EVERY_DAY = { mon: ALL_DAY, tue: ALL_DAY, wed: ALL_DAY, thu: ALL_DAY, fri: ALL_DAY, sat: ALL_DAY, sun: ALL_DAY };
const hall = (timezone: string, opening_hours = EVERY_DAY): HallRules => ({
  timezone,
  opening_hours,
  min_minutes: 15,
  max_minutes: 1440,
  min_notice_minutes: 0,
  horizon_days: 365,
});
const iso = (ms: number) => new Date(ms).toISOString();

describe('the quarter-hour grid of a local day', () => {
  it.each([
    ['Europe/Berlin', '2027-03-28', 92, '2027-03-27T23:00:00.000Z'],
    ['Europe/Berlin', '2027-10-31', 100, '2027-10-30T22:00:00.000Z'],
    ['Europe/Berlin', '2027-06-01', 96, '2027-05-31T22:00:00.000Z'],
    ['Asia/Almaty', '2027-03-28', 96, '2027-03-27T19:00:00.000Z'],
    ['Asia/Almaty', '2027-10-31', 96, '2027-10-30T19:00:00.000Z'],
    // Chile moves its clocks at midnight: 2026-09-06 begins at 01:00 local.
    ['America/Santiago', '2026-09-06', 92, '2026-09-06T04:00:00.000Z'],
  ])('%s on %s has %i quarter hours from %s', (zone, date, count, first) => {
    const slots = quarterHoursOfDay(date, zone);
    expect(slots).toHaveLength(count);
    expect(iso(startOfLocalDay(date, zone))).toBe(first);
    expect(slots.every((slot) => slot.local.date === date)).toBe(true);
  });

  it('skips 02:00–02:45 in spring and shows it twice in autumn, in Berlin', () => {
    const clock = (date: string) =>
      quarterHoursOfDay(date, 'Europe/Berlin').map((slot) => {
        const minutes = slot.local.minuteOfDay;
        return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
      });
    expect(clock('2027-03-28').slice(6, 9)).toEqual(['01:30', '01:45', '03:00']);
    expect(clock('2027-10-31').filter((time) => time === '02:15')).toHaveLength(2);
  });

  it('names the local weekday', () => {
    expect(localTimeOf(Date.parse('2027-01-03T19:00:00Z'), 'Asia/Almaty')).toEqual({
      date: '2027-01-04',
      weekday: 'mon',
      minuteOfDay: 0,
    });
  });
});

describe('availability and slot rules on daylight-saving days', () => {
  it('opens at 09:00 local on both sides of the spring change (not an hour late)', () => {
    const [day] = availabilityDays(
      hall('Europe/Berlin', { ...EVERY_DAY, sun: { open: '09:00', close: '23:00' } }),
      [],
      [],
      '2027-03-28',
      '2027-03-28',
    );
    expect(day!.slots).toHaveLength(56);
    expect(day!.slots[0]!.starts_at).toBe('2027-03-28T07:00:00.000Z');
    expect(day!.slots.at(-1)!.starts_at).toBe('2027-03-28T20:45:00.000Z');
  });

  it('judges opening hours by the wall clock and length by the time that passes', () => {
    const berlin = hall('Europe/Berlin', { ...EVERY_DAY, sun: { open: '00:00', close: '03:00' } });
    // 00:00–03:00 local on 2027-03-28 is two hours.
    expect(() =>
      checkSlot(berlin, [], Date.parse('2027-03-27T23:00:00Z'), Date.parse('2027-03-28T01:00:00Z'), undefined, 'rental'),
    ).not.toThrow();
    // 03:00 local is closed.
    expect(() =>
      checkSlot(berlin, [], Date.parse('2027-03-28T01:00:00Z'), Date.parse('2027-03-28T01:15:00Z'), undefined, 'rental'),
    ).toThrow(/closed/);
    const short = { ...berlin, max_minutes: 120 };
    // 00:00–04:00 local on 2027-10-31 is five hours (02:00–03:00 happens twice).
    expect(() =>
      checkSlot(
        { ...short, opening_hours: EVERY_DAY },
        [],
        Date.parse('2027-10-30T22:00:00Z'),
        Date.parse('2027-10-31T03:00:00Z'),
        undefined,
        'rental',
      ),
    ).toThrow(/not 300/);
  });

  it('refuses starts and ends off the local quarter-hour grid (Kathmandu is UTC+05:45)', () => {
    const kathmandu = hall('Asia/Kathmandu');
    // 10:00 local is 04:15Z.
    expect(() =>
      checkSlot(kathmandu, [], Date.parse('2027-01-04T04:15:00Z'), Date.parse('2027-01-04T05:15:00Z'), undefined, 'rental'),
    ).not.toThrow();
    expect(() =>
      checkSlot(kathmandu, [], Date.parse('2027-01-04T04:10:00Z'), Date.parse('2027-01-04T05:15:00Z'), undefined, 'rental'),
    ).toThrow(/quarter hour/);
  });
});
