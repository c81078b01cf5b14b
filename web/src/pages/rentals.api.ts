// Types and time helpers of the renter's pages. Every time shown is the hall's local time, drawn
// with Intl from the instants the API gives: the browser's own zone is never used, so a renter in
// Berlin sees an Almaty hall's 09:00 as 09:00, and a 23- or 25-hour day has the rows it really has.
import { api, type Answer } from '../api.ts';

export type Hall = Answer<'/api/halls/{id}'>;
export type Studio = Answer<'/api/studios'>[number];
export type Extra = Answer<'/api/organizers/{slug}/extras'>[number];
export type HallAvailability = Answer<'/api/halls/{id}/availability'>;
export type SlotStatus = HallAvailability['days'][number]['slots'][number]['status'];
export type Quote = Answer<'/api/halls/{id}/quote'>;
export type Rental = Answer<'/api/rentals/{id}'>;
export type RentalSummary = Answer<'/api/rentals'>[number];

export const QUARTER_MS = 15 * 60_000;
export const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

// ── Local dates (YYYY-MM-DD): calendar arithmetic only, with UTC as a zone-free calendar ─────────

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/** 0 for Monday … 6 for Sunday. */
export function weekdayIndex(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return (new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)).getUTCDay() + 6) % 7;
}

export const mondayOf = (date: string): string => addDays(date, -weekdayIndex(date));

export const isDate = (value: string | null): value is string => !!value && /^\d{4}-\d{2}-\d{2}$/.test(value);

/** The local date of an instant in the hall's zone (en-CA writes YYYY-MM-DD). */
export function localDateOf(instant: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(instant),
  );
}

/** Today's date in the hall's zone. */
export const todayIn = (timeZone: string): string => localDateOf(Date.now(), timeZone);

// ── Instants shown in the hall's zone ──────────────────────────────────────────────────────────────

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, { timeZone, ...options });
    formatters.set(key, found);
  }
  return found;
}

/** "09:15" in the hall's zone. */
export function clockOf(instant: string | number, timeZone: string): string {
  return formatter('en-GB', timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(instant));
}

/** "GMT+5" — to tell apart the two 02:00s of a day the clocks go back. */
export function offsetOf(instant: string | number, timeZone: string): string {
  const parts = formatter('en-US', timeZone, { timeZoneName: 'shortOffset' }).formatToParts(new Date(instant));
  return parts.find((part) => part.type === 'timeZoneName')?.value ?? '';
}

/** "Mon 7 Dec" for a local date. */
export function dayLabel(date: string, locale: string): string {
  return formatter(locale, 'UTC', { weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(`${date}T12:00:00Z`));
}

/** "Mon, 7 Dec 2026, 10:00–12:00" in the hall's zone (the end's date too when it is another day). */
export function rangeLabel(startsAt: string, endsAt: string, timeZone: string, locale: string): string {
  const day = formatter(locale, timeZone, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  // An end at midnight belongs to the day it closes.
  const sameDay = day.format(new Date(startsAt)) === day.format(new Date(Date.parse(endsAt) - 1));
  const end = sameDay ? clockOf(endsAt, timeZone) : `${day.format(new Date(endsAt))}, ${clockOf(endsAt, timeZone)}`;
  return `${day.format(new Date(startsAt))}, ${clockOf(startsAt, timeZone)}–${end}`;
}

/** "2 h 30 min". */
export function durationLabel(minutes: number, hourWord: string, minuteWord: string): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return (
    [hours ? `${hours} ${hourWord}` : '', rest ? `${rest} ${minuteWord}` : ''].filter(Boolean).join(' ') || `0 ${minuteWord}`
  );
}

// ── Extras chosen: `3,5:2` as the quote wants it ───────────────────────────────────────────────────

export type ExtraChoice = Record<number, number>;

export function extrasParam(choice: ExtraChoice): string | undefined {
  const parts = Object.entries(choice)
    .filter(([, quantity]) => quantity > 0)
    .map(([id, quantity]) => (quantity === 1 ? id : `${id}:${quantity}`));
  return parts.length ? parts.join(',') : undefined;
}

export function parseExtras(value: string | null): ExtraChoice {
  const choice: ExtraChoice = {};
  for (const item of (value ?? '').split(',')) {
    const [id, quantity] = item.split(':').map(Number);
    if (id && Number.isSafeInteger(id)) choice[id] = Math.min(100, Math.max(1, quantity || 1));
  }
  return choice;
}

/** The studio (slug and name) a hall belongs to. */
export async function studioOf(organizerId: number): Promise<Studio | undefined> {
  return (await api.get('/api/studios', { query: { organizer_id: organizerId } }))[0];
}
