import { sql, type Kysely, type Transaction } from 'kysely';
import { prepared } from '../../platform/db/prepared.ts';
import type { SalesTables, SeatStatus } from './sales.tables.ts';

export type SalesDb = Kysely<SalesTables>;

export function salesDb(db: Kysely<object>): SalesDb {
  return db.$extendTables<SalesTables>();
}

export interface ZoneLayout {
  name: string;
  price: number;
  currency: string;
  rows: number;
  seatsPerRow: number;
}

/** Lays out zones in order, row after row; one statement per zone (generate_series). */
export async function insertLayout(
  trx: Transaction<SalesTables>,
  eventId: number,
  zones: ZoneLayout[],
  firstSeatId?: number,
): Promise<number> {
  let row = 1;
  let nextId = firstSeatId;
  for (const zone of zones) {
    const { id: zoneId } = await trx
      .insertInto('sales.zones')
      .values({ event_id: eventId, name: zone.name, price: zone.price, currency: zone.currency })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Fixed ids (the HackLoad seats are 1..100000) or the sequence's.
    const columns = nextId === undefined ? sql`` : sql`id, `;
    const ids = nextId === undefined ? sql`` : sql`${nextId - 1}::bigint + (r - ${row}) * ${zone.seatsPerRow} + n, `;
    await sql`
      insert into sales.seats (${columns}event_id, zone_id, row, number, price)
      select ${ids}${eventId}::bigint, ${zoneId}::bigint, r, n, ${zone.price}::bigint
      from generate_series(${row}::int, ${row + zone.rows - 1}::int) as r, generate_series(1, ${zone.seatsPerRow}::int) as n
      order by r, n`.execute(trx);
    if (nextId !== undefined) nextId += zone.rows * zone.seatsPerRow;
    row += zone.rows;
  }
  // Fixed ids do not move the sequence: move it past them, or the next layout collides with them.
  if (firstSeatId !== undefined) {
    await sql`select setval(pg_get_serial_sequence('sales.seats', 'id'), (select max(id) from sales.seats))`.execute(trx);
  }
  return row - 1;
}

export async function eventHasSeats(db: SalesDb, eventId: number): Promise<boolean> {
  const row = await db.selectFrom('sales.seats').select('id').where('event_id', '=', eventId).limit(1).executeTakeFirst();
  return row !== undefined;
}

export interface SeatListing {
  id: number;
  row: number;
  number: number;
  status: SeatStatus;
  price: number;
  zone_id: number;
}

/**
 * A reserved seat whose hold has passed is FREE to everyone from that second, before any sweep:
 * this is the status every reader sees.
 */
const effectiveStatus = sql<SeatStatus>`case when status = 'RESERVED' and held_until <= now() then 'FREE' else status end`;

export async function listSeats(
  db: SalesDb,
  filter: { eventId: number; status?: SeatStatus; row?: number; zoneId?: number; page: number; pageSize: number },
): Promise<SeatListing[]> {
  let query = db
    .selectFrom('sales.seats')
    .select(['id', 'row', 'number', 'price', 'zone_id', effectiveStatus.as('status')])
    .where('event_id', '=', filter.eventId);
  if (filter.row !== undefined) query = query.where('row', '=', filter.row);
  if (filter.zoneId !== undefined) query = query.where('zone_id', '=', filter.zoneId);
  if (filter.status === 'FREE') query = query.where('status', '=', 'FREE');
  if (filter.status === 'RESERVED') query = query.where('status', '=', 'RESERVED').where('held_until', '>', sql<Date>`now()`);
  if (filter.status === 'SOLD') query = query.where('status', '=', 'SOLD');
  return query
    .orderBy('row')
    .orderBy('number')
    .limit(filter.pageSize)
    .offset((filter.page - 1) * filter.pageSize)
    .execute();
}

export interface SeatMapRow {
  row: number;
  zone_id: number;
  /** Seat ids of the row in seat-number order: [first, last] when they run without gaps. */
  first_id: number;
  last_id: number;
  /** Every id, only when the row's ids do not run without gaps. */
  ids: number[] | null;
  /** One character per seat in number order: F free, R reserved (hold not passed), S sold, N not sold here (withheld by an allotment). */
  status: string;
}

export interface SeatMapZone {
  id: number;
  name: string;
  price: number;
  currency: string;
  from_row: number;
  to_row: number;
  seats_per_row: number;
}

/** Zones of a seated event with the rows they span, in hall order. */
export async function seatMapZones(db: SalesDb, eventId: number): Promise<SeatMapZone[]> {
  const result = await sql<SeatMapZone>`
    select z.id::int as id, z.name, z.price, z.currency,
      min(s.row)::int as from_row, max(s.row)::int as to_row, max(s.number)::int as seats_per_row
    from sales.zones z join sales.seats s on s.zone_id = z.id
    where z.event_id = ${eventId}
    group by z.id
    order by min(s.row)`.execute(db);
  return result.rows;
}

