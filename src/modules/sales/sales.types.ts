import type { Principal } from '../../platform/http/access.ts';
import type { BookingStatus } from './sales.tables.ts';

/** What sales needs to know about an event; the catalog provides it. */
export interface SaleEvent {
  id: number;
  status: string;
  /** Whether everyone may see the event and its inventory; if not (a draft), only its team (CatalogGateway.isOnTeam). */
  is_public: boolean;
  hold_ttl_seconds: number;
  starts_at: string;
  policy: {
    max_tickets_per_order: number;
    contact_required: boolean;
    one_active_booking_per_user: boolean;
    max_tickets_per_user: number | null;
  };
}

export interface CatalogGateway {
  findEvent(eventId: number): Promise<SaleEvent | undefined>;
  /** Owner or manager of the event's organizer (box office, bookings, money), or an admin. */
  canManage(principal: Principal, eventId: number): Promise<boolean>;
  /** On the event's organizer team in any role (scanners too), or an admin: who sees a draft. */
  isOnTeam(principal: Principal, eventId: number): Promise<boolean>;
}

/** Who sells an event's seats: we do, the venue's event provider does, or the venue allots us a block. */
export type SeatOwnershipMode = 'own' | 'provider' | 'allotment';

/**
 * The venue's side of a seat select (the provider module, bound in main.ts). Only `provider`
 * events reach acquire and release; `modeOf` answers from memory, so an own event's select pays
 * no query for asking.
 */
export interface SeatOwnership {
  modeOf(eventId: number): Promise<SeatOwnershipMode>;
  /** Asks the provider for the seat for this booking; 'taken' when someone else has it there. Throws a problem when it cannot tell. */
  acquire(take: { bookingId: number; eventId: number; seatId: number }): Promise<'accepted' | 'taken' | 'unknown'>;
  /** The seat left the booking here: release it there too (best effort; the order's cancellation frees the rest). */
  release(take: { eventId: number; seatId: number }): Promise<void>;
}

export interface ContactDirectory {
  hasContact(userId: number): Promise<boolean>;
}

export interface SalesOptions {
  /** POST /api/reset restores event 1; never on unless a load-test environment asks for it. */
  enableReset: boolean;
  defaultCurrency: string;
  /** How long a waitlist offer holds its inventory for the person offered. */
  waitlistOfferTtlSeconds: number;
  /** Seat selections per user per window (per process); undefined: no limit. */
  seatSelectRateLimit?: { count: number; windowMs: number } | undefined;
  /** Paid bookings can be cancelled (refunded) until this many hours before the event; unset: any time. */
  refundCutoffHours?: number;
  /** How stale a free-seat suggestion may be (see free-seat-pool.ts); 0 or unset reads every time. */
  seatSuggestionMaxAgeMs?: number;
  /** The venue's side of seat selects (bound late: the provider module is built after sales); unset: every event is ours. */
  seatOwnership?: () => SeatOwnership;
}

/** What a payment for a booking charges, and for what (payments keeps it as the receipt). */
export interface PaymentQuote {
  bookingId: number;
  userId: number;
  eventId: number;
  amount: number;
  currency: string;
  items: { seatIds: number[]; ticketTypeId: number | null; quantity: number };
  /** When the booking's hold ends (the database's instant): a payment for it must not outlive it. */
  holdEndsAt: Date | null;
}

/** How a payment's money met its booking: confirmed now, already, re-taken late, or nothing left to sell. */
export type SettleOutcome = 'confirmed' | 'already' | 'retaken' | 'unavailable';

export interface BookingView {
  id: number;
  event_id: number;
  user_id: number;
  status: BookingStatus;
  expires_at: string | null;
  ticket_type_id: number | null;
  quantity: number;
  /** What is to be paid; subtotal_amount − discount_amount. */
  total_amount: number;
  /** The list price, before the promo code. */
  subtotal_amount: number;
  discount_amount: number;
  promo_code: string | null;
  currency: string;
  seats: { id: number; row: number; number: number; price: number }[];
  created_at: string;
}
