import type { Transaction } from 'kysely';
import { addEvent } from '../../platform/bus/index.ts';
import { narrow } from '../../platform/db/narrow.ts';
import type { BookingLifecycle } from './booking.lifecycle.ts';
import { claimOverdueBookings, deleteBookingsOfEvent, liveBookingIdsOfEvent } from './bookings.repository.ts';
import { deleteOldIdempotencyKeys } from './idempotency.ts';
import { resetDisabled } from './sales.errors.ts';
import type { SalesTables } from './sales.tables.ts';
import type { SeatSuggestions } from './seat-suggestions.ts';
import { freeAllSeatsOfEvent, freeExpiredSeatHolds, type SalesDb } from './seats.repository.ts';
import { resetUnitsOfEvent } from './ticket-types.repository.ts';
import { cancelWaitingOfEvent, waitingQueues } from './waitlist.repository.ts';
import type { WaitlistOffers } from './waitlist.offers.ts';

/**
 * Work nobody asks for in a request: the periodic sweeps (overdue holds, waitlists fed, old
 * idempotency keys), the reaction to an event's cancellation, and HackLoad's reset.
 */
export class SalesBackground {
  private readonly db: SalesDb;
  private readonly enableReset: boolean;
  private readonly lifecycle: BookingLifecycle;
  private readonly offers: WaitlistOffers;
  private readonly suggestions: SeatSuggestions;

  constructor(
    db: SalesDb,
    options: { enableReset: boolean },
    parts: { lifecycle: BookingLifecycle; offers: WaitlistOffers; suggestions: SeatSuggestions },
  ) {
    this.db = db;
    this.enableReset = options.enableReset;
    this.lifecycle = parts.lifecycle;
    this.offers = parts.offers;
    this.suggestions = parts.suggestions;
  }

  /** Periodic: overdue bookings become EXPIRED and give their inventory back (idempotent, multi-instance safe). */
  async expireOverdue(limit = 500): Promise<number> {
    const expired = await this.db.transaction().execute(async (trx) => {
      const claimed = await claimOverdueBookings(trx, { limit });
      await this.lifecycle.expireClaimed(trx, claimed);
      return claimed.length;
    });
    await freeExpiredSeatHolds(this.db, 5_000);
    return expired;
  }

  /**
   * Periodic: offers inventory freed in ways that pass no feeder (a seat hold that lapsed and was
   * tidied, capacity added) to the queues that wait. Multi-instance safe: heads are locked with
   * SKIP LOCKED and holds are conditional updates.
   */
  async feedWaitlists(): Promise<number> {
    let offered = 0;
    for (const queue of await waitingQueues(this.db, 1_000)) {
      offered += await this.db.transaction().execute((trx) => this.offers.feed(trx, queue));
    }
    return offered;
  }

  async deleteOldIdempotencyKeys(): Promise<void> {
    await deleteOldIdempotencyKeys(this.db);
  }

  /**
   * The event was cancelled: every open or paid booking is cancelled (paid ones refunded). Runs in
   * the bus consumer's transaction, so it happens once with the event's inbox entry.
   */
  async cancelAllOfEvent(trx: Transaction<object>, eventId: number, reason: string): Promise<number> {
    const sales = narrow<SalesTables>(trx);
    // Nobody waits for a cancelled event: ended first, so the inventory given back below is not offered.
    await cancelWaitingOfEvent(sales, eventId);
    const live = await liveBookingIdsOfEvent(sales, eventId);
    for (const id of live) {
      await this.lifecycle.cancelBySystem(sales, id, reason);
    }
    return live.length;
  }

  /** HackLoad's POST /api/reset: event 1 back to all seats free and no bookings. Off by default. */
  async reset(eventId: number): Promise<void> {
    if (!this.enableReset) throw resetDisabled();
    await this.db.transaction().execute(async (trx) => {
      await freeAllSeatsOfEvent(trx, eventId);
      await deleteBookingsOfEvent(trx, eventId);
      await resetUnitsOfEvent(trx, eventId);
      // The tickets of the deleted bookings must go too, or the next sale of a seat could not be
      // ticketed (one live ticket per seat) and its consumer would stall on it.
      await addEvent(trx, 'event.reset', eventId, { eventId });
    });
    this.suggestions.forget(eventId);
  }
}
