import type { Transaction } from 'kysely';
import { addEvent } from '../../platform/bus/index.ts';
import { retryOnLockConflict } from '../../platform/db/conflicts.ts';
import { assertOwner, mayActAsOwner, NotOwnerError, type Principal } from '../../platform/http/access.ts';
import { hasPassed } from '../../platform/db/clock.ts';
import { DomainError } from '../../platform/errors.ts';
import type { BookingLifecycle } from './booking.lifecycle.ts';
import {
  bookingPayload,
  claimOverdueBookings,
  findBookingById,
  findOpenBooking,
  insertAudit,
  insertBooking,
  listAudit,
  listBookingsOfEvent,
  listBookingsOfUser,
  lockBookingById,
  updateBooking,
  type BookingRow,
} from './bookings.repository.ts';
import { proRataRefund } from './promo-codes.pricing.ts';
import type { PromoCodes } from './promo-codes.service.ts';
import { runIdempotent, type IdempotentResult } from './idempotency.ts';
import type { SaleEvents } from './sale-events.ts';
import {
  activeBookingExists,
  bookingNotFound,
  contactRequired,
  emptyBooking,
  notOnSaleWindow,
  promoCodeNotApplicable,
  quantityTooLarge,
  refundWindowClosed,
  seatNotInBooking,
  soldOut,
  STRANGER_TO_BOOKING,
  ticketTypeNotFound,
  tooManyForUser,
  tooManySeats,
} from './sales.errors.ts';
import type { BookingStatus, SalesTables } from './sales.tables.ts';
import type { BookingView, CatalogGateway, ContactDirectory, SaleEvent, SalesOptions } from './sales.types.ts';
import type { SeatSelection } from './seat-selection.ts';
import type { SeatSuggestions } from './seat-suggestions.ts';
import { returnSoldSeats, seatsOfBookings, takeSeats, ticketsOfUser, type SalesDb } from './seats.repository.ts';
import { findTicketType, holdUnits } from './ticket-types.repository.ts';
import { UnitPurchases } from './unit-purchases.ts';

/**
 * A buyer's and a box office's use cases on bookings: open one (empty, with seats, or with units),
 * buy, check out, confirm, cancel, return seats, and read them.
 */
export class Bookings {
  private readonly db: SalesDb;
  private readonly catalog: CatalogGateway;
  private readonly contacts: ContactDirectory;
  private readonly options: SalesOptions;
  private readonly events: SaleEvents;
  private readonly suggestions: SeatSuggestions;
  private readonly selection: SeatSelection;
  private readonly lifecycle: BookingLifecycle;
  private readonly promoCodes: PromoCodes;
  private readonly unitPurchases: UnitPurchases;

  constructor(
    db: SalesDb,
    outside: { catalog: CatalogGateway; contacts: ContactDirectory; options: SalesOptions },
    parts: {
      events: SaleEvents;
      suggestions: SeatSuggestions;
      selection: SeatSelection;
      lifecycle: BookingLifecycle;
      promoCodes: PromoCodes;
    },
  ) {
    this.db = db;
    this.catalog = outside.catalog;
    this.contacts = outside.contacts;
    this.options = outside.options;
    this.events = parts.events;
    this.suggestions = parts.suggestions;
    this.selection = parts.selection;
    this.lifecycle = parts.lifecycle;
    this.promoCodes = parts.promoCodes;
    this.unitPurchases = new UnitPurchases(db, parts.events);
  }