/**
 * The seat map of rows `fromRow..toRow` in one statement, a row per line and a character per seat
 * (100,000 seats are about 100 kB): what a hall drawing polls.
 */
export async function seatMapRows(db: SalesDb, eventId: number, fromRow: number, toRow: number): Promise<SeatMapRow[]> {
  const result = await sql<SeatMapRow>`
    select row, min(zone_id)::int as zone_id, min(id)::int as first_id, max(id)::int as last_id,
      case when max(id) - min(id) + 1 = count(*) then null else array_agg(id::int order by number) end as ids,
      string_agg(case when status = 'SOLD' and booking_id is null then 'N' when status = 'SOLD' then 'S' when status = 'RESERVED' and held_until > now() then 'R' else 'F' end,
        '' order by number) as status
    from sales.seats
    where event_id = ${eventId} and row between ${fromRow}::int and ${toRow}::int
    group by row
    order by row`.execute(db);
  return result.rows;
}

/**
 * suggestFreeSeats' statement ($1 event, $2 row and $3 number of the start, $4 seats). One statement
 * (the listing is HackLoad's hot read): seats from the start to the end of the hall, then wrapping
 * round from its beginning. Each branch walks the partial index of free seats. Exported so the
 * benchmark's raw-database baseline runs exactly this text.
 */
export const SUGGEST_FREE_SEATS = prepared<SeatListing>(
  'sales_suggest_free_seats',
  `select id, row, number, price, zone_id, 'FREE' as status from (
      (select id, row, number, price, zone_id, 0 as lap from sales.seats
        where event_id = $1 and status = 'FREE' and (row, number) >= ($2::int, $3::int)
        order by row, number limit $4)
      union all
      (select id, row, number, price, zone_id, 1 as lap from sales.seats
        where event_id = $1 and status = 'FREE' and (row, number) < ($2::int, $3::int)
        order by row, number limit $4)
    ) as free
    order by lap, row, number
    limit $4`,
);

/**
 * Free seats starting at a random place in the hall, wrapping around: concurrent buyers asking
 * for "some free seats" get different ones and rarely collide. Every seat returned is free now.
 */
export async function suggestFreeSeats(
  db: SalesDb,
  eventId: number,
  count: number,
  start: { row: number; number: number },
): Promise<SeatListing[]> {
  const result = await SUGGEST_FREE_SEATS.execute(db, [eventId, start.row, start.number, count]);
  return result.rows;
}

export async function hallSize(db: SalesDb, eventId: number): Promise<{ rows: number; seatsPerRow: number } | undefined> {
  const row = await db
    .selectFrom('sales.seats')
    .select([sql<number>`max(row)`.as('rows'), sql<number>`max(number)`.as('seats')])
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row?.rows ? { rows: row.rows, seatsPerRow: row.seats } : undefined;
}

/**
 * Seats and general-admission units a user holds (unexpired) or owns for an event, over all their
 * bookings: what the per-user cap counts (the function is in migration 20261124T1400).
 */
export async function ticketsOfUser(db: SalesDb, userId: number, eventId: number): Promise<number> {
  const row = await db
    .selectNoFrom(sql<string>`sales.tickets_of_user(${userId}, ${eventId})`.as('tickets'))
    .executeTakeFirstOrThrow();
  return Number(row.tickets);
}

export interface SeatTake {
  bookingId: number;
  userId: number;
  seatId: number;
  /** Seats per booking at most. */
  maxSeats: number;
  /** Seats and units per user per event at most; null: no cap. */
  maxPerUser: number | null;
}

/**
 * takeSeats' statement, over five parallel arrays (booking, user, seat, seats per booking, per-user
 * cap). Exported so the benchmark's raw-database baseline runs exactly this text.
 */
export const TAKE_SEATS = prepared<{ id: number }>(
  'sales_take_seats',
  `with booking as (
      select b.id, b.user_id, b.event_id, b.expires_at, take.seat_id, take.max_seats, take.max_per_user
      from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::int[])
        as take(booking_id, user_id, seat_id, max_seats, max_per_user)
      cross join lateral (
        select id, user_id, event_id, expires_at, status, ticket_type_id from sales.bookings
        where id = take.booking_id and user_id = take.user_id
        limit 1
        for update
      ) as b
      where b.status = 'CREATED' and b.expires_at > now() and b.ticket_type_id is null
    )
    update sales.seats as seat
    set status = 'RESERVED', booking_id = booking.id, held_until = booking.expires_at
    from booking
    where seat.id = booking.seat_id and seat.event_id = booking.event_id
      and (seat.status = 'FREE' or (seat.status = 'RESERVED' and seat.held_until <= now()))
      and sales.seats_in_booking(booking.id) < booking.max_seats
      and (booking.max_per_user is null or sales.tickets_of_user(booking.user_id, booking.event_id) < booking.max_per_user)
    returning seat.id`,
);

