import { sql, type Selectable, type Transaction } from 'kysely';
import { prepared } from '../../platform/db/prepared.ts';
import type { BookingEventPayload } from './sales.events.ts';
import type { BookingStatus, BookingTable, SalesTables } from './sales.tables.ts';
import { seatsOfBookings, type SalesDb } from './seats.repository.ts';

/**
 * A booking as read, with whether its hold has passed: `overdue` is computed in the statement, by
 * the database's clock — the one clock holds are judged by (decision record 0005) — so no use case
 * asks the database for the time or compares with the process's clock.
 */
export type BookingRow = Selectable<BookingTable> & { overdue: boolean };

const overdue = sql<boolean>`status in ('CREATED', 'PENDING') and expires_at is not null and expires_at <= now()`.as('overdue');

export async function insertBooking(
  trx: Transaction<SalesTables>,
  booking: {
    eventId: number;
    userId: number;
    exclusive: boolean;
    ttlSeconds: number;
    currency: string;
    ticketTypeId?: number;
    quantity?: number;
    totalAmount?: number;
  },
): Promise<BookingRow | undefined> {
  return (
    trx
      .insertInto('sales.bookings')
      .values({
        event_id: booking.eventId,
        user_id: booking.userId,
        exclusive: booking.exclusive,
        currency: booking.currency,
        expires_at: sql<Date>`now() + make_interval(secs => ${booking.ttlSeconds})`,
        ticket_type_id: booking.ticketTypeId ?? null,
        quantity: booking.quantity ?? 0,
        total_amount: booking.totalAmount ?? 0,
      })
      // The one-open-booking rule is the partial unique index; a conflict means the user has one.
      .onConflict((conflict) =>
        conflict
          .expression(sql`event_id, user_id`)
          .where('exclusive', '=', true)
          .where('status', 'in', ['CREATED', 'PENDING'])
          .doNothing(),
      )
      .returningAll()
      .returning(overdue)
      .executeTakeFirst()
  );
}

export async function findBookingById(db: SalesDb, id: number): Promise<BookingRow | undefined> {
  return db.selectFrom('sales.bookings').selectAll().select(overdue).where('id', '=', id).executeTakeFirst();
}

const EVENTS_OF_BOOKINGS = prepared<{ id: number; event_id: number }>(
  'sales_events_of_bookings',
  'select id, event_id from sales.bookings where id = any($1::bigint[])',
);

/** The event of each booking, in order; undefined for an id that is no booking. One statement for any number. */
export async function eventsOfBookings(db: SalesDb, ids: number[]): Promise<(number | undefined)[]> {
  const result = await EVENTS_OF_BOOKINGS.execute(db, [ids]);
  const events = new Map(result.rows.map((row) => [row.id, row.event_id]));
  return ids.map((id) => events.get(id));
}

