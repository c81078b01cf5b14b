import { sql, type Selectable, type Transaction } from 'kysely';
import type { SalesTables, WaitlistEntryTable, WaitlistStatus } from './sales.tables.ts';
import type { SalesDb } from './seats.repository.ts';

export type WaitlistEntryRow = Selectable<WaitlistEntryTable>;

/** The queue an entry stands in: a ticket type, or (null) the seats of a seated event. */
export interface Queue {
  eventId: number;
  ticketTypeId: number | null;
}

const sameQueue = (queue: Queue) =>
  queue.ticketTypeId === null ? sql<boolean>`ticket_type_id is null` : sql<boolean>`ticket_type_id = ${queue.ticketTypeId}`;

/** Joins a queue; undefined when the user already has a live place in it (the partial unique index). */
export async function insertEntry(
  db: SalesDb,
  entry: Queue & { userId: number; quantity: number },
): Promise<WaitlistEntryRow | undefined> {
  return db
    .insertInto('sales.waitlist_entries')
    .values({ event_id: entry.eventId, ticket_type_id: entry.ticketTypeId, user_id: entry.userId, quantity: entry.quantity })
    .onConflict((conflict) =>
      conflict
        .expression(sql`event_id, coalesce(ticket_type_id, 0), user_id`)
        .where('status', 'in', ['WAITING', 'OFFERED'])
        .doNothing(),
    )
    .returningAll()
    .executeTakeFirst();
}

export async function findLiveEntry(db: SalesDb, queue: Queue, userId: number): Promise<WaitlistEntryRow | undefined> {
  return db
    .selectFrom('sales.waitlist_entries')
    .selectAll()
    .where('event_id', '=', queue.eventId)
    .where(sameQueue(queue))
    .where('user_id', '=', userId)
    .where('status', 'in', ['WAITING', 'OFFERED'])
    .executeTakeFirst();
}

export async function findEntry(db: SalesDb, id: number): Promise<WaitlistEntryRow | undefined> {
  return db.selectFrom('sales.waitlist_entries').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockEntry(trx: Transaction<SalesTables>, id: number): Promise<WaitlistEntryRow | undefined> {
  return trx.selectFrom('sales.waitlist_entries').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * The head of a queue, locked; entries another transaction is offering to are skipped, so two
 * feeders never offer the same place twice.
 */
export async function lockHead(trx: Transaction<SalesTables>, queue: Queue): Promise<WaitlistEntryRow | undefined> {
  return trx
    .selectFrom('sales.waitlist_entries')
    .selectAll()
    .where('event_id', '=', queue.eventId)
    .where(sql<boolean>`coalesce(ticket_type_id, 0) = ${queue.ticketTypeId ?? 0}`)
    .where('status', '=', 'WAITING')
    .orderBy('priority', 'desc')
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

/** Whether anyone waits in the queue (cheap: the queue index). */
export async function anyoneWaiting(db: SalesDb, queue: Queue): Promise<boolean> {
  const row = await db
    .selectFrom('sales.waitlist_entries')
    .select('id')
    .where('event_id', '=', queue.eventId)
    .where(sql<boolean>`coalesce(ticket_type_id, 0) = ${queue.ticketTypeId ?? 0}`)
    .where('status', '=', 'WAITING')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Queues with somebody waiting, for the periodic feeder. */
export async function waitingQueues(db: SalesDb, limit: number): Promise<Queue[]> {
  const rows = await db
    .selectFrom('sales.waitlist_entries')
    .select(['event_id', 'ticket_type_id'])
    .where('status', '=', 'WAITING')
    .groupBy(['event_id', 'ticket_type_id'])
    .limit(limit)
    .execute();
  return rows.map((row) => ({ eventId: row.event_id, ticketTypeId: row.ticket_type_id }));
}

/** Places ahead of a waiting entry, plus one. */
export async function positionOf(db: SalesDb, entry: WaitlistEntryRow): Promise<number> {
  const row = await db
    .selectFrom('sales.waitlist_entries')
    .select(sql<number>`count(*)::int + 1`.as('position'))
    .where('event_id', '=', entry.event_id)
    .where(sql<boolean>`coalesce(ticket_type_id, 0) = ${entry.ticket_type_id ?? 0}`)
    .where('status', '=', 'WAITING')
    .where((eb) =>
      eb.or([eb('priority', '>', entry.priority), eb.and([eb('priority', '=', entry.priority), eb('id', '<', entry.id)])]),
    )
    .executeTakeFirstOrThrow();
  return row.position;
}

export async function markOffered(
  trx: Transaction<SalesTables>,
  id: number,
  offer: { bookingId: number; expiresAt: Date },
): Promise<WaitlistEntryRow> {
  return trx
    .updateTable('sales.waitlist_entries')
    .set({
      status: 'OFFERED',
      booking_id: offer.bookingId,
      offered_at: sql<Date>`now()`,
      offer_expires_at: offer.expiresAt,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The offer made through `bookingId` ended: CLAIMED when paid, LAPSED when it expired or was cancelled. */
export async function settleOffer(
  trx: Transaction<SalesTables>,
  bookingId: number,
  status: 'CLAIMED' | 'LAPSED',
): Promise<WaitlistEntryRow | undefined> {
  return trx
    .updateTable('sales.waitlist_entries')
    .set({ status, updated_at: sql<Date>`now()` })
    .where('booking_id', '=', bookingId)
    .where('status', '=', 'OFFERED')
    .returningAll()
    .executeTakeFirst();
}

export async function setEntryStatus(trx: SalesDb, id: number, status: WaitlistStatus): Promise<void> {
  await trx
    .updateTable('sales.waitlist_entries')
    .set({ status, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function setPriority(db: SalesDb, id: number, priority: number): Promise<WaitlistEntryRow | undefined> {
  return db
    .updateTable('sales.waitlist_entries')
    .set({ priority, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** The event was cancelled: nobody waits any longer (offers are ended with their bookings). */
export async function cancelWaitingOfEvent(trx: Transaction<SalesTables>, eventId: number): Promise<void> {
  await trx
    .updateTable('sales.waitlist_entries')
    .set({ status: 'CANCELLED', updated_at: sql<Date>`now()` })
    .where('event_id', '=', eventId)
    .where('status', '=', 'WAITING')
    .execute();
}

export async function listEntriesOfUser(db: SalesDb, userId: number, limit: number): Promise<WaitlistEntryRow[]> {
  return db
    .selectFrom('sales.waitlist_entries')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function listEntriesOfEvent(
  db: SalesDb,
  eventId: number,
  filter: { status?: WaitlistStatus; limit: number; offset: number },
): Promise<WaitlistEntryRow[]> {
  let query = db.selectFrom('sales.waitlist_entries').selectAll().where('event_id', '=', eventId);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.orderBy('priority', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset).execute();
}

/** Everyone who waited for the event when it was cancelled, or still waits (notifications tell them). */
export async function waitingUsersOfEvent(db: SalesDb, eventId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('sales.waitlist_entries')
    .select('user_id')
    .distinct()
    .where('event_id', '=', eventId)
    .where('status', 'in', ['WAITING', 'OFFERED', 'CANCELLED'])
    .orderBy('user_id')
    .execute();
  return rows.map((row) => row.user_id);
}
