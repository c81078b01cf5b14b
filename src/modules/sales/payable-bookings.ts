import type { Transaction } from 'kysely';
import type { EventMap } from '../../platform/bus/index.ts';
import { narrow } from '../../platform/db/narrow.ts';
import { assertOwner, type Principal } from '../../platform/http/access.ts';
import type { BookingLifecycle } from './booking.lifecycle.ts';
import { releasePromoUse, retakePromoUse } from './promo-codes.repository.ts';
import { isOpen } from './booking.state.ts';
import type { Bookings } from './bookings.service.ts';
import { findBookingById, insertAudit, lockBookingById } from './bookings.repository.ts';
import {
  bookingChanged,
  bookingExpired,
  bookingNotFound,
  bookingNotPayable,
  emptyBooking,
  STRANGER_TO_BOOKING,
} from './sales.errors.ts';
import type { SalesTables } from './sales.tables.ts';
import type { BookingView, PaymentQuote, SettleOutcome } from './sales.types.ts';
import { retakeSeatsAsSold, seatsOfBookings, type SalesDb } from './seats.repository.ts';
import { sellUnitsIfAvailable } from './ticket-types.repository.ts';

/**
 * Bookings as the payments module's payable order of kind 'booking' (its PayableOrder port, bound
 * in main.ts; matched by shape, so sales does not import payments): what paying for a booking
 * costs, and the booking's side of a payment starting, succeeding or failing — each in the
 * payment's own transaction, so a payment and its booking never disagree.
 */
export class PayableBookings {
  readonly label = 'booking';
  readonly strangers = STRANGER_TO_BOOKING;
  /** A refunded cancellation refunds what is left; an unrefunded one voids a payment in flight; returned seats refund their price. */
  readonly refundOn = {
    events: ['booking.cancelled', 'booking.seats-returned'] as const,
    changeOf(event: { type: string; payload: unknown }) {
      if (event.type === 'booking.seats-returned') {
        const payload = event.payload as EventMap['booking.seats-returned'];
        return {
          orderId: payload.bookingId,
          refund: payload.refundAmount,
          reason: `seats returned: ${payload.returnedSeatIds.join(', ')}`,
        };
      }
      const payload = event.payload as EventMap['booking.cancelled'];
      return {
        orderId: payload.bookingId,
        refund: payload.refund ? ('rest' as const) : ('void' as const),
        reason: payload.reason,
      };
    },
  };

  private readonly db: SalesDb;
  private readonly lifecycle: BookingLifecycle;
  private readonly bookings: Bookings;

  constructor(db: SalesDb, parts: { lifecycle: BookingLifecycle; bookings: Bookings }) {
    this.db = db;
    this.lifecycle = parts.lifecycle;
    this.bookings = parts.bookings;
  }

  /** Whose booking this is; undefined when there is no such booking. */
  async ownerOf(bookingId: number): Promise<number | undefined> {
    return (await findBookingById(this.db, bookingId))?.user_id;
  }

  /** What paying for this booking costs now; refuses a booking that is not the caller's or not payable. */
  async quote(principal: Principal, bookingId: number): Promise<PaymentQuote> {
    const booking = await findBookingById(this.db, bookingId);
    if (!booking) throw bookingNotFound();
    assertOwner(principal, booking.user_id, STRANGER_TO_BOOKING);
    if (!isOpen(booking.status)) throw bookingNotPayable(booking.status);
    if (booking.overdue) throw bookingExpired();
    const seats = booking.ticket_type_id === null ? await seatsOfBookings(this.db, [booking.id]) : [];
    if (booking.ticket_type_id === null && seats.length === 0) throw emptyBooking();
    return {
      bookingId: booking.id,
      userId: booking.user_id,
      eventId: booking.event_id,
      amount:
        booking.ticket_type_id === null ? (await this.lifecycle.priceOfSeats(this.db, booking)).total : booking.total_amount,
      currency: booking.currency,
      items: { seatIds: seats.map((seat) => seat.id), ticketTypeId: booking.ticket_type_id, quantity: booking.quantity },
      holdEndsAt: booking.expires_at,
    };
  }

