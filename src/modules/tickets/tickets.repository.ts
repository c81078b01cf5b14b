import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { narrow } from '../../platform/db/narrow.ts';
import { prepared } from '../../platform/db/prepared.ts';
import type { CheckinTable, TicketStatus, TicketsTables, TicketTable } from './tickets.tables.ts';

export type TicketsDb = Kysely<TicketsTables>;
export type TicketRow = Selectable<TicketTable>;

export function ticketsDb(db: Kysely<object>): TicketsDb {
  return db.$extendTables<TicketsTables>();
}

export function asTickets(trx: Transaction<object>): Transaction<TicketsTables> {
  return narrow<TicketsTables>(trx);
}

/** Ticket ids come from the sequence first: the code signs the id, and the row stores the code. */
export async function nextTicketIds(trx: Transaction<TicketsTables>, count: number): Promise<number[]> {
  const result = await sql<{ id: number }>`
    select nextval(pg_get_serial_sequence('tickets.tickets', 'id'))::int8 as id from generate_series(1, ${count}::int)`.execute(
    trx,
  );
  return result.rows.map((row) => row.id);
}

/**
 * Inserts what is not there yet; a seat or unit of a booking already issued is skipped. Each kind
 * names its own conflict, so a seat that still has a live ticket of another booking is an error
 * (tickets_live_seat_idx), never silently skipped.
 */
export async function insertTickets(
  trx: Transaction<TicketsTables>,
  rows: Omit<
    TicketTable,
    'status' | 'code_version' | 'issued_at' | 'used_at' | 'used_gate' | 'used_scan_id' | 'cancelled_at' | 'cancel_reason'
  >[],
): Promise<number[]> {
  const seated = rows.filter((row) => row.seat_id !== null);
  const units = rows.filter((row) => row.seat_id === null);
  const inserted = [
    ...(seated.length === 0
      ? []
      : await trx
          .insertInto('tickets.tickets')
          .values(seated)
          .onConflict((conflict) => conflict.columns(['booking_id', 'seat_id']).where('seat_id', 'is not', null).doNothing())
          .returning('id')
          .execute()),
    ...(units.length === 0
      ? []
      : await trx
          .insertInto('tickets.tickets')
          .values(units)
          .onConflict((conflict) => conflict.columns(['booking_id', 'unit_no']).where('unit_no', 'is not', null).doNothing())
          .returning('id')
          .execute()),
  ];
  return inserted.map((row) => row.id);
}

/** Active tickets matching `where` become cancelled; returns them (id, booking, event). */
export async function cancelTickets(
  trx: Transaction<TicketsTables>,
  where: { bookingId?: number; eventId?: number; seatIds?: number[] },
  reason: string,
): Promise<{ id: number; booking_id: number; event_id: number }[]> {
  let query = trx
    .updateTable('tickets.tickets')
    .set({ status: 'cancelled', cancelled_at: sql<Date>`now()`, cancel_reason: reason })
    .where('status', '=', 'active');
  if (where.bookingId !== undefined) query = query.where('booking_id', '=', where.bookingId);
  if (where.eventId !== undefined) query = query.where('event_id', '=', where.eventId);
  if (where.seatIds !== undefined) query = query.where('seat_id', 'in', where.seatIds.length ? where.seatIds : [-1]);
  return query.returning(['id', 'booking_id', 'event_id']).execute();
}

