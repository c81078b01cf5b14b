import type { ColumnType, Generated } from 'kysely';

export const EVENT_STATUSES = ['DRAFT', 'PUBLISHED', 'COMPLETED', 'CANCELLED'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const EVENT_TYPES = [
  'concert',
  'film',
  'cinema',
  'stage',
  'game',
  'festival',
  'exhibition',
  'conference',
  'sport',
  'other',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const TEAM_ROLES = ['owner', 'manager', 'scanner'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export interface Contacts {
  site?: string;
  email?: string;
  phone?: string;
  telegram?: string;
  socials?: Record<string, string>;
}

export interface BookingPolicy {
  /** Most tickets or seats one order may hold. */
  max_tickets_per_order: number;
  /** Whether a buyer needs a phone or telegram in their profile (seed 000). */
  contact_required: boolean;
  /** One open booking per user per event (seed 000); off for the HackLoad fixture. */
  one_active_booking_per_user: boolean;
  /** Most tickets or seats one user may hold or own for the event, over all orders; null: no cap. */
  max_tickets_per_user: number | null;
}

export interface OrganizerTable {
  id: Generated<number>;
  slug: string;
  name: string;
  logo_url: string | null;
  description: ColumnType<string, string | undefined, string>;
  contacts: ColumnType<Contacts, string | undefined, string>;
  brand_color: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface TeamMemberTable {
  organizer_id: number;
  user_id: number;
  role: TeamRole;
  display_name: string;
  added_at: Generated<Date>;
}

export interface FaqItemTable {
  id: Generated<number>;
  organizer_id: number;
  position: number;
  question: string;
  answer: string;
}

export interface EventTable {
  /** By default from the sequence; imported HackLoad events keep their ids. */
  id: Generated<number>;
  /** Null for imported events that have no organizer page. */
  organizer_id: number | null;
  title: string;
  description: ColumnType<string, string | undefined, string>;
  type: string;
  venue: ColumnType<string, string | undefined, string>;
  address: ColumnType<string, string | undefined, string>;
  /** IANA zone of the venue; `local_date` and the `date` filter use it. */
  timezone: ColumnType<string, string | undefined, string>;
  starts_at: Date;
  ends_at: Date | null;
  /** The calendar day the event starts on at the venue (generated). */
  local_date: ColumnType<string, never, never>;
  status: Generated<EventStatus>;
  hold_ttl_seconds: Generated<number>;
  policy: ColumnType<BookingPolicy, string | undefined, string>;
  images: ColumnType<string[], string | undefined, string>;
  /** Where the HackLoad data set says the event comes from (its `provider` field). */
  provider: string | null;
  reminder_sent_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  published_at: Date | null;
  cancelled_at: Date | null;
}

export interface FavoriteTable {
  user_id: number;
  event_id: number;
  created_at: Generated<Date>;
}

export type CatalogTables = {
  'catalog.organizers': OrganizerTable;
  'catalog.team_members': TeamMemberTable;
  'catalog.faq_items': FaqItemTable;
  'catalog.events': EventTable;
  'catalog.favorites': FavoriteTable;
};
