import type { Transaction } from 'kysely';
import { addEvent, type EventMap } from '../../platform/bus/index.ts';
import { narrow } from '../../platform/db/narrow.ts';
import { hasPassed } from '../../platform/db/clock.ts';
import { assertOwner, type Principal } from '../../platform/http/access.ts';
import { illegalTransition, rentalChanged, rentalNotFound, STRANGER_TO_RENTAL } from './rentals.errors.ts';
import {
  databaseNow,
  findRental,
  insertAudit,
  lockHall,
  lockRental,
  transitionRental,
  type HallRow,
  type RentalRow,
  type RentalsDb,
  type RentalsTrx,
} from './rentals.repository.ts';
import { scheduleReminder } from './rentals.reminders.ts';
import type { WatchOffers } from './watches.offers.ts';
import { markOfferClaimed } from './watches.repository.ts';
import { payloadOf } from './rentals.events.ts';
import type { RentalsTables } from './rentals.tables.ts';

/** What a rental's payment paid for (its receipt at payments). */
export interface PaidRental {
  rentalId: number;
}

/**
 * Rentals as the payments module's payable order of kind 'rental' (its PayableOrder port, bound in
 * main.ts; matched by shape, so rentals does not import payments). The payment's expiry is the
 * hold's end; paid → CONFIRMED; a failed payment releases the hold at once (the slot is free
 * again); a paid rental cancelled is refunded what rental.cancelled says the policy gives.
 */
export class PayableRentals {
  readonly label = 'hall rental';
  readonly strangers = STRANGER_TO_RENTAL;
  /** A cancelled rental: its refund by the policy, or (nothing to refund) its payment in flight voided. */
  readonly refundOn = {
    events: ['rental.cancelled'] as const,
    changeOf(event: { type: string; payload: unknown }) {
      const payload = event.payload as EventMap['rental.cancelled'];
      if (payload.kind !== 'rental') return undefined;
      const reason = `rental cancelled by the ${payload.by}`;
      return payload.refundAmount > 0
        ? { orderId: payload.rentalId, refund: payload.refundAmount, reason }
        : { orderId: payload.rentalId, refund: 'void' as const, reason };
    },
  };

  private readonly db: RentalsDb;
  private readonly reminderLeadMinutes: number;
  private readonly offers: WatchOffers;

  constructor(db: RentalsDb, offers: WatchOffers, options: { reminderLeadMinutes: number }) {
    this.db = db;
    this.offers = offers;
    this.reminderLeadMinutes = options.reminderLeadMinutes;
  }

  async ownerOf(rentalId: number): Promise<number | undefined> {
    const row = await findRental(this.db, rentalId);
    return row?.kind === 'rental' ? row.user_id : undefined;
  }

  /** What paying costs: the renter's own live hold, by the database clock. */
  async quote(principal: Principal, rentalId: number) {
    const row = await findRental(this.db, rentalId);
    if (!row || row.kind !== 'rental') throw rentalNotFound();
    assertOwner(principal, row.user_id, STRANGER_TO_RENTAL);
    await this.assertPayable(this.db, row);
    const items: PaidRental = { rentalId: row.id };
    return {
      userId: row.user_id,
      eventId: null,
      amount: row.total,
      currency: row.currency,
      items,
      holdEndsAt: row.expires_at,
    };
  }

  /** In the payment's transaction: the hold stays as it is (its end is the deadline); the audit says a payment started. */
  async startPayment(trx: Transaction<object>, principal: Principal, rentalId: number, payment: { amount: number }) {
    const rentals = narrow<RentalsTables>(trx);
    const row = await lockRental(rentals, rentalId);
    if (!row || row.kind !== 'rental') throw rentalNotFound();
    assertOwner(principal, row.user_id, STRANGER_TO_RENTAL);
    await this.assertPayable(rentals, row);
    if (row.total !== payment.amount) throw rentalChanged();
    await insertAudit(rentals, [
      {
        rental_id: rentalId,
        from_status: 'PENDING',
        to_status: 'PENDING',
        actor_id: principal.userId,
        reason: 'payment started',
      },
    ]);
  }

  /**
   * In the payment's transaction, once the money is captured: PENDING → CONFIRMED while the hold
   * stands. A hold that has passed is expired, and the payment refunded ('unavailable'): another
   * renter may have the slot already, so a late payment never re-takes it.
   */
  async settlePaid(trx: Transaction<object>, rentalId: number, _items: unknown, reason: string) {
    const rentals = narrow<RentalsTables>(trx);
    const hall = await this.lockHallOf(rentals, rentalId);
    const row = await lockRental(rentals, rentalId);
    if (!row) return 'unavailable' as const;
    if (row.status === 'CONFIRMED' || row.status === 'COMPLETED') return 'already' as const;
    if (row.status !== 'PENDING') return 'unavailable' as const;
    const now = new Date(await databaseNow(rentals));
    const confirmed = await transitionRental(
      rentals,
      rentalId,
      ['PENDING'],
      'CONFIRMED',
      { confirmed_at: now },
      { unexpired: true },
    );
    if (!confirmed) {
      await this.release(rentals, hall, row, 'hold expired before the payment arrived');
      return 'unavailable' as const;
    }
    await insertAudit(rentals, [{ rental_id: rentalId, from_status: 'PENDING', to_status: 'CONFIRMED', actor_id: null, reason }]);
    await addEvent(rentals, 'rental.confirmed', rentalId, { ...payloadOf(confirmed), paidOffline: false });
    await scheduleReminder(rentals, confirmed, this.reminderLeadMinutes);
    await markOfferClaimed(rentals, rentalId);
    return 'confirmed' as const;
  }

  /** In the payment's transaction: the payment failed, so the hold is released now and the slot is free again. */
  async failPayment(trx: Transaction<object>, rentalId: number, failure: { reason: string; cancelBooking: boolean }) {
    const rentals = narrow<RentalsTables>(trx);
    const hall = await this.lockHallOf(rentals, rentalId);
    const row = await lockRental(rentals, rentalId);
    if (!row || row.status !== 'PENDING') return { outcome: 'none' as const, holdEndsAt: null };
    await this.release(rentals, hall, row, failure.reason);
    return { outcome: 'expired' as const, holdEndsAt: null };
  }

  /** A hold ends unpaid: EXPIRED (as the sweep would), with why in the audit and rental.expired on the bus. */
  private async release(rentals: RentalsTrx, hall: HallRow | undefined, row: RentalRow, reason: string): Promise<void> {
    const expired = await transitionRental(rentals, row.id, ['PENDING'], 'EXPIRED', {
      closed_at: new Date(await databaseNow(rentals)),
    });
    if (!expired) return;
    await insertAudit(rentals, [{ rental_id: row.id, from_status: 'PENDING', to_status: 'EXPIRED', actor_id: null, reason }]);
    await addEvent(rentals, 'rental.expired', row.id, payloadOf(expired));
    // The freed time goes to the hall's watchers in this same transaction.
    if (hall) await this.offers.feed(rentals, hall, [expired]);
  }

  /** The rental's hall, locked before the rental: the order booking and cancelling take them in. */
  private async lockHallOf(rentals: RentalsTrx, rentalId: number): Promise<HallRow | undefined> {
    const row = await findRental(rentals, rentalId);
    return row ? lockHall(rentals, row.hall_id) : undefined;
  }

  private async assertPayable(db: RentalsDb, row: RentalRow): Promise<void> {
    if (row.status !== 'PENDING') throw illegalTransition(row.status, 'paid');
    if (!row.expires_at || (await hasPassed(db, row.expires_at))) throw illegalTransition('EXPIRED', 'paid');
  }
}
