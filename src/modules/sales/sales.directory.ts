import { sql, type Kysely } from 'kysely';
import { findBookingById } from './bookings.repository.ts';
import { salesDb, seatsOfBookings, type SalesDb } from './seats.repository.ts';

/** The reason sales records when it cancels the bookings of a cancelled event (sales index.ts). */
const EVENT_CANCELLED_REASON = 'event cancelled%';

/**
 * Read-only answers for other modules (notifications): who holds bookings of an event, what a
 * booking holds. Plain reads on the module's own tables; never called inside another's transaction.
 */
export interface BookingSummary {
  seats: { row: number; number: number }[];
  ticketTypeName: string | null;
  expiresAt: string | null;
  totalAmount: number;
  currency: string;
  quantity: number;
}

export class SalesDirectory {
  private readonly db: SalesDb;

  constructor(db: Kysely<object>) {
    this.db = salesDb(db);
  }

  /** The event a booking is for (the waiting room's gate, on routes that name a booking). */
  async eventOfBooking(bookingId: number): Promise<number | undefined> {
    const row = await this.db.selectFrom('sales.bookings').select('event_id').where('id', '=', bookingId).executeTakeFirst();
    return row?.event_id;
  }

  /**
   * Users with a booking of the event: confirmed ones only, or also open holds and bookings that
   * were cancelled because the event was (the event's cancellation may be handled before or after).
   */
  async holdersOfEvent(eventId: number, options: { confirmedOnly: boolean }): Promise<number[]> {
    let query = this.db.selectFrom('sales.bookings as b').select('b.user_id').distinct().where('b.event_id', '=', eventId);
    query = options.confirmedOnly
      ? query.where('b.status', '=', 'CONFIRMED')
      : query.where((eb) =>
          eb.or([
            eb('b.status', 'in', ['CREATED', 'PENDING', 'CONFIRMED']),
            eb.and([
              eb('b.status', '=', 'CANCELLED'),
              eb.exists(
                eb
                  .selectFrom('sales.booking_audit as a')
                  .select(sql`1`.as('one'))
                  .whereRef('a.booking_id', '=', 'b.id')
                  .where('a.to_status', '=', 'CANCELLED')
                  .where('a.reason', 'like', EVENT_CANCELLED_REASON),
              ),
            ]),
          ]),
        );
    return (await query.orderBy('b.user_id').execute()).map((row) => row.user_id);
  }

  /** What a booking holds, for messages: its seats (while held or sold), ticket type and deadline. */
  async bookingSummary(bookingId: number): Promise<BookingSummary | undefined> {
    const booking = await findBookingById(this.db, bookingId);
    if (!booking) return undefined;
    const [seats, ticketType] = await Promise.all([
      seatsOfBookings(this.db, [bookingId]),
      booking.ticket_type_id === null
        ? undefined
        : this.db.selectFrom('sales.ticket_types').select('name').where('id', '=', booking.ticket_type_id).executeTakeFirst(),
    ]);
    return {
      seats: seats.map((seat) => ({ row: seat.row, number: seat.number })),
      ticketTypeName: ticketType?.name ?? null,
      expiresAt: booking.expires_at?.toISOString() ?? null,
      totalAmount: booking.total_amount,
      currency: booking.currency,
      quantity: booking.quantity,
    };
  }
}
