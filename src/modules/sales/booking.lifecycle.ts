import type { Transaction } from 'kysely';
import { addEvent } from '../../platform/bus/index.ts';
import { assertOwner, type Principal } from '../../platform/http/access.ts';
import { nextStatus, type BookingAction } from './booking.state.ts';
import {
  bookingPayload,
  findBookingById,
  insertAudit,
  lockBookingById,
  markBookingExpired,
  updateBooking,
  type BookingRow,
} from './bookings.repository.ts';
import { bookingExpired, bookingNotFound, emptyBooking, STRANGER_TO_BOOKING } from './sales.errors.ts';
import type { BookingStatus, SalesTables } from './sales.tables.ts';
import type { BookingView } from './sales.types.ts';
import { extendSeatHolds, freeSeatsOfBooking, seatsOfBookings, sellSeatsOfBooking, type SalesDb } from './seats.repository.ts';
import { releaseUnits, sellUnits, unsellUnits } from './ticket-types.repository.ts';
import { findPromoCodeById, releasePromoUse } from './promo-codes.repository.ts';
import { priceWithPromo, type PriceBreakdown } from './promo-codes.pricing.ts';
import type { WaitlistOffers } from './waitlist.offers.ts';

/** One move of a booking (BookingLifecycle.transition). */
export interface Transition {
  /** Who asks: a user (owner, admin, or the event's team with `asManager`) or the system. */
  actor: Principal | 'system';
  bookingId: number;
  action: BookingAction;
  /** For the audit entry (and `booking.cancelled`). */
  reason: string;
  /** What the move does to the inventory, in the transition's transaction, on the locked row. */
  effect: (
    trx: Transaction<SalesTables>,
    booking: BookingRow,
  ) => Promise<{ expiresAt?: Date | null; totalAmount?: number; discountAmount?: number }>;
  /** The event's team acts (the box office confirming): no ownership check. */
  asManager?: boolean;
  /** The caller's transaction (a payment's, a bus consumer's); otherwise the transition opens its own. */
  trx?: Transaction<SalesTables>;
}

/**
 * How a booking moves through its states (booking.state.ts) and what each move does to the
 * inventory: the one transition every use case goes through (lock, expire if overdue, effect,
 * audit, event), expiry, selling, giving back, and the booking as callers see it.
 */
export class BookingLifecycle {
  private readonly db: SalesDb;
  private readonly offers: WaitlistOffers;

  constructor(db: SalesDb, offers: WaitlistOffers) {
    this.db = db;
    this.offers = offers;
  }

  /**
   * Moves a booking by `action`: locks it, checks the actor owns it (unless the system or the
   * event's team acts), expires it instead if its hold has passed, applies `effect` to the
   * inventory, and records the audit entry and the event — in `trx` when the caller has one.
   */
  async transition(change: Transition): Promise<BookingView> {
    const { actor: principal, bookingId, action, reason, effect, asManager = false, trx: outer } = change;
    const run = <T>(work: (trx: Transaction<SalesTables>) => Promise<T>) =>
      outer ? work(outer) : this.db.transaction().execute(work);
    const booking = await run(async (trx) => {
      const current = await lockBookingById(trx, bookingId);
      if (!current) throw bookingNotFound();
      if (principal !== 'system' && !asManager) assertOwner(principal, current.user_id, STRANGER_TO_BOOKING);
      if (current.overdue && action !== 'expire') {
        // Its hold has passed: it expires now, whatever was asked, and the caller hears why.
        await this.expireNow(trx, current);
        return { expired: true as const, booking: current };
      }
      const to = nextStatus(current.status, action);
      const changes = await effect(trx, current);
      const updated = await updateBooking(trx, bookingId, { ...changes, status: to });
      if (to === 'PENDING' && updated.expires_at) await extendSeatHolds(trx, updated.id, updated.expires_at);
      await insertAudit(trx, {
        bookingId,
        from: current.status,
        to,
        actorUserId: principal === 'system' ? null : principal.userId,
        reason,
      });
      const payload = await bookingPayload(trx, updated);
      if (to === 'CONFIRMED') {
        await this.offers.offerEnded(trx, bookingId, 'CLAIMED');
        await addEvent(trx, 'booking.confirmed', bookingId, payload);
      }
      if (to === 'CANCELLED') {
        await addEvent(trx, 'booking.cancelled', bookingId, { ...payload, reason, refund: current.status === 'CONFIRMED' });
      }
      return { expired: false as const, booking: updated };
    });
    if (booking.expired) throw bookingExpired();
    return outer ? this.viewWith(outer, booking.booking) : this.view(booking.booking);
  }

  /** An open booking whose hold has passed, met while changing it: it expires now. */
  async expireNow(trx: Transaction<SalesTables>, booking: BookingRow): Promise<void> {
    await this.expireClaimed(trx, [{ ...booking, from_status: booking.status }]);
    await markBookingExpired(trx, booking.id);
  }

  /** Cancels in the caller's transaction (event cancelled, payment failed): inventory back, refunded if paid. */
  async cancelBySystem(trx: Transaction<SalesTables>, bookingId: number, reason: string): Promise<void> {
    await this.transition({
      actor: 'system',
      bookingId,
      action: 'cancel',
      reason,
      effect: async (inner, locked) => {
        await this.giveBack(inner, locked);
        return { expiresAt: null };
      },
      trx,
    });
  }

