import type { RentalRow } from './rentals.repository.ts';
import type { RentalKind, RentalStatus } from './rentals.tables.ts';

export interface RentalEventPayload {
  rentalId: number;
  hallId: number;
  organizerId: number;
  userId: number;
  kind: RentalKind;
  status: RentalStatus;
  startsAt: string;
  endsAt: string;
  total: number;
  currency: string;
}

/** A rental's row as its events carry it. */
export function payloadOf(row: RentalRow): RentalEventPayload {
  return {
    rentalId: row.id,
    hallId: row.hall_id,
    organizerId: row.organizer_id,
    userId: row.user_id,
    kind: row.kind,
    status: row.status,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    total: row.total,
    currency: row.currency,
  };
}

declare module '../../platform/bus/event-map.ts' {
  interface EventMap {
    'rental.created': RentalEventPayload;
    'rental.confirmed': RentalEventPayload & { paidOffline: boolean };
    /** `refundAmount` is what the policy gives back (payments refunds it once rentals are paid online). */
    'rental.cancelled': RentalEventPayload & {
      by: 'renter' | 'studio';
      refundAmount: number;
      /** PENDING (an unpaid hold) or CONFIRMED: only a confirmed rental had a calendar invitation to withdraw. */
      previousStatus?: RentalStatus;
    };
    'rental.expired': RentalEventPayload;
    'rental.completed': RentalEventPayload;
    /** A confirmed rental starts in RENTAL_REMINDER_LEAD_MINUTES (a day by default): tell the renter. */
    'rental.reminder': RentalEventPayload;
    /** A watched slot freed: a PENDING rental was made for the watcher, held until `offerExpiresAt`. */
    'rental.offered': RentalEventPayload & { watchId: number; offerExpiresAt: string };
  }
}