/**
 * Puts seats into open bookings, in one statement, and answers for each whether it was taken. A
 * booking must be the caller's, open and unexpired (its row is locked, so a concurrent cancel or
 * another select into the same booking waits), under the seat limit, and the seat free — or held by
 * a hold that has passed. Of any number of concurrent callers for one seat, exactly one gets it.
 * The limits are counted by volatile functions, which see what was committed while this statement
 * waited for its locks. Whether they also see this statement's own earlier rows depends on the
 * plan, so a call carries at most one take per booking, per seat, and per user when the user has a
 * cap (the Batcher's keys see to it; a transaction takes its seats one call at a time).
 */
export async function takeSeats(db: SalesDb, takes: SeatTake[]): Promise<boolean[]> {
  // Rows are locked in seat-id order: the bookings as the LATERAL lookups run, then the seats as the
  // update walks the takes. Two groups racing for the same seats (from two processes), or a group
  // and a booking created with seats (which takes them in id order too), then never wait for each
  // other in a cycle. Bookings are another user's only rarely; a deadlock there fails one group,
  // whose selects the Batcher then runs alone.
  const ordered = [...takes].sort((a, b) => a.seatId - b.seatId);
  const column = <T>(pick: (take: SeatTake) => T) => ordered.map(pick);
  // Each booking is locked by its key inside a LATERAL subquery, and only then checked (open,
  // unexpired: on the version the lock returned). The subquery keeps the plan pinned: FOR UPDATE
  // stops the planner merging it into a join, and LIMIT stops it pushing the status and expiry
  // checks inside, where the partial index of open bookings by expiry looked cheaper whenever the
  // statistics lagged behind the bookings just opened — and then every take scanned all open
  // bookings (60–80 ms a statement instead of 1–4; it also halved the raw baseline).
  const result = await TAKE_SEATS.execute(db, [
    column((t) => t.bookingId),
    column((t) => t.userId),
    column((t) => t.seatId),
    column((t) => t.maxSeats),
    column((t) => t.maxPerUser),
  ]);
  const taken = new Set(result.rows.map((row) => row.id));
  return takes.map((take) => taken.has(take.seatId));
}

/**
 * Puts `count` free seats (the front-most: lowest row, then number) into a booking, all or none:
 * a waitlist offer for a seated event. Seats another transaction is taking are skipped.
 */
export async function takeFreeSeats(
  trx: Transaction<SalesTables>,
  input: { eventId: number; bookingId: number; count: number; heldUntil: Date },
): Promise<number> {
  const result = await sql<{ id: number }>`
    with picked as (
      select id from sales.seats
      where event_id = ${input.eventId}
        and (status = 'FREE' or (status = 'RESERVED' and held_until <= now()))
      order by row, number
      limit ${input.count}
      for update skip locked
    )
    update sales.seats as seat
    set status = 'RESERVED', booking_id = ${input.bookingId}, held_until = ${input.heldUntil}
    from picked
    where seat.id = picked.id and (select count(*) from picked) = ${input.count}
    returning seat.id`.execute(trx);
  return result.rows.length;
}

export async function findSeat(db: SalesDb, seatId: number) {
  return db
    .selectFrom('sales.seats')
    .leftJoin('sales.bookings', 'sales.bookings.id', 'sales.seats.booking_id')
    .select([
      'sales.seats.id',
      'sales.seats.event_id',
      'sales.seats.status',
      'sales.seats.booking_id',
      sql<boolean>`sales.seats.status = 'RESERVED' and sales.seats.held_until <= now()`.as('hold_passed'),
      'sales.bookings.user_id',
      'sales.bookings.status as booking_status',
    ])
    .where('sales.seats.id', '=', seatId)
    .executeTakeFirst();
}

/** Takes a seat out of the caller's open booking; returns the seat's event, or undefined when it was not theirs to release. */
export async function releaseSeat(
  db: SalesDb,
  input: { seatId: number; userId: number; bookingId?: number },
): Promise<number | undefined> {
  const result = await sql<{ event_id: number }>`
    update sales.seats as seat
    set status = 'FREE', booking_id = null, held_until = null
    from sales.bookings as booking
    where seat.id = ${input.seatId} and seat.status = 'RESERVED' and seat.booking_id = booking.id
      and booking.user_id = ${input.userId} and booking.status = 'CREATED'
      ${input.bookingId === undefined ? sql`` : sql`and booking.id = ${input.bookingId}`}
    returning seat.event_id`.execute(db);
  return result.rows[0]?.event_id;
}

