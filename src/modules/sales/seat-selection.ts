import { assertOwner, NotOwnerError, type Principal } from '../../platform/http/access.ts';
import type { DomainError } from '../../platform/errors.ts';
import { RateLimiter } from '../../platform/http/rate-limit.ts';
import { Batcher } from './batcher.ts';
import type { BookingLifecycle } from './booking.lifecycle.ts';
import { findBookingById } from './bookings.repository.ts';
import { GROUPED_PER_STATEMENT, GROUPED_STATEMENTS_AT_ONCE, type SaleEvents } from './sale-events.ts';
import {
  bookingExpired,
  bookingNotFound,
  bookingNotOpen,
  seatNotFound,
  seatNotHeld,
  seatTaken,
  selectRateLimited,
  STRANGER_TO_BOOKING,
  STRANGER_TO_SEAT,
  tooManyForUser,
  tooManySeats,
} from './sales.errors.ts';
import type { SalesOptions, SeatOwnership } from './sales.types.ts';
import type { SeatSuggestions } from './seat-suggestions.ts';
import { findSeat, releaseSeat, takeSeats, ticketsOfUser, type SalesDb, type SeatTake } from './seats.repository.ts';
import { anyoneWaiting } from './waitlist.repository.ts';
import type { WaitlistOffers } from './waitlist.offers.ts';

/**
 * HackLoad's hot path: one seat into (or out of) the caller's open booking. Concurrent selects are
 * grouped into one statement each (decision record 0011), limited per user when configured, and
 * explained only when they fail.
 */
export class SeatSelection {
  private readonly db: SalesDb;
  private readonly events: SaleEvents;
  private readonly suggestions: SeatSuggestions;
  private readonly offers: WaitlistOffers;
  private readonly lifecycle: BookingLifecycle;
  private readonly rateLimit: SalesOptions['seatSelectRateLimit'];
  private readonly ownership: SalesOptions['seatOwnership'];
  private readonly selectLimiter = new RateLimiter();
  /** Concurrent seat selects, grouped into one statement each (decision record 0011). */
  private readonly seatTakes: Batcher<{ take: SeatTake; eventId: number }, boolean>;

  constructor(
    db: SalesDb,
    parts: { events: SaleEvents; suggestions: SeatSuggestions; offers: WaitlistOffers; lifecycle: BookingLifecycle },
    rateLimit: SalesOptions['seatSelectRateLimit'],
    ownership?: SalesOptions['seatOwnership'],
  ) {
    this.ownership = ownership;
    this.db = db;
    this.events = parts.events;
    this.suggestions = parts.suggestions;
    this.offers = parts.offers;
    this.lifecycle = parts.lifecycle;
    this.rateLimit = rateLimit;
    this.seatTakes = new Batcher({
      run: (group) =>
        takeSeats(
          this.db,
          group.map(({ take }) => take),
        ),
      keys: ({ take, eventId }) => [
        `booking:${String(take.bookingId)}`,
        `seat:${String(take.seatId)}`,
        ...(take.maxPerUser === null ? [] : [`user:${String(take.userId)}:${String(eventId)}`]),
      ],
      maxGroup: GROUPED_PER_STATEMENT,
      maxRunning: GROUPED_STATEMENTS_AT_ONCE,
    });
  }

  /** HackLoad's PATCH /api/seats/select: one seat into the caller's open booking. */
  async selectSeat(principal: Principal, bookingId: number, seatId: number): Promise<void> {
    const limit = this.rateLimit;
    if (limit) {
      const retryAfter = this.selectLimiter.hit(`select:${String(principal.userId)}`, limit.count, limit.windowMs);
      if (retryAfter > 0) throw selectRateLimited(retryAfter);
    }
    const event = await this.events.eventOfBooking(bookingId);
    const taken = await this.seatTakes.submit({
      take: {
        bookingId,
        userId: principal.userId,
        seatId,
        maxSeats: event.policy.max_tickets_per_order,
        maxPerUser: event.policy.max_tickets_per_user,
      },
      eventId: event.id,
    });
    // Taken now, or (failing) quite possibly by someone else: either way not worth suggesting again.
    this.suggestions.taken(event.id, [seatId]);
    const ownership = this.ownership?.();
    if (taken && ownership && (await ownership.modeOf(event.id)) === 'provider') {
      await this.acquireAtProvider(ownership, principal, { bookingId, eventId: event.id, seatId });
      return;
    }
    if (!taken) {
      const refusal = await this.explainFailedSelect(this.db, bookingId, principal, seatId);
      if (refusal) throw refusal;
    }
  }