  /**
   * Opens a booking for an event: empty (seats are added after, as HackLoad does), with seats, or
   * with general-admission units of a ticket type. Holds last the event's TTL.
   */
  async createBooking(
    principal: Principal,
    input: { eventId: number; seatIds?: number[]; ticketTypeId?: number; quantity?: number; promoCode?: string },
  ): Promise<BookingView> {
    const event = await this.events.saleEvent(input.eventId);
    if (event.policy.contact_required && !(await this.contacts.hasContact(principal.userId))) throw contactRequired();
    const seatIds = input.seatIds ?? [];
    if (seatIds.length > event.policy.max_tickets_per_order) throw tooManySeats(event.policy.max_tickets_per_order);
    const ownership = this.options.seatOwnership?.();
    if (input.promoCode !== undefined && seatIds.length === 0 && input.ticketTypeId === undefined) throw promoCodeNotApplicable();
    if (seatIds.length > 0 && ownership && (await ownership.modeOf(event.id)) === 'provider') {
      // The venue's seats: each one asked of its provider, one at a time, as a select does; a refusal ends the booking.
      const opened = await this.createBooking(principal, { eventId: input.eventId });
      try {
        return await this.addSeats(principal, opened.id, seatIds);
      } catch (error) {
        await this.cancel(principal, opened.id, 'a seat was refused by the venue').catch(() => undefined);
        throw error;
      }
    }
    // Again after a lost lock race: the expiry sweep takes a booking, then its ticket type; this
    // takes the ticket type, then meets the buyer's open booking (test/ga-lock-order.test.ts).
    const booking = await retryOnLockConflict(() =>
      this.db.transaction().execute(async (trx) => {
        // Holds of this user for this event that have passed do not count as open.
        await this.lifecycle.expireClaimed(
          trx,
          await claimOverdueBookings(trx, { limit: 50, eventId: event.id, userId: principal.userId }),
        );
        let ticketType: { id: number; price: number; currency: string; quantity: number } | undefined;
        if (input.ticketTypeId !== undefined)
          ticketType = await this.holdTickets(
            trx,
            event,
            principal.userId,
            input.ticketTypeId,
            input.quantity ?? 1,
            input.promoCode,
          );
        const created = await insertBooking(trx, {
          eventId: event.id,
          userId: principal.userId,
          exclusive: event.policy.one_active_booking_per_user,
          ttlSeconds: event.hold_ttl_seconds,
          currency: ticketType?.currency ?? this.options.defaultCurrency,
          ...(ticketType
            ? { ticketTypeId: ticketType.id, quantity: ticketType.quantity, totalAmount: ticketType.price * ticketType.quantity }
            : {}),
        });
        if (!created) throw activeBookingExists((await findOpenBooking(trx, event.id, principal.userId))?.id);
        await insertAudit(trx, {
          bookingId: created.id,
          from: null,
          to: 'CREATED',
          actorUserId: principal.userId,
          reason: 'created',
        });
        // In seat-id order, as grouped selects take them (see takeSeats), so neither waits for the other in a cycle.
        for (const seatId of [...seatIds].sort((a, b) => a - b)) {
          const [taken] = await takeSeats(trx, [
            {
              bookingId: created.id,
              userId: principal.userId,
              seatId,
              maxSeats: event.policy.max_tickets_per_order,
              maxPerUser: event.policy.max_tickets_per_user,
            },
          ]);
          if (!taken) {
            const refusal = await this.selection.explainFailedSelect(trx, created.id, principal, seatId);
            if (refusal) throw refusal;
          }
        }
        const booking = await this.price(trx, created, seatIds.length > 0, input.promoCode);
        await addEvent(trx, 'booking.created', booking.id, await bookingPayload(trx, booking));
        return booking;
      }),
    );
    this.events.rememberEventOf(booking.id, booking.event_id);
    this.suggestions.taken(booking.event_id, seatIds);
    return this.lifecycle.view(booking);
  }

  /** Creates at most once per Idempotency-Key (see idempotency.ts). */
  async idempotent<T>(
    principal: Principal,
    key: string | undefined,
    request: unknown,
    work: () => Promise<T>,
  ): Promise<IdempotentResult<T>> {
    return runIdempotent(this.db, { userId: principal.userId, key, request, statusCode: 201 }, work);
  }

  /** Seed 001's purchase: GA units straight to payment (PENDING), or CONFIRMED when free. */
  async purchase(
    principal: Principal,
    eventId: number,
    ticketTypeId: number,
    quantity: number,
    promoCode?: string,
  ): Promise<BookingView> {
    // The plain kind of purchase is made in a group (decision record 0032); a promo code's use and a
    // per-user cap are counted one purchase at a time, and so is any purchase the group did not make.
    if (promoCode === undefined) {
      const event = await this.events.saleEvent(eventId);
      if (event.policy.max_tickets_per_user === null) {
        if (event.policy.contact_required && !(await this.contacts.hasContact(principal.userId))) throw contactRequired();
        const bought = await this.unitPurchases.buy(principal, event, ticketTypeId, quantity);
        if (bought) return bought;
      }
    }
    const opened = await this.createBooking(principal, {
      eventId,
      ticketTypeId,
      quantity,
      ...(promoCode !== undefined ? { promoCode } : {}),
    });
    return opened.total_amount === 0 ? this.confirm(principal, opened.id, 'free tickets') : this.checkout(principal, opened.id);
  }

