import type { IdempotencyKeyTable } from '../../platform/db/idempotency.ts';
import type { Generated } from 'kysely';

export const BOOKING_STATUSES = ['CREATED', 'PENDING', 'CONFIRMED', 'COMPLETED', 'CANCELLED', 'EXPIRED'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export const SEAT_STATUSES = ['FREE', 'RESERVED', 'SOLD'] as const;
export type SeatStatus = (typeof SEAT_STATUSES)[number];

export interface ZoneTable {
  id: Generated<number>;
  event_id: number;
  name: string;
  /** Minor units (tiyn for KZT). */
  price: number;
  currency: string;
}

export interface SeatTable {
  id: Generated<number>;
  event_id: number;
  zone_id: number;
  row: number;
  number: number;
  price: number;
  status: Generated<SeatStatus>;
  /** The booking holding (RESERVED) or owning (SOLD) the seat; null when FREE. */
  booking_id: number | null;
  /** A RESERVED seat whose hold has passed is free to anyone from this instant. */
  held_until: Date | null;
}

export interface TicketTypeTable {
  id: Generated<number>;
  event_id: number;
  type: string;
  name: string;
  price: number;
  currency: string;
  quantity: number;
  /** Confirmed units. `held` are units in live bookings; sold + held <= quantity is a constraint. */
  sold: Generated<number>;
  held: Generated<number>;
  sales_start: Date | null;
  sales_end: Date | null;
  max_per_order: number;
  /** Not listed to buyers; sold only with a promo code limited to it (decision record 0034). */
  hidden: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface BookingTable {
  id: Generated<number>;
  event_id: number;
  user_id: number;
  status: Generated<BookingStatus>;
  /** General admission: the ticket type and how many units it holds. */
  ticket_type_id: number | null;
  quantity: Generated<number>;
  /** Whether the one-open-booking-per-user rule applied when it was made (the event's policy). */
  exclusive: boolean;
  expires_at: Date | null;
  total_amount: Generated<number>;
  currency: string;
  /** The promo code applied (its use is counted in `sales.promo_codes.uses`), and what it took off. */
  promo_code_id: number | null;
  promo_code: string | null;
  discount_amount: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export const DISCOUNT_KINDS = ['percent', 'fixed', 'price'] as const;
export type DiscountKind = (typeof DISCOUNT_KINDS)[number];

export interface PromoCodeTable {
  id: Generated<number>;
  event_id: number;
  /** Upper case; buyers type it in any case. */
  code: string;
  /** percent: 1–100 off each ticket; fixed: minor units off each ticket; price: each ticket costs this. */
  discount_kind: DiscountKind;
  discount_value: number;
  /** Null: any ticket type / zone. When either is set, a ticket qualifies by being in one of them. */
  ticket_type_ids: number[] | null;
  zone_ids: number[] | null;
  valid_from: Date | null;
  valid_until: Date | null;
  max_uses: number;
  /** Bookings holding a use; `uses <= max_uses` is a constraint. */
  uses: Generated<number>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface BookingAuditTable {
  id: Generated<number>;
  booking_id: number;
  from_status: BookingStatus | null;
  to_status: BookingStatus;
  actor_user_id: number | null;
  reason: string;
  at: Generated<Date>;
}

export const WAITLIST_STATUSES = ['WAITING', 'OFFERED', 'CLAIMED', 'LAPSED', 'LEFT', 'CANCELLED'] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];

export interface WaitlistEntryTable {
  id: Generated<number>;
  event_id: number;
  /** The ticket type waited for; null for any seats of a seated event. */
  ticket_type_id: number | null;
  user_id: number;
  quantity: number;
  /** Higher goes first; first come first served within a priority. Organizers set it. */
  priority: Generated<number>;
  status: Generated<WaitlistStatus>;
  /** The booking holding the offered inventory (OFFERED, then CLAIMED or LAPSED). */
  booking_id: number | null;
  offered_at: Date | null;
  offer_expires_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type SalesTables = {
  'sales.zones': ZoneTable;
  'sales.seats': SeatTable;
  'sales.ticket_types': TicketTypeTable;
  'sales.bookings': BookingTable;
  'sales.booking_audit': BookingAuditTable;
  'sales.idempotency_keys': IdempotencyKeyTable;
  'sales.waitlist_entries': WaitlistEntryTable;
  'sales.promo_codes': PromoCodeTable;
};