export async function lockBookingById(trx: Transaction<SalesTables>, id: number): Promise<BookingRow | undefined> {
  return trx.selectFrom('sales.bookings').selectAll().select(overdue).where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findOpenBooking(db: SalesDb, eventId: number, userId: number): Promise<BookingRow | undefined> {
  return db
    .selectFrom('sales.bookings')
    .selectAll()
    .select(overdue)
    .where('event_id', '=', eventId)
    .where('user_id', '=', userId)
    .where('status', 'in', ['CREATED', 'PENDING'])
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export async function updateBooking(
  trx: Transaction<SalesTables>,
  id: number,
  changes: {
    status?: BookingStatus;
    expiresAt?: Date | null;
    totalAmount?: number;
    discountAmount?: number;
    promo?: { id: number; code: string };
  },
): Promise<BookingRow> {
  return trx
    .updateTable('sales.bookings')
    .set({
      ...(changes.status ? { status: changes.status } : {}),
      ...(changes.expiresAt !== undefined ? { expires_at: changes.expiresAt } : {}),
      ...(changes.totalAmount !== undefined ? { total_amount: changes.totalAmount } : {}),
      ...(changes.discountAmount !== undefined ? { discount_amount: changes.discountAmount } : {}),
      ...(changes.promo ? { promo_code_id: changes.promo.id, promo_code: changes.promo.code } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .returning(overdue)
    .executeTakeFirstOrThrow();
}

export async function insertAudit(
  trx: Transaction<SalesTables>,
  entry: { bookingId: number; from: BookingStatus | null; to: BookingStatus; actorUserId: number | null; reason: string },
): Promise<void> {
  await trx
    .insertInto('sales.booking_audit')
    .values({
      booking_id: entry.bookingId,
      from_status: entry.from,
      to_status: entry.to,
      actor_user_id: entry.actorUserId,
      reason: entry.reason,
    })
    .execute();
}

export async function listAudit(db: SalesDb, bookingId: number) {
  return db
    .selectFrom('sales.booking_audit')
    .select(['from_status', 'to_status', 'actor_user_id', 'reason', 'at'])
    .where('booking_id', '=', bookingId)
    .orderBy('id')
    .execute();
}

export async function listBookingsOfUser(
  db: SalesDb,
  userId: number,
  filter: { eventId?: number; limit: number },
): Promise<BookingRow[]> {
  let query = db.selectFrom('sales.bookings').selectAll().select(overdue).where('user_id', '=', userId);
  if (filter.eventId !== undefined) query = query.where('event_id', '=', filter.eventId);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function listBookingsOfEvent(
  db: SalesDb,
  eventId: number,
  filter: { status?: BookingStatus; limit: number; offset: number },
): Promise<BookingRow[]> {
  let query = db.selectFrom('sales.bookings').selectAll().select(overdue).where('event_id', '=', eventId);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
}

/**
 * Claims overdue open bookings (their hold has passed) for expiry, skipping rows another instance
 * is handling. Returns each with the status it had, for the audit.
 */
export async function claimOverdueBookings(
  trx: Transaction<SalesTables>,
  filter: { limit: number; ticketTypeId?: number; eventId?: number; userId?: number },
) {
  const result = await sql<{
    id: number;
    from_status: BookingStatus;
    ticket_type_id: number | null;
    quantity: number;
    event_id: number;
    user_id: number;
  }>`
    with due as (
      select id, status from sales.bookings
      where status in ('CREATED', 'PENDING') and expires_at <= now()
        ${filter.ticketTypeId === undefined ? sql`` : sql`and ticket_type_id = ${filter.ticketTypeId}`}
        ${filter.eventId === undefined ? sql`` : sql`and event_id = ${filter.eventId}`}
        ${filter.userId === undefined ? sql`` : sql`and user_id = ${filter.userId}`}
      order by expires_at
      limit ${filter.limit}
      for update skip locked
    )
    update sales.bookings as booking set status = 'EXPIRED', updated_at = now()
    from due where booking.id = due.id
    returning booking.id, due.status as from_status, booking.ticket_type_id, booking.quantity, booking.event_id, booking.user_id`.execute(
    trx,
  );
  return result.rows;
}

export async function countBookings(db: SalesDb, eventId: number): Promise<{ bookings: number; revenue: number }> {
  const row = await db
    .selectFrom('sales.bookings')
    .select([
      sql<number>`count(*)::int`.as('bookings'),
      sql<number>`coalesce(sum(total_amount) filter (where status in ('CONFIRMED', 'COMPLETED')), 0)::bigint`.as('revenue'),
    ])
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return row;
}

/** What the booking.* events carry: the booking as it is now, with its seats. */
export async function bookingPayload(db: SalesDb, booking: BookingRow): Promise<BookingEventPayload> {
  const seats = await seatsOfBookings(db, [booking.id]);
  return {
    bookingId: booking.id,
    eventId: booking.event_id,
    userId: booking.user_id,
    status: booking.status,
    totalAmount: booking.total_amount,
    currency: booking.currency,
    seatIds: seats.map((seat) => seat.id),
    ticketTypeId: booking.ticket_type_id,
    quantity: booking.quantity,
  };
}

export async function deleteBooking(trx: Transaction<SalesTables>, id: number): Promise<void> {
  await trx.deleteFrom('sales.bookings').where('id', '=', id).execute();
}

/** The event's open and paid bookings, oldest first (what an event's cancellation cancels). */
export async function liveBookingIdsOfEvent(db: SalesDb, eventId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('sales.bookings')
    .select('id')
    .where('event_id', '=', eventId)
    .where('status', 'in', ['CREATED', 'PENDING', 'CONFIRMED'])
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Every booking of the event gone (HackLoad's reset; their audit goes with them). */
export async function deleteBookingsOfEvent(trx: Transaction<SalesTables>, eventId: number): Promise<void> {
  await trx.deleteFrom('sales.bookings').where('event_id', '=', eventId).execute();
}

/** Records a booking met past its hold as EXPIRED (its inventory is given back by the caller). */
export async function markBookingExpired(trx: Transaction<SalesTables>, id: number): Promise<void> {
  await trx.updateTable('sales.bookings').set({ status: 'EXPIRED' }).where('id', '=', id).execute();
}