  async addSeats(principal: Principal, bookingId: number, seatIds: number[]): Promise<BookingView> {
    for (const seatId of seatIds) await this.selection.selectSeat(principal, bookingId, seatId);
    return this.getBooking(principal, bookingId);
  }

  async checkout(principal: Principal, bookingId: number): Promise<BookingView> {
    return this.lifecycle.transition({
      actor: principal,
      bookingId,
      action: 'checkout',
      reason: 'awaiting payment',
      effect: async (trx, booking) => {
        if (booking.ticket_type_id === null && (await seatsOfBookings(trx, [booking.id])).length === 0) throw emptyBooking();
        return booking.ticket_type_id === null ? this.lifecycle.seatTotals(trx, booking) : { totalAmount: booking.total_amount };
      },
    });
  }

  /** Box office (the event's team) confirms as paid; the owner confirms a free booking. */
  async confirm(principal: Principal, bookingId: number, reason = 'confirmed at the box office'): Promise<BookingView> {
    const booking = await findBookingById(this.db, bookingId);
    if (!booking) throw bookingNotFound();
    const manager = await this.catalog.canManage(principal, booking.event_id);
    if (!manager) {
      assertOwner(principal, booking.user_id, STRANGER_TO_BOOKING);
      if (booking.total_amount > 0)
        throw new DomainError('forbidden', 'payment-required', 'This booking is confirmed by paying for it.');
    }
    return this.lifecycle.transition({
      actor: principal,
      bookingId,
      action: 'confirm',
      reason,
      effect: async (trx, locked) => this.lifecycle.sell(trx, locked),
      asManager: manager,
    });
  }

  async cancel(principal: Principal, bookingId: number, reason = 'cancelled by the customer'): Promise<BookingView> {
    await this.assertRefundWindow(principal, bookingId);
    return this.lifecycle.transition({
      actor: principal,
      bookingId,
      action: 'cancel',
      reason,
      effect: async (trx, booking) => {
        await this.lifecycle.giveBack(trx, booking);
        return { expiresAt: null };
      },
    });
  }

  /**
   * Returns some seats of a paid booking (a partial refund): they go back on sale, the total drops,
   * and `booking.seats-returned` carries the amount owed. Returning every seat cancels the booking.
   */
  async returnSeats(principal: Principal, bookingId: number, seatIds: number[]): Promise<BookingView> {
    await this.assertRefundWindow(principal, bookingId);
    const booking = await this.db.transaction().execute(async (trx) => {
      const current = await lockBookingById(trx, bookingId);
      if (!current) throw bookingNotFound();
      assertOwner(principal, current.user_id, STRANGER_TO_BOOKING);
      if (current.status !== 'CONFIRMED' || current.ticket_type_id !== null) throw seatNotInBooking();
      const returned = await returnSoldSeats(trx, bookingId, seatIds);
      if (returned.length !== new Set(seatIds).size) throw seatNotInBooking();
      // Pro rata: a discounted booking refunds its share of what was paid, not the list price.
      const listPrice = returned.reduce((sum, seat) => sum + seat.price, 0);
      const refundAmount = proRataRefund(listPrice, current.total_amount, current.discount_amount);
      const updated = await updateBooking(trx, bookingId, {
        totalAmount: current.total_amount - refundAmount,
        discountAmount: current.discount_amount - (listPrice - refundAmount),
      });
      const reason = `seats returned: ${returned.map((seat) => seat.id).join(', ')}`;
      await insertAudit(trx, { bookingId, from: 'CONFIRMED', to: 'CONFIRMED', actorUserId: principal.userId, reason });
      const payload = await bookingPayload(trx, updated);
      await addEvent(trx, 'booking.seats-returned', bookingId, {
        ...payload,
        returnedSeatIds: returned.map((seat) => seat.id),
        refundAmount,
      });
      return { updated, remaining: payload.seatIds.length };
    });
    if (booking.remaining === 0) return this.cancel(principal, bookingId, 'every seat returned');
    return this.lifecycle.view(booking.updated);
  }

