// API types (from the API's document, see api.ts) and helpers used only by the studio pages:
// halls, tariffs, extras, closures and the studio's calendar.
import { ApiError, type Answer, type RequestBody, type Schema } from '../api.ts';
import { wallClock } from './organizer.api.ts';

export type Hall = Answer<'/api/halls/{id}'>;
export type HallBody = RequestBody<'/api/organizers/{slug}/halls', 'post'>;
export type Tariff = NonNullable<Hall['tariff']>;
export type Band = Tariff['bands'][number];
export type Extra = Answer<'/api/organizers/{slug}/extras'>[number];
export type Rental = Schema<'Rental'>;
export type RentalDetail = Answer<'/api/rentals/{id}'>;
export type Weekday = Band['days'][number];

/** The weekdays in the API's order (Monday first); a record, so a day the API renames does not compile. */
const WEEKDAY_SET: Record<Weekday, true> = { mon: true, tue: true, wed: true, thu: true, fri: true, sat: true, sun: true };
export const WEEKDAYS = Object.keys(WEEKDAY_SET) as Weekday[];

/** Every quarter hour of a day as HH:MM, with 24:00 for the end of the day (the API's grid). */
export const QUARTER_HOURS: string[] = Array.from({ length: 97 }, (_, index) => {
  const minutes = index * 15;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
});

export const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** Money typed in major units (as the event editor takes prices) → the API's minor units. */
export const toMinor = (major: string) => Math.round(Number(major.replace(',', '.')) * 100);
export const toMajor = (minor: number) => String(minor / 100);

/**
 * A validation problem's messages by the field they are about (`name`, `opening_hours`,
 * `photos`, …: the first segment after `body`), so a form shows each next to its field. The
 * domain problems that name a field only in their words (`invalid-hall`: "min_minutes must not
 * exceed max_minutes", "opening_hours.mon: …", "cancellation: …") are placed by that word.
 */
export function fieldProblems(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const found: Record<string, string> = {};
  const issues = Array.isArray(error.problem?.errors) ? (error.problem.errors as { field?: unknown; message?: unknown }[]) : [];
  for (const issue of issues) {
    if (typeof issue.field !== 'string') continue;
    const segments = issue.field.split('/').filter((segment) => segment && segment !== 'body');
    const name = segments[0];
    if (name && !found[name]) found[name] = typeof issue.message === 'string' ? issue.message : error.message;
  }
  if (issues.length === 0 && (error.code === 'invalid-hall' || error.code === 'invalid-tariff')) {
    const named = /^(\w+)/.exec(error.message)?.[1];
    if (named) found[named] = error.message;
  }
  return found;
}

/** `YYYY-MM-DD` + `days`, on the calendar (no time zone involved). */
export function addDays(date: string, days: number): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + days);
  return next.toISOString().slice(0, 10);
}

/** The Monday of the week `date` is in. */
export function mondayOf(date: string): string {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((day + 6) % 7));
}

/** Today's date in `timeZone`. */
export function todayIn(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** An instant's local date and minutes since local midnight in `timeZone` (by the wall clock). */
export function wallTime(iso: string | number, timeZone: string): { date: string; minutes: number } {
  const wall = new Date(wallClock(new Date(iso).getTime(), timeZone));
  return { date: wall.toISOString().slice(0, 10), minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes() };
}

/** HH:MM of an instant in `timeZone`. */
export function clockOf(iso: string, timeZone: string): string {
  const { minutes } = wallTime(iso, timeZone);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
