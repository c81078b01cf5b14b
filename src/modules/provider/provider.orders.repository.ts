import { sql } from 'kysely';
import { bareArray } from '../../platform/import/pg-arrays.ts';
import type { ProviderDb } from './provider.repository.ts';
import type { OwnershipMode } from './provider.tables.ts';

/** Repositories of ownership modes, seat links, bookings' provider orders and the places asked into them. */

export interface EventModeRow {
  event_id: number;
  mode: OwnershipMode;
  block_from_row: number | null;
  block_to_row: number | null;
  block_places: string[] | null;
}

export async function readEventModes(db: ProviderDb): Promise<EventModeRow[]> {
  return db
    .selectFrom('provider.event_modes')
    .select(['event_id', 'mode', 'block_from_row', 'block_to_row', 'block_places'])
    .execute();
}

/** Whether someone else sells the event's seats (`provider` or `allotment`): a row exists. */
export async function hasProviderMode(db: ProviderDb, eventId: number): Promise<boolean> {
  const row = await db.selectFrom('provider.event_modes').select('event_id').where('event_id', '=', eventId).executeTakeFirst();
  return row !== undefined;
}

export async function writeEventMode(db: ProviderDb, row: EventModeRow): Promise<void> {
  if (row.mode === 'own') {
    await db.deleteFrom('provider.event_modes').where('event_id', '=', row.event_id).execute();
    return;
  }
  const values = { ...row, updated_at: new Date() };
  await db
    .insertInto('provider.event_modes')
    .values(values)
    .onConflict((conflict) => conflict.column('event_id').doUpdateSet(values))
    .execute();
}

/**
 * Links the event's seats to the mirror's places with the same row and seat number (one statement).
 * Seats already linked keep their place. Throws 23505 when a place is linked to another event's seat.
 */
export async function linkSeats(
  db: ProviderDb,
  eventId: number,
  seats: readonly { id: number; row: number; number: number }[],
): Promise<number> {
  if (seats.length > 0) {
    await sql`
      insert into provider.seat_links (seat_id, event_id, place_id)
      select seat.id, ${eventId}::bigint, place.place_id
        from unnest(${bareArray(seats.map((seat) => seat.id))}::bigint[], ${bareArray(seats.map((seat) => seat.row))}::integer[],
                    ${bareArray(seats.map((seat) => seat.number))}::integer[]) as seat (id, row_no, seat_no)
        join provider.places place on place.row_no = seat.row_no and place.seat_no = seat.seat_no
      on conflict (seat_id) do nothing`.execute(db);
  }
  const { count } = await db
    .selectFrom('provider.seat_links')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

export async function placesOfSeats(db: ProviderDb, seatIds: readonly number[]): Promise<Map<number, string>> {
  if (seatIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('provider.seat_links')
    .select(['seat_id', 'place_id'])
    .where('seat_id', 'in', [...seatIds])
    .execute();
  return new Map(rows.map((row) => [row.seat_id, row.place_id]));
}

export async function seatsOfPlaces(db: ProviderDb, eventId: number, placeIds: readonly string[]): Promise<number[]> {
  if (placeIds.length === 0) return [];
  const rows = await db
    .selectFrom('provider.seat_links')
    .select('seat_id')
    .where('event_id', '=', eventId)
    .where('place_id', 'in', [...placeIds])
    .execute();
  return rows.map((row) => row.seat_id);
}

export async function findBookingOrder(db: ProviderDb, bookingId: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('provider.booking_orders')
    .select('order_id')
    .where('booking_id', '=', bookingId)
    .executeTakeFirst();
  return row?.order_id;
}

/** Records a booking's order; false when the booking already has one (another caller won). */
export async function recordBookingOrder(
  db: ProviderDb,
  order: { bookingId: number; eventId: number; orderId: string },
): Promise<boolean> {
  const inserted = await db
    .insertInto('provider.booking_orders')
    .values({ booking_id: order.bookingId, event_id: order.eventId, order_id: order.orderId })
    .onConflict((conflict) => conflict.column('booking_id').doNothing())
    .returning('booking_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The booking's order is gone at the provider (unknown, or cancelled): forget it and its places. */
export async function forgetBookingOrder(db: ProviderDb, bookingId: number, orderId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('provider.order_places').where('order_id', '=', orderId).execute();
    await trx.deleteFrom('provider.booking_orders').where('booking_id', '=', bookingId).where('order_id', '=', orderId).execute();
  });
}

/** Notes a place asked into an order; `accepted` once the provider said 204 (never taken back). */
export async function addOrderPlace(db: ProviderDb, orderId: string, placeId: string, accepted = false): Promise<void> {
  await db
    .insertInto('provider.order_places')
    .values({ order_id: orderId, place_id: placeId, accepted })
    .onConflict((conflict) =>
      conflict
        .columns(['order_id', 'place_id'])
        .doUpdateSet({ accepted: sql<boolean>`provider.order_places.accepted or ${accepted}` }),
    )
    .execute();
}

export async function removeOrderPlace(db: ProviderDb, orderId: string, placeId: string): Promise<void> {
  await db.deleteFrom('provider.order_places').where('order_id', '=', orderId).where('place_id', '=', placeId).execute();
}

export async function placesOfOrder(db: ProviderDb, orderId: string): Promise<{ place_id: string; accepted: boolean }[]> {
  return db.selectFrom('provider.order_places').select(['place_id', 'accepted']).where('order_id', '=', orderId).execute();
}

export async function ordersOfPlace(db: ProviderDb, placeId: string): Promise<string[]> {
  const rows = await db.selectFrom('provider.order_places').select('order_id').where('place_id', '=', placeId).execute();
  return rows.map((row) => row.order_id);
}