  async getBooking(
    principal: Principal,
    bookingId: number,
  ): Promise<
    BookingView & {
      audit: { from_status: string | null; to_status: string; actor_user_id: number | null; reason: string; at: string }[];
    }
  > {
    const booking = await findBookingById(this.db, bookingId);
    if (!booking) throw bookingNotFound();
    // The event's team reads its bookings too (the box office).
    if (!mayActAsOwner(principal, booking.user_id) && !(await this.catalog.canManage(principal, booking.event_id)))
      throw new NotOwnerError(STRANGER_TO_BOOKING);
    const audit = await listAudit(this.db, bookingId);
    return {
      ...(await this.lifecycle.view(booking)),
      audit: audit.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
    };
  }

  async myBookings(principal: Principal, filter: { eventId?: number; limit: number }): Promise<BookingView[]> {
    const bookings = await listBookingsOfUser(this.db, principal.userId, filter);
    return this.lifecycle.views(bookings);
  }

  async eventBookings(principal: Principal, eventId: number, filter: { status?: BookingStatus; limit: number; offset: number }) {
    await this.events.requireManager(principal, eventId);
    return this.lifecycle.views(await listBookingsOfEvent(this.db, eventId, filter));
  }

  /**
   * Paid bookings are refundable until REFUND_CUTOFF_HOURS before the event (checked before the
   * transaction). A stranger hears the ownership answer first, so the window tells them nothing.
   */
  private async assertRefundWindow(principal: Principal, bookingId: number): Promise<void> {
    const hours = this.options.refundCutoffHours;
    if (hours === undefined) return;
    const booking = await findBookingById(this.db, bookingId);
    if (booking?.status !== 'CONFIRMED') return;
    assertOwner(principal, booking.user_id, STRANGER_TO_BOOKING);
    const event = await this.catalog.findEvent(booking.event_id);
    // By the database's clock, as holds are: the one clock (the event's start comes from the catalog).
    if (event && (await hasPassed(this.db, new Date(Date.parse(event.starts_at) - hours * 3_600_000))))
      throw refundWindowClosed(hours);
  }

  /**
   * The new booking's price: its seats' (or units') list price, less the promo code when one is
   * given — whose use is counted here, in the booking's transaction.
   */
  private async price(
    trx: Transaction<SalesTables>,
    created: BookingRow,
    seated: boolean,
    promoCode: string | undefined,
  ): Promise<BookingRow> {
    if (promoCode === undefined) {
      const total = seated ? (await this.lifecycle.priceOfSeats(trx, created)).total : created.total_amount;
      return total !== created.total_amount ? updateBooking(trx, created.id, { totalAmount: total }) : created;
    }
    const tickets = seated
      ? (await seatsOfBookings(trx, [created.id])).map((seat) => ({ price: seat.price, zoneId: seat.zone_id }))
      : Array.from({ length: created.quantity }, () => ({
          price: created.total_amount / created.quantity,
          ticketTypeId: created.ticket_type_id,
        }));
    const applied = await this.promoCodes.apply(trx, created.event_id, promoCode, tickets);
    return updateBooking(trx, created.id, {
      totalAmount: applied.price.total,
      discountAmount: applied.price.discount,
      promo: applied.promo,
    });
  }

  private async holdTickets(
    trx: Transaction<SalesTables>,
    event: SaleEvent,
    userId: number,
    ticketTypeId: number,
    quantity: number,
    promoCode: string | undefined,
  ) {
    const type = await findTicketType(trx, event.id, ticketTypeId);
    if (!type) throw ticketTypeNotFound();
    if (type.hidden) await this.promoCodes.requireUnlocked(trx, event.id, type.id, promoCode);
    const max = Math.min(type.max_per_order, event.policy.max_tickets_per_order);
    if (quantity > max) throw quantityTooLarge(max);
    const perUser = event.policy.max_tickets_per_user;
    // Strict with the default one-open-booking policy (the user's bookings are serialized by it).
    if (perUser !== null && (await ticketsOfUser(trx, userId, event.id)) + quantity > perUser) throw tooManyForUser(perUser);
    if (!type.in_sales_window) throw notOnSaleWindow();
    // Units whose hold has passed are free at this second: give them back before counting.
    await this.lifecycle.expireClaimed(trx, await claimOverdueBookings(trx, { limit: 1000, ticketTypeId }));
    if (!(await holdUnits(trx, ticketTypeId, quantity))) {
      const fresh = await findTicketType(trx, event.id, ticketTypeId);
      throw soldOut(fresh ? fresh.quantity - fresh.sold - fresh.held : 0);
    }
    return { id: type.id, price: type.price, currency: type.currency, quantity };
  }
}
