import { sql, type Transaction } from 'kysely';
import type { BookingLifecycle } from './booking.lifecycle.ts';
import { lockBookingById } from './bookings.repository.ts';
import type { SalesTables } from './sales.tables.ts';
import type { SalesDb } from './seats.repository.ts';

/** Which seats of an allotment event are ours to sell: rows, or seat ids (at most MAX_ALLOTTED_SEATS). */
export type SeatBlock = { rows: [number, number] } | { seatIds: number[] };

export const MAX_ALLOTTED_SEATS = 10_000;

/**
 * Sales' side of seats that belong to a venue's event provider (the provider module asks; bound in
 * main.ts): where an event's seats are, which of them an allotment leaves us, and a paid booking
 * given up because the venue sold its seats to someone else.
 */
export class VenueSeats {
  private readonly db: SalesDb;
  private readonly lifecycle: BookingLifecycle;

  constructor(db: SalesDb, parts: { lifecycle: BookingLifecycle }) {
    this.db = db;
    this.lifecycle = parts.lifecycle;
  }

  /** Every seat of the event with its place in the hall (to link them with the provider's places). */
  async positions(eventId: number): Promise<{ id: number; row: number; number: number }[]> {
    return this.db
      .selectFrom('sales.seats')
      .select(['id', 'row', 'number'])
      .where('event_id', '=', eventId)
      .orderBy('id')
      .execute();
  }

  /**
   * Only `block` is ours: free seats outside it are withheld (SOLD with no booking, so readers show
   * them unavailable and selects refuse them with no extra query); withheld seats inside it are
   * free again. `null` gives every withheld seat back (the event is ours or the provider's again).
   * Seats held or sold in bookings stay as they are.
   */
  async allot(eventId: number, block: SeatBlock | null): Promise<void> {
    const inBlock =
      block === null
        ? sql<boolean>`true`
        : 'rows' in block
          ? sql<boolean>`row between ${block.rows[0]}::int and ${block.rows[1]}::int`
          : sql<boolean>`id = any(${`{${block.seatIds.join(',')}}`}::bigint[])`;
    return this.db.transaction().execute(async (trx) => {
      await sql`update sales.seats set status = 'FREE'
        where event_id = ${eventId} and status = 'SOLD' and booking_id is null and ${inBlock}`.execute(trx);
      await sql`update sales.seats set status = 'SOLD'
        where event_id = ${eventId} and status = 'FREE' and not (${inBlock})`.execute(trx);
    });
  }

  /** Seats an allotment withholds (SOLD with no booking). */
  async withheld(eventId: number): Promise<number> {
    const { rows } = await sql<{ withheld: number }>`select count(*)::int as withheld from sales.seats
      where event_id = ${eventId} and status = 'SOLD' and booking_id is null`.execute(this.db);
    return rows[0]?.withheld ?? 0;
  }

  /**
   * A paid booking whose seats the venue sold to someone else: cancelled by the system, which
   * refunds it (booking.cancelled with refund). False when it is not a paid booking (any more).
   */
  async giveUpPaid(bookingId: number, reason: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx: Transaction<SalesTables>) => {
      const booking = await lockBookingById(trx, bookingId);
      if (booking?.status !== 'CONFIRMED') return false;
      await this.lifecycle.cancelBySystem(trx, bookingId, reason);
      return true;
    });
  }
}
