import type { Transaction } from 'kysely';
import { addEvent } from '../../platform/bus/index.ts';
import { bookingPayload, deleteBooking, insertAudit, insertBooking, updateBooking } from './bookings.repository.ts';
import type { SalesTables } from './sales.tables.ts';
import { seatsOfBookings, takeFreeSeats } from './seats.repository.ts';
import { findTicketType, holdUnits } from './ticket-types.repository.ts';
import { lockHead, markOffered, settleOffer, type Queue, type WaitlistEntryRow } from './waitlist.repository.ts';

/**
 * Hands freed inventory to the waitlist, inside the transaction that freed it: the head of the
 * queue gets a booking holding its quantity for `offerTtlSeconds` and `waitlist.offered` is
 * emitted. Strictly first in line first: when the head's quantity does not fit, the queue waits
 * for more to free rather than letting smaller requests behind it jump ahead.
 */
export class WaitlistOffers {
  private readonly offerTtlSeconds: number;
  private readonly defaultCurrency: string;

  constructor(options: { offerTtlSeconds: number; defaultCurrency: string }) {
    this.offerTtlSeconds = options.offerTtlSeconds;
    this.defaultCurrency = options.defaultCurrency;
  }

  /** Offers to the queue's head while inventory fits; returns how many offers were made. */
  async feed(trx: Transaction<SalesTables>, queue: Queue): Promise<number> {
    let offered = 0;
    for (;;) {
      const head = await lockHead(trx, queue);
      if (!head || !(await this.offer(trx, head))) return offered;
      offered += 1;
    }
  }

  /**
   * The booking an offer was made through was paid (CLAIMED), or expired or was cancelled
   * (LAPSED). A lapsed offer's inventory is fed to the next in line by the caller's giving back.
   */
  async offerEnded(trx: Transaction<SalesTables>, bookingId: number, outcome: 'CLAIMED' | 'LAPSED'): Promise<void> {
    await settleOffer(trx, bookingId, outcome);
  }

  private async offer(trx: Transaction<SalesTables>, entry: WaitlistEntryRow): Promise<boolean> {
    const booking = entry.ticket_type_id === null ? await this.offerSeats(trx, entry) : await this.offerUnits(trx, entry);
    if (!booking) return false;
    await insertAudit(trx, {
      bookingId: booking.id,
      from: null,
      to: 'CREATED',
      actorUserId: null,
      reason: `offered from the waitlist (entry ${String(entry.id)})`,
    });
    const offered = await markOffered(trx, entry.id, { bookingId: booking.id, expiresAt: booking.expires_at ?? new Date() });
    await addEvent(trx, 'booking.created', booking.id, { ...(await bookingPayload(trx, booking)), fromWaitlist: true });
    await addEvent(trx, 'waitlist.offered', `waitlist:${String(entry.id)}`, {
      entryId: entry.id,
      eventId: entry.event_id,
      ticketTypeId: entry.ticket_type_id,
      userId: entry.user_id,
      quantity: entry.quantity,
      bookingId: booking.id,
      offerExpiresAt: (offered.offer_expires_at ?? new Date()).toISOString(),
    });
    return true;
  }

  private async offerUnits(trx: Transaction<SalesTables>, entry: WaitlistEntryRow) {
    if (entry.ticket_type_id === null) return undefined;
    const type = await findTicketType(trx, entry.event_id, entry.ticket_type_id);
    if (!type || !(await holdUnits(trx, type.id, entry.quantity))) return undefined;
    return insertBooking(trx, {
      eventId: entry.event_id,
      userId: entry.user_id,
      // An offer is made by the system: it does not count against the one-open-booking rule.
      exclusive: false,
      ttlSeconds: this.offerTtlSeconds,
      currency: type.currency,
      ticketTypeId: type.id,
      quantity: entry.quantity,
      totalAmount: type.price * entry.quantity,
    });
  }

  private async offerSeats(trx: Transaction<SalesTables>, entry: WaitlistEntryRow) {
    const booking = await insertBooking(trx, {
      eventId: entry.event_id,
      userId: entry.user_id,
      exclusive: false,
      ttlSeconds: this.offerTtlSeconds,
      currency: this.defaultCurrency,
    });
    if (!booking?.expires_at) return undefined;
    const taken = await takeFreeSeats(trx, {
      eventId: entry.event_id,
      bookingId: booking.id,
      count: entry.quantity,
      heldUntil: booking.expires_at,
    });
    if (taken < entry.quantity) {
      await deleteBooking(trx, booking.id);
      return undefined;
    }
    const total = (await seatsOfBookings(trx, [booking.id])).reduce((sum, seat) => sum + seat.price, 0);
    return updateBooking(trx, booking.id, { totalAmount: total });
  }
}
