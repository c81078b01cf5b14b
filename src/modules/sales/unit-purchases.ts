import { currentRequestId } from '../../platform/context/request-context.ts';
import { isLockConflict } from '../../platform/db/conflicts.ts';
import type { Principal } from '../../platform/http/access.ts';
import { Batcher } from './batcher.ts';
import { bookingView } from './booking.lifecycle.ts';
import type { BookingRow } from './bookings.repository.ts';
import { GROUPED_PER_STATEMENT, GROUPED_STATEMENTS_AT_ONCE, type SaleEvents } from './sale-events.ts';
import type { BookingView, SaleEvent } from './sales.types.ts';
import type { SalesDb } from './seats.repository.ts';
import { buyUnits, type UnitPurchase } from './ticket-types.repository.ts';

/**
 * General-admission purchases of the plain kind — no promo code, no per-user cap, not a hidden type — grouped like seat
 * selects (decision records 0011 and 0032): the purchases that arrive while earlier groups run
 * share one statement (buyUnits), so a ticket type's counter row is locked once per group instead
 * of once per buyer, and only for that statement and its commit. A purchase the group does not make
 * (sold out, a limit, an open booking) is answered undefined, and the caller runs the
 * one-at-a-time path, which says exactly why.
 */
export class UnitPurchases {
  private readonly events: SaleEvents;
  private readonly batcher: Batcher<UnitPurchase, BookingRow | undefined>;

  constructor(db: SalesDb, events: SaleEvents) {
    this.events = events;
    this.batcher = new Batcher({
      run: (group) => buyUnits(db, group),
      // One open booking per user: two of one user's purchases in one statement would both pass the
      // statement's check for an open booking; apart, the second sees the first.
      keys: (purchase) => (purchase.exclusive ? [`user:${String(purchase.userId)}:${String(purchase.eventId)}`] : []),
      maxGroup: GROUPED_PER_STATEMENT,
      maxRunning: GROUPED_STATEMENTS_AT_ONCE,
    });
  }

  /** The purchase made in a group, or undefined when it is for the one-at-a-time path. */
  async buy(principal: Principal, event: SaleEvent, ticketTypeId: number, quantity: number): Promise<BookingView | undefined> {
    let booking: BookingRow | undefined;
    try {
      booking = await this.batcher.submit({
        userId: principal.userId,
        eventId: event.id,
        ticketTypeId,
        quantity,
        maxPerOrder: event.policy.max_tickets_per_order,
        exclusive: event.policy.one_active_booking_per_user,
        ttlSeconds: event.hold_ttl_seconds,
        requestId: currentRequestId(),
      });
    } catch (error) {
      // The statement locks the ticket type before it meets the buyer's open booking; the expiry
      // sweep locks that booking before its ticket type. When they cross, PostgreSQL breaks the
      // deadlock by failing one (a fault-suite run saw this statement fail: two 500s). It was rolled
      // back whole, so the one-at-a-time path, which takes the locks in the sweep's order, buys.
      if (isLockConflict(error)) return undefined;
      throw error;
    }
    if (!booking) return undefined;
    this.events.rememberEventOf(booking.id, booking.event_id);
    return bookingView(booking, []);
  }
}
