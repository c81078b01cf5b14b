import { sql, type Insertable, type Selectable } from 'kysely';
import type { RentalsDb, RentalsTrx } from './rentals.repository.ts';
import type { WatchStatus, WatchTable } from './rentals.tables.ts';

export type WatchRow = Selectable<WatchTable>;

/** Statuses of a watch still in play: it counts against the user's bound. */
export const ACTIVE_WATCH_STATUSES = ['WAITING', 'OFFERED'] as const satisfies readonly WatchStatus[];

export async function insertWatch(trx: RentalsTrx, values: Insertable<WatchTable>): Promise<WatchRow> {
  return trx.insertInto('rentals.watches').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function findWatch(db: RentalsDb, id: number): Promise<WatchRow | undefined> {
  return db.selectFrom('rentals.watches').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockWatch(trx: RentalsTrx, id: number): Promise<WatchRow | undefined> {
  return trx.selectFrom('rentals.watches').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function listUserWatches(db: RentalsDb, userId: number): Promise<WatchRow[]> {
  return db.selectFrom('rentals.watches').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(100).execute();
}

export async function countActiveWatches(db: RentalsDb, userId: number): Promise<number> {
  const row = await db
    .selectFrom('rentals.watches')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('user_id', '=', userId)
    .where('status', 'in', [...ACTIVE_WATCH_STATUSES])
    .executeTakeFirstOrThrow();
  return row.n;
}

/** The user's active watch of exactly this slot, if any (one per user and slot). */
export async function findActiveWatch(db: RentalsDb, userId: number, hallId: number, startsAt: Date, endsAt: Date) {
  return db
    .selectFrom('rentals.watches')
    .select('id')
    .where('user_id', '=', userId)
    .where('hall_id', '=', hallId)
    .where('starts_at', '=', startsAt)
    .where('ends_at', '=', endsAt)
    .where('status', 'in', [...ACTIVE_WATCH_STATUSES])
    .executeTakeFirst();
}

/**
 * The hall's waiting watches touching any of the freed ranges (all of them when none are given),
 * first come first: locked, skipping any another transaction holds (one being deleted).
 */
export async function lockWaitingWatches(
  trx: RentalsTrx,
  hallId: number,
  ranges: { from: Date; to: Date }[] | undefined,
  limit: number,
): Promise<WatchRow[]> {
  let query = trx.selectFrom('rentals.watches').selectAll().where('hall_id', '=', hallId).where('status', '=', 'WAITING');
  if (ranges) {
    query = query.where((eb) =>
      eb.or(ranges.map((range) => eb.and([eb('starts_at', '<', range.to), eb('ends_at', '>', range.from)]))),
    );
  }
  return query.orderBy('id').limit(limit).forUpdate().skipLocked().execute();
}

export async function markWatchOffered(trx: RentalsTrx, id: number, rentalId: number, expiresAt: Date): Promise<void> {
  await trx
    .updateTable('rentals.watches')
    .set({ status: 'OFFERED', rental_id: rentalId, offer_expires_at: expiresAt.toISOString() })
    .where('id', '=', id)
    .execute();
}

export async function closeWatch(trx: RentalsTrx, id: number, status: WatchStatus): Promise<void> {
  await trx
    .updateTable('rentals.watches')
    .set({ status, closed_at: sql<string>`statement_timestamp()` })
    .where('id', '=', id)
    .execute();
}

/** The offer's rental ended unpaid (expired, cancelled): the watch is done; the time goes to the next. */
export async function lapseOffers(trx: RentalsTrx, rentalIds: number[]): Promise<void> {
  if (rentalIds.length === 0) return;
  await trx
    .updateTable('rentals.watches')
    .set({ status: 'LAPSED', closed_at: sql<string>`statement_timestamp()` })
    .where('rental_id', 'in', rentalIds)
    .where('status', '=', 'OFFERED')
    .execute();
}

/** The offer's rental was paid (or confirmed offline). */
export async function markOfferClaimed(trx: RentalsTrx, rentalId: number): Promise<void> {
  await trx
    .updateTable('rentals.watches')
    .set({ status: 'CLAIMED', closed_at: sql<string>`statement_timestamp()` })
    .where('rental_id', '=', rentalId)
    .where('status', '=', 'OFFERED')
    .execute();
}

/** Waiting watches whose slot has started: dropped (the sweep), a batch at a time. */
export async function dropPassedWatches(db: RentalsDb, limit: number): Promise<number> {
  const rows = await db
    .updateTable('rentals.watches')
    .set({ status: 'DROPPED', closed_at: sql<string>`statement_timestamp()` })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('rentals.watches')
        .select('id')
        .where('status', '=', 'WAITING')
        .where('starts_at', '<=', sql<Date>`statement_timestamp()`)
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning('id')
    .execute();
  return rows.length;
}

/** Halls with waiting watches of slots still ahead (the periodic feeder's work list). */
export async function hallsWithWaitingWatches(db: RentalsDb, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('rentals.watches')
    .select('hall_id')
    .distinct()
    .where('status', '=', 'WAITING')
    .where('starts_at', '>', sql<Date>`statement_timestamp()`)
    .limit(limit)
    .execute();
  return rows.map((row) => row.hall_id);
}