  /**
   * A `provider` event's seat is ours only once the venue's provider accepted it for this booking:
   * held here first (so two of our buyers never race each other there), then asked there; any
   * answer but yes gives it back here and says why.
   */
  private async acquireAtProvider(
    ownership: SeatOwnership,
    principal: Principal,
    take: { bookingId: number; eventId: number; seatId: number },
  ): Promise<void> {
    let answer: Awaited<ReturnType<SeatOwnership['acquire']>>;
    try {
      answer = await ownership.acquire(take);
    } catch (error) {
      await releaseSeat(this.db, { seatId: take.seatId, userId: principal.userId, bookingId: take.bookingId });
      throw error;
    }
    if (answer === 'accepted') return;
    await releaseSeat(this.db, { seatId: take.seatId, userId: principal.userId, bookingId: take.bookingId });
    throw answer === 'taken' ? seatTaken() : seatNotFound();
  }

  /** Takes a seat out of the caller's open booking (HackLoad release, or DELETE …/seats/:seatId). */
  async releaseSeat(principal: Principal, seatId: number, bookingId?: number): Promise<void> {
    const eventId = await releaseSeat(this.db, {
      seatId,
      userId: principal.userId,
      ...(bookingId !== undefined ? { bookingId } : {}),
    });
    if (eventId !== undefined) {
      const ownership = this.ownership?.();
      if (ownership && (await ownership.modeOf(eventId)) === 'provider') await ownership.release({ eventId, seatId });
      // A seat given back while people wait for one goes to the head of the queue.
      const queue = { eventId, ticketTypeId: null };
      if (await anyoneWaiting(this.db, queue)) await this.db.transaction().execute((trx) => this.offers.feed(trx, queue));
      return;
    }
    const seat = await findSeat(this.db, seatId);
    if (!seat) throw seatNotFound();
    if (seat.status === 'FREE' || seat.hold_passed) throw seatNotHeld();
    if (seat.user_id !== null) assertOwner(principal, seat.user_id, STRANGER_TO_SEAT);
    throw seatNotHeld();
  }

  /**
   * Why a seat was not taken, or undefined when it is already held by this very booking: selecting
   * it again changes nothing (PATCH is idempotent), and a select retried after its first attempt
   * committed but lost its answer (a dropped connection) must not be told the seat is taken.
   */
  async explainFailedSelect(
    db: SalesDb,
    bookingId: number,
    principal: Principal,
    seatId: number,
  ): Promise<DomainError | undefined> {
    const booking = await findBookingById(db, bookingId);
    if (!booking) return bookingNotFound();
    // Not mayActAsOwner: the grouped select takes seats for the booking's own user only, so even an
    // admin's select into someone else's booking fails, and hears the stranger's answer.
    if (booking.user_id !== principal.userId) return new NotOwnerError(STRANGER_TO_BOOKING);
    if (booking.status !== 'CREATED' || booking.ticket_type_id !== null) return bookingNotOpen(booking.status);
    if (booking.overdue) return bookingExpired();
    const seat = await findSeat(db, seatId);
    if (!seat || seat.event_id !== booking.event_id) return seatNotFound();
    if (seat.booking_id === booking.id && seat.status === 'RESERVED' && !seat.hold_passed) return undefined;
    if (seat.status === 'FREE' || seat.hold_passed) {
      const event = await this.events.saleEvent(booking.event_id);
      const perUser = event.policy.max_tickets_per_user;
      if (perUser !== null && (await ticketsOfUser(db, principal.userId, booking.event_id)) >= perUser)
        return tooManyForUser(perUser);
      return tooManySeats(event.policy.max_tickets_per_order);
    }
    return seatTaken();
  }
}
