import {
  addDays,
  daysBetween,
  isOnLocalQuarterHour,
  type LocalDate,
  type LocalTime,
  localTimeOf,
  minutesOfClock,
  QUARTER_MS,
  quarterHoursBetween,
  quarterHoursOfDay,
} from './rentals.clock.ts';
import { badLength, beyondHorizon, hallClosed, invalidRange, offGrid, tooLittleNotice } from './rentals.errors.ts';
import type { OpeningHours, RentalKind, RentalStatus } from './rentals.tables.ts';

/** What decides whether a slot may be rented: the hall's rules, in its own zone. */
export interface HallRules {
  timezone: string;
  opening_hours: OpeningHours;
  min_minutes: number;
  max_minutes: number;
  min_notice_minutes: number;
  horizon_days: number;
}

export interface Closure {
  starts_on: LocalDate;
  ends_on: LocalDate;
}

/** The longest block the studio may put in at once. */
export const MAX_BLOCK_MINUTES = 31 * 24 * 60;
/** The most local dates one availability request covers. */
export const MAX_AVAILABILITY_DAYS = 31;

/** Open at this wall-clock quarter hour by the weekday's hours (`close` "24:00" is the end of the day). */
export function isOpenAt(hours: OpeningHours, local: LocalTime): boolean {
  const day = hours[local.weekday];
  return !!day && minutesOfClock(day.open) <= local.minuteOfDay && local.minuteOfDay < minutesOfClock(day.close);
}

export function isClosedOn(closures: readonly Closure[], date: LocalDate): boolean {
  return closures.some((closure) => closure.starts_on <= date && date <= closure.ends_on);
}

/**
 * Throws the first rule [startsAt, endsAt) breaks: both ends on a local quarter hour; a length
 * (the time that passes) within the hall's minimum and maximum; at least the minimum notice after
 * `now`; starting within the horizon; and every quarter hour inside open and not in a closure.
 * A block (the studio's own time) keeps only the grid and a length of at most 31 days. Without
 * `now` (a quote) notice and horizon are not judged.
 */
export function checkSlot(
  hall: HallRules,
  closures: readonly Closure[],
  startsAt: number,
  endsAt: number,
  now: number | undefined,
  kind: RentalKind,
): void {
  if (!isOnLocalQuarterHour(startsAt, hall.timezone)) throw offGrid('starts_at');
  if (!isOnLocalQuarterHour(endsAt, hall.timezone)) throw offGrid('ends_at');
  if (endsAt <= startsAt) throw invalidRange('ends_at must be after starts_at.');
  const minutes = (endsAt - startsAt) / 60_000;
  if (kind === 'block') {
    if (minutes > MAX_BLOCK_MINUTES) throw badLength(minutes, 15, MAX_BLOCK_MINUTES);
    return;
  }
  if (minutes < hall.min_minutes || minutes > hall.max_minutes) throw badLength(minutes, hall.min_minutes, hall.max_minutes);
  if (now !== undefined && startsAt < now + hall.min_notice_minutes * 60_000) throw tooLittleNotice(hall.min_notice_minutes);
  if (now !== undefined && startsAt > now + hall.horizon_days * 86_400_000) throw beyondHorizon(hall.horizon_days);
  for (const { instant, local } of quarterHoursBetween(startsAt, endsAt, hall.timezone)) {
    if (!isOpenAt(hall.opening_hours, local) || isClosedOn(closures, local.date)) {
      throw hallClosed(new Date(instant).toISOString());
    }
  }
}

export type SlotStatus = 'free' | 'held' | 'booked' | 'blocked' | 'buffer' | 'closed';

/** A rental or block as availability sees it; `holding` is judged by the database clock. */
export interface TimedRental {
  kind: RentalKind;
  status: RentalStatus;
  holding: boolean;
  starts_at: Date;
  ends_at: Date;
  occupied_until: Date;
}

export interface AvailabilityDay {
  date: LocalDate;
  slots: { starts_at: string; status: SlotStatus }[];
}

/** Checks a local date range for availability: from ≤ to, at most 31 dates. */
export function checkDateRange(from: LocalDate, to: LocalDate, maxDays = MAX_AVAILABILITY_DAYS): void {
  const days = daysBetween(from, to) + 1;
  if (days < 1) throw invalidRange('to must not be before from.');
  if (days > maxDays) throw invalidRange(`At most ${maxDays} days at once.`);
}

/** A rental that keeps its time, as instants: what availability compares each quarter hour with. */
interface Occupying {
  startsAt: number;
  endsAt: number;
  occupiedUntil: number;
  status: SlotStatus;
}

function occupying(rentals: readonly TimedRental[]): Occupying[] {
  return rentals
    .filter((rental) => rental.holding || rental.status === 'COMPLETED')
    .map((rental) => ({
      startsAt: rental.starts_at.getTime(),
      endsAt: rental.ends_at.getTime(),
      occupiedUntil: rental.occupied_until.getTime(),
      status: rental.kind === 'block' ? 'blocked' : rental.status === 'PENDING' ? 'held' : 'booked',
    }));
}

function statusOf(rentals: readonly Occupying[], instant: number): SlotStatus {
  const end = instant + QUARTER_MS;
  let buffer = false;
  for (const rental of rentals) {
    if (rental.startsAt >= end || rental.occupiedUntil <= instant) continue;
    if (rental.endsAt <= instant) {
      buffer = true;
      continue;
    }
    return rental.status;
  }
  return buffer ? 'buffer' : 'free';
}

/** One entry per quarter hour the hall is open on each local date of [from, to], with its UTC instant. */
export function availabilityDays(
  hall: Pick<HallRules, 'timezone' | 'opening_hours'>,
  closures: readonly Closure[],
  rentals: readonly TimedRental[],
  from: LocalDate,
  to: LocalDate,
): AvailabilityDay[] {
  const taken = occupying(rentals);
  const days: AvailabilityDay[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) {
    const closed = isClosedOn(closures, date);
    const slots = quarterHoursOfDay(date, hall.timezone)
      .filter(({ local }) => isOpenAt(hall.opening_hours, local))
      .map(({ instant }) => ({
        starts_at: new Date(instant).toISOString(),
        status: closed ? ('closed' as const) : statusOf(taken, instant),
      }));
    days.push({ date, slots });
  }
  return days;
}

/** The local date of an instant in the hall's zone (for closure and range look-ups). */
export function localDateOf(instant: number, zone: string): LocalDate {
  return localTimeOf(instant, zone).date;
}
