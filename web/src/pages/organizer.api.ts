// API types (from the API's document, see api.ts) and helpers used only by the organizer pages.
import type { Schema } from '../api.ts';

export type OrganizerPageData = Schema<'OrganizerPage'>;
export type Contacts = OrganizerPageData['contacts'];
export type TeamRole = OrganizerPageData['team'][number]['role'];

/** The team roles, in the order the pages offer them; a record, so a role the API adds or drops does not compile until this follows. */
const TEAM_ROLE_SET: Record<TeamRole, true> = { owner: true, manager: true, scanner: true };
export const TEAM_ROLES = Object.keys(TEAM_ROLE_SET) as TeamRole[];

// The brand the organizer pages work on, remembered in this browser between visits.
const CURRENT_BRAND = 'sbor.organizer.slug';

export function currentBrand(): string {
  return localStorage.getItem(CURRENT_BRAND) ?? '';
}

/** Makes `slug` the current brand. */
export function rememberBrand(slug: string): void {
  localStorage.setItem(CURRENT_BRAND, slug);
}

/** The wall-clock parts of `instant` in `timeZone`, as epoch milliseconds read as if UTC. */
export function wallClock(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  return Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
}

/** `YYYY-MM-DDTHH:mm` at the venue (a datetime-local value) → an ISO instant. */
export function venueTimeToIso(local: string, timeZone: string): string {
  const asUtc = new Date(`${local}:00Z`).getTime();
  // The zone's offset at the guess, then again at the result (a DST change in between).
  let instant = asUtc - (wallClock(asUtc, timeZone) - asUtc);
  instant = asUtc - (wallClock(instant, timeZone) - instant);
  return new Date(instant).toISOString();
}

/** An ISO instant → `YYYY-MM-DDTHH:mm` at the venue, for a datetime-local input. */
export function isoToVenueTime(iso: string, timeZone: string): string {
  return new Date(wallClock(new Date(iso).getTime(), timeZone)).toISOString().slice(0, 16);
}

/** IANA zones the browser knows, with the usual ones first. */
export function timeZones(): string[] {
  const common = ['Asia/Almaty', 'Asia/Aqtobe', 'Europe/Moscow', 'UTC'];
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...common, ...all.filter((zone) => !common.includes(zone))];
}