  /**
   * In the payment's transaction: the booking awaits payment (CREATED → PENDING, or stays PENDING).
   * Its hold is not extended: the organizer's hold time is the deadline, and the payment expires
   * with it. Throws if its amount is no longer `amount`.
   */
  async startPayment(
    trx: Transaction<object>,
    principal: Principal,
    bookingId: number,
    payment: { amount: number },
  ): Promise<BookingView> {
    const sales = narrow<SalesTables>(trx);
    const current = await lockBookingById(sales, bookingId);
    let view: BookingView;
    if (current?.status === 'PENDING') {
      assertOwner(principal, current.user_id, STRANGER_TO_BOOKING);
      if (current.overdue) throw bookingExpired();
      await insertAudit(sales, {
        bookingId,
        from: 'PENDING',
        to: 'PENDING',
        actorUserId: principal.userId,
        reason: 'payment started',
      });
      view = await this.lifecycle.viewWith(sales, current);
    } else {
      view = await this.lifecycle.transition({
        actor: principal,
        bookingId,
        action: 'checkout',
        reason: 'awaiting payment',
        effect: async (inner, booking) =>
          booking.ticket_type_id === null ? this.lifecycle.seatTotals(inner, booking) : { totalAmount: booking.total_amount },
        trx: sales,
      });
    }
    if (view.total_amount !== payment.amount) throw bookingChanged();
    return view;
  }

  /**
   * In the payment's transaction, once the money is captured: PENDING → CONFIRMED (seats SOLD). A
   * booking whose hold has passed is expired, then re-taken if all its inventory is still free
   * (EXPIRED → CONFIRMED); otherwise, or if it was cancelled, 'unavailable' (payments refunds).
   */
  async settlePaid(
    trx: Transaction<object>,
    bookingId: number,
    items: PaymentQuote['items'],
    reason: string,
  ): Promise<SettleOutcome> {
    const sales = narrow<SalesTables>(trx);
    const current = await lockBookingById(sales, bookingId);
    if (!current || current.status === 'CANCELLED') return 'unavailable';
    if (current.status === 'CONFIRMED' || current.status === 'COMPLETED') return 'already';
    if (isOpen(current.status)) {
      if (!current.overdue) {
        await this.lifecycle.transition({
          actor: 'system',
          bookingId,
          action: 'confirm',
          reason,
          effect: async (inner, locked) => this.lifecycle.sell(inner, locked),
          trx: sales,
        });
        return 'confirmed';
      }
      await this.lifecycle.expireNow(sales, current);
    }
    // Its expiry gave the promo code's use back: the price paid stands only if a use is still left.
    const promoId = current.promo_code_id;
    if (promoId !== null && !(await retakePromoUse(sales, promoId))) return 'unavailable';
    const retaken =
      items.ticketTypeId !== null
        ? await sellUnitsIfAvailable(sales, items.ticketTypeId, items.quantity)
        : await retakeSeatsAsSold(sales, bookingId, items.seatIds);
    if (!retaken) {
      if (promoId !== null) await releasePromoUse(sales, promoId);
      return 'unavailable';
    }
    await this.lifecycle.transition({
      actor: 'system',
      bookingId,
      action: 'pay-late',
      reason: `${reason} after the hold ended`,
      effect: async () => ({}),
      trx: sales,
    });
    return 'retaken';
  }

  /**
   * In the payment's transaction: the payment failed. An open booking keeps its hold until it ends,
   * so the buyer can try again (the reason goes into its audit); with `cancelBooking` (the Billetter
   * door's contract) it is cancelled and its inventory freed at once. A booking whose hold has
   * passed expires now either way.
   */
  async failPayment(
    trx: Transaction<object>,
    bookingId: number,
    failure: { reason: string; cancelBooking: boolean },
  ): Promise<{ outcome: 'held' | 'cancelled' | 'expired' | 'none'; holdEndsAt: Date | null }> {
    const sales = narrow<SalesTables>(trx);
    const current = await lockBookingById(sales, bookingId);
    if (!current || !isOpen(current.status)) return { outcome: 'none', holdEndsAt: null };
    if (current.overdue) {
      await this.lifecycle.expireNow(sales, current);
      return { outcome: 'expired', holdEndsAt: null };
    }
    if (failure.cancelBooking) {
      await this.lifecycle.cancelBySystem(sales, bookingId, failure.reason);
      return { outcome: 'cancelled', holdEndsAt: null };
    }
    await insertAudit(sales, {
      bookingId,
      from: current.status,
      to: current.status,
      actorUserId: null,
      reason: `${failure.reason}; held for another try`,
    });
    return { outcome: 'held', holdEndsAt: current.expires_at };
  }

  /** A partial refund asked for through payments: the bookings use case (Bookings.returnSeats). */
  async returnItems(principal: Principal, bookingId: number, seatIds: number[]): Promise<BookingView> {
    return this.bookings.returnSeats(principal, bookingId, seatIds);
  }
}