export async function seatsOfBookings(db: SalesDb, bookingIds: number[]) {
  if (bookingIds.length === 0) return [];
  return db
    .selectFrom('sales.seats')
    .select(['id', 'booking_id', 'row', 'number', 'price', 'zone_id'])
    .where('booking_id', 'in', bookingIds)
    .where((eb) => eb.or([eb('status', '=', 'SOLD'), eb('held_until', '>', sql<Date>`now()`)]))
    .orderBy('row')
    .orderBy('number')
    .execute();
}

export async function freeSeatsOfBooking(trx: Transaction<SalesTables>, bookingId: number): Promise<number> {
  const result = await trx
    .updateTable('sales.seats')
    .set({ status: 'FREE', booking_id: null, held_until: null })
    .where('booking_id', '=', bookingId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function extendSeatHolds(trx: Transaction<SalesTables>, bookingId: number, until: Date): Promise<void> {
  await trx
    .updateTable('sales.seats')
    .set({ held_until: until })
    .where('booking_id', '=', bookingId)
    .where('status', '=', 'RESERVED')
    .execute();
}

export async function sellSeatsOfBooking(trx: Transaction<SalesTables>, bookingId: number): Promise<number> {
  const result = await trx
    .updateTable('sales.seats')
    .set({ status: 'SOLD', held_until: null })
    .where('booking_id', '=', bookingId)
    .where('status', '=', 'RESERVED')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Tidies holds that have passed (readers already treat them as free); returns how many. */
export async function freeExpiredSeatHolds(db: SalesDb, limit: number): Promise<number> {
  const result = await sql`
    update sales.seats set status = 'FREE', booking_id = null, held_until = null
    where id in (select id from sales.seats where status = 'RESERVED' and held_until <= now() limit ${limit} for update skip locked)`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0);
}

export async function seatCounts(db: SalesDb, eventId: number) {
  return sql<{ zone_id: number; zone: string; status: SeatStatus; seats: number; amount: number }>`
    select seat.zone_id, zone.name as zone, ${effectiveStatus} as status, count(*)::int as seats, coalesce(sum(seat.price), 0)::bigint as amount
    from sales.seats seat join sales.zones zone on zone.id = seat.zone_id
    where seat.event_id = ${eventId}
    group by 1, 2, 3 order by 1`
    .execute(db)
    .then((result) => result.rows);
}

/**
 * A late payment takes its seats again: all of them (locked) must be free, passed holds, or still
 * this booking's; then they are SOLD to it. Returns false, changing nothing, if any is gone.
 */
export async function retakeSeatsAsSold(trx: Transaction<SalesTables>, bookingId: number, seatIds: number[]): Promise<boolean> {
  if (seatIds.length === 0) return true;
  const free = await sql<{ id: number }>`
    select id from sales.seats
    where id in (${sql.join(seatIds)})
      and (status = 'FREE' or (status = 'RESERVED' and (held_until <= now() or booking_id = ${bookingId})))
    for update`.execute(trx);
  if (free.rows.length !== new Set(seatIds).size) return false;
  await trx
    .updateTable('sales.seats')
    .set({ status: 'SOLD', booking_id: bookingId, held_until: null })
    .where('id', 'in', seatIds)
    .execute();
  return true;
}

/** Seats of a paid booking given back (a partial refund): SOLD → FREE; returns them with prices. */
export async function returnSoldSeats(trx: Transaction<SalesTables>, bookingId: number, seatIds: number[]) {
  return trx
    .updateTable('sales.seats')
    .set({ status: 'FREE', booking_id: null, held_until: null })
    .where('booking_id', '=', bookingId)
    .where('status', '=', 'SOLD')
    .where('id', 'in', seatIds)
    .returning(['id', 'price'])
    .execute();
}

/** Row, number and zone of seats, for what a ticket prints. */
export async function describeSeats(db: SalesDb, seatIds: number[]) {
  if (seatIds.length === 0) return [];
  return db
    .selectFrom('sales.seats')
    .innerJoin('sales.zones', 'sales.zones.id', 'sales.seats.zone_id')
    .select(['sales.seats.id', 'sales.seats.row', 'sales.seats.number', 'sales.zones.name as zone'])
    .where('sales.seats.id', 'in', seatIds)
    .execute();
}

/** Every seat of the event free and in no booking (HackLoad's reset). */
export async function freeAllSeatsOfEvent(trx: Transaction<SalesTables>, eventId: number): Promise<void> {
  await trx
    .updateTable('sales.seats')
    .set({ status: 'FREE', booking_id: null, held_until: null })
    .where('event_id', '=', eventId)
    // Seats withheld by an allotment (SOLD, no booking) stay the venue's.
    .where((eb) => eb.or([eb('status', '<>', 'SOLD'), eb('booking_id', 'is not', null)]))
    .execute();
}
