import type { ColumnType, Generated } from 'kysely';
import type { IdempotencyKeyTable } from '../../platform/db/idempotency.ts';
import type { Weekday } from './rentals.clock.ts';

export const RENTAL_STATUSES = ['PENDING', 'CONFIRMED', 'COMPLETED', 'CANCELLED', 'EXPIRED'] as const;
export type RentalStatus = (typeof RENTAL_STATUSES)[number];
/** Statuses that hold the hall's time (and the exclusion constraint's predicate). */
export const LIVE_STATUSES = ['PENDING', 'CONFIRMED'] as const satisfies readonly RentalStatus[];

/** A rental by a renter, or a block the studio put in (maintenance, private use). */
export type RentalKind = 'rental' | 'block';

/** Local wall-clock hours of one weekday; null for a closed day. `close` may be "24:00". */
export type OpeningHours = Record<Weekday, { open: string; close: string } | null>;

type Json<T> = ColumnType<T, string, string>;

export interface HallTable {
  id: Generated<number>;
  organizer_id: number;
  name: string;
  description: Generated<string>;
  photos: Generated<string[]>;
  capacity: number | null;
  area_sq_m: number | null;
  timezone: string;
  opening_hours: Json<OpeningHours>;
  buffer_minutes: Generated<number>;
  min_minutes: Generated<number>;
  max_minutes: Generated<number>;
  min_notice_minutes: Generated<number>;
  horizon_days: Generated<number>;
  hold_ttl_seconds: Generated<number>;
  full_refund_hours: Generated<number>;
  partial_refund_hours: Generated<number>;
  partial_refund_percent: Generated<number>;
  created_by: number;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface TariffTable {
  hall_id: number;
  currency: string;
  bands: Json<{ name: string; days: Weekday[]; from: string; to: string; price_per_hour: number }[]>;
  holidays: Json<{ date: string; band: string }[]>;
  minimum_charge: number;
  updated_at: Generated<Date>;
}

export interface ExtraTable {
  id: Generated<number>;
  organizer_id: number;
  name: string;
  description: Generated<string>;
  pricing: 'per_hour' | 'per_rental';
  price: number;
  currency: string;
  /** How many exist, shared by every hall of the studio; null when there is no limit. */
  stock: number | null;
  active: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface ClosureTable {
  id: Generated<number>;
  hall_id: number;
  /** Local dates, both included. */
  starts_on: ColumnType<string, string, string>;
  ends_on: ColumnType<string, string, string>;
  reason: Generated<string>;
  created_at: Generated<Date>;
}

export interface RentalTable {
  id: Generated<number>;
  hall_id: number;
  organizer_id: number;
  kind: RentalKind;
  /** The renter; for a block, who put it in. */
  user_id: number;
  status: RentalStatus;
  starts_at: ColumnType<Date, string, string>;
  ends_at: ColumnType<Date, string, string>;
  /** ends_at plus the hall's buffer at booking time: the exclusion constraint covers [starts_at, occupied_until). */
  occupied_until: ColumnType<Date, string, string>;
  expires_at: ColumnType<Date | null, string | null, string | null>;
  total: number;
  currency: string;
  quote: Json<unknown>;
  note: Generated<string>;
  paid_offline: Generated<boolean>;
  refund_amount: number | null;
  cancelled_by: 'renter' | 'studio' | null;
  created_at: Generated<Date>;
  confirmed_at: Date | null;
  closed_at: Date | null;
}

export interface RentalExtraTable {
  rental_id: number;
  extra_id: number;
  quantity: number;
  amount: number;
}

export interface RentalAuditTable {
  id: Generated<number>;
  rental_id: number;
  from_status: RentalStatus | null;
  to_status: RentalStatus;
  /** Who did it; null for the system (expiry, completion). */
  actor_id: number | null;
  reason: string;
  at: Generated<Date>;
}

export const WATCH_STATUSES = ['WAITING', 'OFFERED', 'CLAIMED', 'LAPSED', 'CANCELLED', 'DROPPED'] as const;
export type WatchStatus = (typeof WATCH_STATUSES)[number];

/** A renter's "tell me if it frees up" on a slot; OFFERED when a freed slot was held for them. */
export interface WatchTable {
  id: Generated<number>;
  hall_id: number;
  user_id: number;
  starts_at: ColumnType<Date, string, string>;
  ends_at: ColumnType<Date, string, string>;
  extras: Json<{ extra_id: number; quantity: number }[]>;
  status: Generated<WatchStatus>;
  /** The PENDING rental made for the watcher when the slot freed. */
  rental_id: number | null;
  offer_expires_at: ColumnType<Date | null, string | null, string | null>;
  created_at: Generated<Date>;
  closed_at: ColumnType<Date | null, string | null, string | null>;
}

export type RentalsTables = {
  'rentals.watches': WatchTable;
  'rentals.halls': HallTable;
  'rentals.tariffs': TariffTable;
  'rentals.extras': ExtraTable;
  'rentals.closures': ClosureTable;
  'rentals.rentals': RentalTable;
  'rentals.rental_extras': RentalExtraTable;
  'rentals.audit': RentalAuditTable;
  'rentals.idempotency_keys': IdempotencyKeyTable;
};
