// API types and helpers used only by the organizer pages.
import type { EventSummary, SbEvent } from '../api.ts';

export type { EventStatus } from '../api.ts';

export const TEAM_ROLES = ['owner', 'manager', 'scanner'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export interface Contacts {
  site?: string;
  email?: string;
  phone?: string;
  telegram?: string;
}

export interface OrganizerEventSummary extends EventSummary {
  organizer_id: number | null;
}

export interface OrganizerPageData {
  slug: string;
  name: string;
  logo_url: string | null;
  description: string;
  contacts: Contacts & Record<string, unknown>;
  brand_color: string | null;
  team: { user_id: number; display_name: string; role: TeamRole }[];
  faq: { question: string; answer: string }[];
  upcoming_events: OrganizerEventSummary[];
}

export interface Policy {
  max_tickets_per_order: number;
  contact_required: boolean;
  one_active_booking_per_user: boolean;
  max_tickets_per_user: number | null;
}

export interface EventDetail extends SbEvent {
  policy: Policy;
  published_at: string | null;
}

export interface TicketTypeDetail {
  id: number;
  type: string;
  name: string;
  price: number;
  currency: string;
  quantity: number;
  sold: number;
  held: number;
  available: number;
  max_per_order: number;
}

export interface CheckinStats {
  event_id: number;
  issued: number;
  checked_in: number;
  cancelled: number;
  conflicts: number;
  per_gate: { gate: string; checked_in: number; conflicts: number }[];
}

/** A brand the signed-in user is on the team of (GET /api/users/me/organizers). */
export interface MyBrand {
  slug: string;
  name: string;
  role: TeamRole;
}

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
function wallClock(instant: number, timeZone: string): number {
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