export async function findTicket(db: TicketsDb, id: number): Promise<TicketRow | undefined> {
  return db.selectFrom('tickets.tickets').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listTicketsOfHolder(
  db: TicketsDb,
  holderUserId: number,
  filter: { eventId?: number; status?: TicketStatus; limit: number; offset: number },
): Promise<TicketRow[]> {
  let query = db.selectFrom('tickets.tickets').selectAll().where('holder_user_id', '=', holderUserId);
  if (filter.eventId !== undefined) query = query.where('event_id', '=', filter.eventId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  return query.orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
}

/**
 * active → used, exactly once: one conditional UPDATE. Concurrent scans of one ticket serialize on
 * its row; the losers re-check the condition after the winner commits and update nothing.
 */
export async function markUsed(
  trx: Transaction<TicketsTables>,
  claims: { ticketId: number; eventId: number; version: number },
  scan: { gate: string; scanId: string; at: Date | 'now' },
): Promise<TicketRow | undefined> {
  return (
    trx
      .updateTable('tickets.tickets')
      .set({
        status: 'used',
        used_at: scan.at === 'now' ? sql<Date>`now()` : sql<Date>`least(${scan.at}::timestamptz, now())`,
        used_gate: scan.gate,
        used_scan_id: scan.scanId,
      })
      .where('id', '=', claims.ticketId)
      // `+ 0` keeps the planner on the primary key: right after a burst of issuance, before the table
      // has statistics, it would otherwise pick (event_id, status) and scan every active ticket of
      // the event (7.7 ms instead of 0.1 ms at 60,000 tickets: a gate rush at 200/s instead of thousands).
      .where(sql<boolean>`event_id + 0 = ${claims.eventId}`)
      .where('code_version', '=', claims.version)
      .where('status', '=', 'active')
      .returningAll()
      .executeTakeFirst()
  );
}

const CHECK_IN = prepared<TicketRow>(
  'tickets_check_in',
  `with used as (
      update tickets.tickets set status = 'used', used_at = now(), used_gate = $4, used_scan_id = $5
      where id = $1 and event_id + 0 = $2 and code_version = $3 and status = 'active'
      returning *
    ), logged as (
      -- No ON CONFLICT: a scan id already recorded (for another ticket) fails the whole statement,
      -- so the ticket is not left used without its log row.
      insert into tickets.checkins (ticket_id, event_id, gate, scan_id, scanned_at, source, scanner_user_id, outcome, reason)
      select id, event_id, $4, $5, used_at, 'online', $6, 'accepted', null from used
    ), announced as (
      -- The outbox row addEvent would write (platform/bus/outbox.ts): ticket.checkin, its payload as
      -- the TicketCheckinPayload type has it, usedAt as JavaScript's toISOString writes it.
      insert into platform.outbox (type, aggregate_id, payload, request_id)
      select 'ticket.checkin', 'ticket:' || id,
        jsonb_build_object('ticketId', id, 'eventId', event_id, 'bookingId', booking_id, 'holderUserId', holder_user_id,
          'gate', used_gate, 'scanId', used_scan_id,
          'usedAt', to_char(used_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'source', 'online'),
        $7
      from used
    )
    select * from used`,
);

/**
 * An online scan in one statement: the ticket marked used if it is active (by its id, event and code
 * version), the check-in logged and ticket.checkin put in the outbox. Undefined when the ticket was
 * not active (used, cancelled, unknown: the caller reads it to say which). A scan id already
 * recorded fails the statement with the unique violation (isScanIdTaken).
 */
export async function checkInOnline(
  db: TicketsDb,
  claims: { ticketId: number; eventId: number; version: number },
  scan: { gate: string; scanId: string; scannerUserId: number; requestId: string | undefined },
): Promise<TicketRow | undefined> {
  const result = await CHECK_IN.execute<TicketsTables>(db, [
    claims.ticketId,
    claims.eventId,
    claims.version,
    scan.gate,
    scan.scanId,
    scan.scannerUserId,
    scan.requestId ?? null,
  ]);
  return result.rows[0];
}

/** The error checkInOnline fails with when the scan id is already recorded. */
export function isScanIdTaken(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === '23505' &&
    (error as { constraint?: unknown }).constraint === 'checkins_scan_id_key'
  );
}

/** Records a scan once per scan id; false when that scan id is already recorded. */
export async function insertCheckin(
  trx: Transaction<TicketsTables>,
  row: Omit<CheckinTable, 'id' | 'recorded_at'>,
): Promise<boolean> {
  const inserted = await trx
    .insertInto('tickets.checkins')
    .values(row)
    .onConflict((conflict) => conflict.column('scan_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findCheckinByScanId(db: TicketsDb, scanId: string) {
  return db.selectFrom('tickets.checkins').selectAll().where('scan_id', '=', scanId).executeTakeFirst();
}

export async function ticketCounts(db: TicketsDb, eventId: number): Promise<Record<TicketStatus, number>> {
  const rows = await db
    .selectFrom('tickets.tickets')
    .select(['status', sql<number>`count(*)::int`.as('count')])
    .where('event_id', '=', eventId)
    .groupBy('status')
    .execute();
  const counts: Record<TicketStatus, number> = { active: 0, used: 0, cancelled: 0 };
  for (const row of rows) counts[row.status] = row.count;
  return counts;
}

export async function revokedTickets(db: TicketsDb, eventId: number) {
  return db
    .selectFrom('tickets.tickets')
    .select(['id', 'code', 'cancelled_at'])
    .where('event_id', '=', eventId)
    .where('status', '=', 'cancelled')
    .orderBy('id')
    .execute();
}

export async function usedTickets(db: TicketsDb, eventId: number) {
  return db
    .selectFrom('tickets.tickets')
    .select(['id', 'used_at', 'used_gate', 'used_scan_id'])
    .where('event_id', '=', eventId)
    .where('status', '=', 'used')
    .orderBy('id')
    .execute();
}

export async function checkinsPerGate(db: TicketsDb, eventId: number) {
  return db
    .selectFrom('tickets.checkins')
    .select(['gate', sql<number>`count(*) filter (where outcome = 'accepted')::int`.as('checked_in')])
    .select(sql<number>`count(*) filter (where outcome = 'conflict')::int`.as('conflicts'))
    .where('event_id', '=', eventId)
    .groupBy('gate')
    .orderBy('gate')
    .execute();
}

export async function checkinsOverTime(db: TicketsDb, eventId: number, bucketMinutes: number) {
  const bucket = sql<Date>`date_bin(make_interval(mins => ${bucketMinutes}::int), scanned_at, timestamptz '2000-01-01')`;
  return (
    db
      .selectFrom('tickets.checkins')
      .select([bucket.as('bucket_start'), sql<number>`count(*)::int`.as('checked_in')])
      .where('event_id', '=', eventId)
      .where('outcome', '=', 'accepted')
      // By position: the bucket expression carries a parameter, so repeating it would not match.
      .groupBy(sql`1`)
      .orderBy(sql`1`)
      .execute()
  );
}
