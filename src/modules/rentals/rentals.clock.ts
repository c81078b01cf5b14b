/**
 * The quarter-hour grid of a hall in its own time zone, with no date library: instants are UTC
 * milliseconds, and a zone's offset at an instant comes from Intl. Every rule about hours is
 * about local wall-clock time (09:00 is 09:00 on a daylight-saving day too), while lengths and
 * prices are about the time that actually passes — so a day has 92, 96 or 100 quarter hours.
 *
 * Zones in use today have offsets in whole quarter hours (Kathmandu +05:45, Chatham +12:45), so a
 * local quarter hour is also a UTC quarter hour; `isOnLocalQuarterHour` checks it anyway.
 */

export const QUARTER_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** By Date#getUTCDay, where 0 is Sunday. */
const WEEKDAY_OF_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** A local date as `YYYY-MM-DD`. */
export type LocalDate = string;

export interface LocalTime {
  date: LocalDate;
  weekday: Weekday;
  /** Minutes since local midnight by the wall clock, 0–1439. */
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** True when Intl knows the zone (IANA names and UTC). */
export function isTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Offsets already computed, per zone and UTC quarter hour. Intl's formatToParts costs ~15 µs and a
 * month of availability asks ~3,400 of them — the same ones for every visitor of the hall — so they
 * are remembered. Only instants on a UTC quarter hour are kept: every offset change since 1970
 * falls on one (offsets are whole quarter hours), so the offset at a quarter's start holds for the
 * instant itself. Bounded: forgotten all at once when full (a quarter hour a year per hall zone
 * is ~35,000 entries).
 */
const knownOffsets = new Map<string, Map<number, number>>();
let knownOffsetCount = 0;
const MAX_KNOWN_OFFSETS = 200_000;

/** The zone's offset from UTC at an instant, in milliseconds (Berlin in summer: +7,200,000). */
export function offsetAt(instant: number, zone: string): number {
  if (instant % QUARTER_MS !== 0) return computeOffsetAt(instant, zone);
  let ofZone = knownOffsets.get(zone);
  const known = ofZone?.get(instant);
  if (known !== undefined) return known;
  const offset = computeOffsetAt(instant, zone);
  if (knownOffsetCount >= MAX_KNOWN_OFFSETS) {
    knownOffsets.clear();
    knownOffsetCount = 0;
    ofZone = undefined;
  }
  if (!ofZone) knownOffsets.set(zone, (ofZone = new Map<number, number>()));
  ofZone.set(instant, offset);
  knownOffsetCount++;
  return offset;
}

function computeOffsetAt(instant: number, zone: string): number {
  const parts = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(zone).formatToParts(new Date(instant))) {
    if (part.type in parts) parts[part.type as keyof typeof parts] = Number(part.value);
  }
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  // Sub-second parts are not formatted; drop them from the instant too.
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

/** Wall-clock time in the zone, as if it were UTC (for date and weekday arithmetic). */
function wallClock(instant: number, zone: string): number {
  return instant + offsetAt(instant, zone);
}

export function localTimeOf(instant: number, zone: string): LocalTime {
  const wall = new Date(wallClock(instant, zone));
  return {
    date: wall.toISOString().slice(0, 10),
    weekday: WEEKDAY_OF_UTC_DAY[wall.getUTCDay()] ?? 'sun',
    minuteOfDay: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
  };
}

export function isOnLocalQuarterHour(instant: number, zone: string): boolean {
  const wall = wallClock(instant, zone);
  return wall % QUARTER_MS === 0;
}

export function dateToUtcMidnight(date: LocalDate): number {
  return Date.parse(`${date}T00:00:00Z`);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(dateToUtcMidnight(date) + days * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((dateToUtcMidnight(to) - dateToUtcMidnight(from)) / DAY_MS);
}

export function isLocalDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed) && new Date(parsed).toISOString().slice(0, 10) === value;
}

/**
 * The first quarter-hour instant whose local date is `date`: local midnight, or the first
 * instant after it when midnight itself is skipped by a daylight-saving jump.
 */
export function startOfLocalDay(date: LocalDate, zone: string): number {
  const midnight = dateToUtcMidnight(date);
  // Two rounds find the offset in force at local midnight unless a change happens within hours of it.
  let instant = midnight - offsetAt(midnight, zone);
  instant = midnight - offsetAt(instant, zone);
  instant -= instant % QUARTER_MS;
  while (localTimeOf(instant - QUARTER_MS, zone).date >= date) instant -= QUARTER_MS;
  while (localTimeOf(instant, zone).date < date) instant += QUARTER_MS;
  return instant;
}

/** Every quarter hour of a local date, as UTC instants with their wall-clock times. */
export function quarterHoursOfDay(date: LocalDate, zone: string): { instant: number; local: LocalTime }[] {
  const end = startOfLocalDay(addDays(date, 1), zone);
  // Every instant here has this local date (by construction), so only the wall-clock minute is
  // worked out per quarter hour — availability calls this for every day of a month.
  const weekday = WEEKDAY_OF_UTC_DAY[new Date(dateToUtcMidnight(date)).getUTCDay()] ?? 'sun';
  const slots: { instant: number; local: LocalTime }[] = [];
  for (let instant = startOfLocalDay(date, zone); instant < end; instant += QUARTER_MS) {
    const minuteOfDay = Math.floor((((wallClock(instant, zone) % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
    slots.push({ instant, local: { date, weekday, minuteOfDay } });
  }
  return slots;
}

/** Every quarter hour in [from, to), with wall-clock times; from and to on the grid. */
export function quarterHoursBetween(from: number, to: number, zone: string): { instant: number; local: LocalTime }[] {
  const slots: { instant: number; local: LocalTime }[] = [];
  for (let instant = from; instant < to; instant += QUARTER_MS) slots.push({ instant, local: localTimeOf(instant, zone) });
  return slots;
}

/** `"09:30"` → 570; `"24:00"` → 1440. Clocks are `HH:MM` (checked where written); read by char codes, as availability reads one per quarter hour. */
export function minutesOfClock(clock: string): number {
  const digit = (index: number) => clock.charCodeAt(index) - 48;
  return clock.length === 5 && clock[2] === ':' ? (digit(0) * 10 + digit(1)) * 60 + digit(3) * 10 + digit(4) : NaN;
}