  /** Expires claimed bookings: inventory back, an audit entry and `booking.expired` for each. */
  async expireClaimed(
    trx: Transaction<SalesTables>,
    claimed: { id: number; event_id: number; from_status: BookingStatus; ticket_type_id: number | null; quantity: number }[],
  ): Promise<void> {
    for (const booking of claimed) {
      const row = await findBookingById(trx, booking.id);
      if (!row) continue;
      const payload = await bookingPayload(trx, { ...row, status: 'EXPIRED' });
      if (booking.ticket_type_id !== null) await releaseUnits(trx, booking.ticket_type_id, booking.quantity);
      await freeSeatsOfBooking(trx, booking.id);
      if (row.promo_code_id !== null) await releasePromoUse(trx, row.promo_code_id);
      await insertAudit(trx, {
        bookingId: booking.id,
        from: booking.from_status,
        to: 'EXPIRED',
        actorUserId: null,
        reason: 'hold expired',
      });
      await addEvent(trx, 'booking.expired', booking.id, payload);
      await this.offers.offerEnded(trx, booking.id, 'LAPSED');
      await this.offers.feed(trx, { eventId: booking.event_id, ticketTypeId: booking.ticket_type_id });
    }
  }

  /** Held units or seats become sold (confirming a booking). */
  async sell(trx: Transaction<SalesTables>, booking: BookingRow): Promise<{ expiresAt: null }> {
    if (booking.ticket_type_id !== null) await sellUnits(trx, booking.ticket_type_id, booking.quantity);
    else if ((await sellSeatsOfBooking(trx, booking.id)) === 0) throw emptyBooking();
    return { expiresAt: null };
  }

  /** Returns a booking's inventory: held units or seats back to free; sold ones too on a refund. */
  async giveBack(trx: Transaction<SalesTables>, booking: BookingRow): Promise<void> {
    if (booking.ticket_type_id !== null) {
      if (booking.status === 'CONFIRMED') await unsellUnits(trx, booking.ticket_type_id, booking.quantity);
      else await releaseUnits(trx, booking.ticket_type_id, booking.quantity);
    }
    await freeSeatsOfBooking(trx, booking.id);
    // A cancelled booking gives its promo code's use back, paid or not.
    if (booking.promo_code_id !== null) await releasePromoUse(trx, booking.promo_code_id);
    await this.offers.offerEnded(trx, booking.id, 'LAPSED');
    await this.offers.feed(trx, { eventId: booking.event_id, ticketTypeId: booking.ticket_type_id });
  }

  /** A seated booking's price now: its seats, less its promo code's discount (the code's use is already counted). */
  async priceOfSeats(db: SalesDb, booking: { id: number; promo_code_id: number | null }): Promise<PriceBreakdown> {
    const seats = await seatsOfBookings(db, [booking.id]);
    const promo = booking.promo_code_id === null ? undefined : await findPromoCodeById(db, booking.promo_code_id);
    return priceWithPromo(
      promo ?? null,
      seats.map((seat) => ({ price: seat.price, zoneId: seat.zone_id })),
    );
  }

  /** The seated booking's total and discount, as a transition's effect returns them. */
  async seatTotals(db: SalesDb, booking: { id: number; promo_code_id: number | null }) {
    const price = await this.priceOfSeats(db, booking);
    return { totalAmount: price.total, discountAmount: price.discount };
  }

  async view(booking: BookingRow): Promise<BookingView> {
    return this.viewWith(this.db, booking);
  }

  async viewWith(db: SalesDb, booking: BookingRow): Promise<BookingView> {
    const [view] = await this.views([booking], db);
    if (!view) throw bookingNotFound();
    return view;
  }

  async views(bookings: BookingRow[], db: SalesDb = this.db): Promise<BookingView[]> {
    const seats = await seatsOfBookings(
      db,
      bookings.map((booking) => booking.id),
    );
    return bookings.map((booking) =>
      bookingView(
        booking,
        seats.filter((seat) => seat.booking_id === booking.id),
      ),
    );
  }
}

/** A booking as callers see it, with its seats (none for general admission). */
export function bookingView(
  booking: BookingRow,
  seats: { id: number; row: number; number: number; price: number }[],
): BookingView {
  return {
    id: booking.id,
    event_id: booking.event_id,
    user_id: booking.user_id,
    // A hold that has passed (by the database's clock) reads as EXPIRED at once, before the sweep records it.
    status: booking.overdue ? 'EXPIRED' : booking.status,
    expires_at: booking.expires_at?.toISOString() ?? null,
    ticket_type_id: booking.ticket_type_id,
    quantity: booking.quantity,
    total_amount: booking.total_amount,
    subtotal_amount: booking.total_amount + booking.discount_amount,
    discount_amount: booking.discount_amount,
    promo_code: booking.promo_code,
    currency: booking.currency,
    seats: seats.map((seat) => ({ id: seat.id, row: seat.row, number: seat.number, price: seat.price })),
    created_at: booking.created_at.toISOString(),
  };
}
