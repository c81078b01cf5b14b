import { sql, type Insertable, type Kysely, type Selectable, type Transaction, type Updateable } from 'kysely';
import type {
  ClosureTable,
  ExtraTable,
  HallTable,
  RentalAuditTable,
  RentalStatus,
  RentalsTables,
  RentalTable,
  TariffTable,
} from './rentals.tables.ts';

export type RentalsDb = Kysely<RentalsTables>;
export type RentalsTrx = Transaction<RentalsTables>;
export type HallRow = Selectable<HallTable>;
export type TariffRow = Selectable<TariffTable>;
export type ExtraRow = Selectable<ExtraTable>;
export type ClosureRow = Selectable<ClosureTable>;
export type RentalRow = Selectable<RentalTable>;

export function rentalsDb(db: Kysely<object>): RentalsDb {
  return db.$extendTables<RentalsTables>();
}

// Halls

export async function insertHall(db: RentalsDb, values: Insertable<HallTable>): Promise<HallRow> {
  return db.insertInto('rentals.halls').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateHall(db: RentalsDb, id: number, values: Updateable<HallTable>): Promise<HallRow | undefined> {
  return db
    .updateTable('rentals.halls')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function findHall(db: RentalsDb, id: number): Promise<HallRow | undefined> {
  return db.selectFrom('rentals.halls').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Takes the hall's row lock: rentals of one hall queue here, so holds are expired and stock counted in order. */
export async function lockHall(trx: RentalsTrx, id: number): Promise<HallRow | undefined> {
  return trx.selectFrom('rentals.halls').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function listHalls(db: RentalsDb, organizerId: number): Promise<HallRow[]> {
  return db.selectFrom('rentals.halls').selectAll().where('organizer_id', '=', organizerId).orderBy('id').limit(500).execute();
}

// Tariffs

export async function upsertTariff(db: RentalsDb, values: Insertable<TariffTable>): Promise<TariffRow> {
  return db
    .insertInto('rentals.tariffs')
    .values(values)
    .onConflict((conflict) =>
      conflict.column('hall_id').doUpdateSet({
        currency: values.currency,
        bands: values.bands,
        holidays: values.holidays,
        minimum_charge: values.minimum_charge,
        updated_at: sql<Date>`now()`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findTariff(db: RentalsDb, hallId: number): Promise<TariffRow | undefined> {
  return db.selectFrom('rentals.tariffs').selectAll().where('hall_id', '=', hallId).executeTakeFirst();
}

// Extras

export async function insertExtra(db: RentalsDb, values: Insertable<ExtraTable>): Promise<ExtraRow> {
  return db.insertInto('rentals.extras').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function listExtras(db: RentalsDb, organizerId: number): Promise<ExtraRow[]> {
  return db
    .selectFrom('rentals.extras')
    .selectAll()
    .where('organizer_id', '=', organizerId)
    .where('active', '=', true)
    .orderBy('id')
    .limit(500)
    .execute();
}

export async function findExtras(db: RentalsDb, organizerId: number, ids: number[]): Promise<ExtraRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('rentals.extras')
    .selectAll()
    .where('organizer_id', '=', organizerId)
    .where('active', '=', true)
    .where('id', 'in', ids)
    .orderBy('id')
    .execute();
}

/** An extra still offered (not archived), of any studio. */
export async function findActiveExtra(db: RentalsDb, extraId: number): Promise<ExtraRow | undefined> {
  return db.selectFrom('rentals.extras').selectAll().where('id', '=', extraId).where('active', '=', true).executeTakeFirst();
}

export async function updateExtra(db: RentalsDb, extraId: number, values: Updateable<ExtraTable>): Promise<ExtraRow | undefined> {
  if (Object.keys(values).length === 0) return findActiveExtra(db, extraId);
  return db
    .updateTable('rentals.extras')
    .set(values)
    .where('id', '=', extraId)
    .where('active', '=', true)
    .returningAll()
    .executeTakeFirst();
}

/** Marks an offered extra archived; false when it was not offered. */
export async function archiveExtra(db: RentalsDb, extraId: number): Promise<boolean> {
  const result = await db
    .updateTable('rentals.extras')
    .set({ active: false })
    .where('id', '=', extraId)
    .where('active', '=', true)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Locks the extras with a stock, in id order: two rentals asking for the same kits (in any halls)
 * then take the locks in one order and never deadlock, and the stock count after it is exact.
 */
export async function lockStockedExtras(trx: RentalsTrx, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .selectFrom('rentals.extras')
    .select('id')
    .where('id', 'in', ids)
    .where('stock', 'is not', null)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** The most of an extra out at any quarter hour of [startsAt, endsAt), counted over live rentals. */
export async function peakExtraUse(
  trx: RentalsTrx,
  extraId: number,
  startsAt: string,
  endsAt: string,
): Promise<{ at: Date; taken: number }> {
  const result = await sql<{ at: Date; taken: number }>`
    select q.at, (
      select coalesce(sum(re.quantity), 0)::int
      from rentals.rental_extras re
      join rentals.rentals r on r.id = re.rental_id
      where re.extra_id = ${extraId}
        and r.status in ('PENDING', 'CONFIRMED')
        and r.starts_at < q.at + interval '15 minutes'
        and r.ends_at > q.at
    ) as taken
    from generate_series(${startsAt}::timestamptz, ${endsAt}::timestamptz - interval '15 minutes', interval '15 minutes') as q (at)
    order by taken desc, q.at
    limit 1`.execute(trx);
  return result.rows[0] ?? { at: new Date(startsAt), taken: 0 };
}

// Closures

export async function insertClosure(db: RentalsDb, values: Insertable<ClosureTable>): Promise<ClosureRow> {
  return db.insertInto('rentals.closures').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function deleteClosure(db: RentalsDb, hallId: number, id: number): Promise<boolean> {
  const deleted = await db.deleteFrom('rentals.closures').where('hall_id', '=', hallId).where('id', '=', id).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

/** Closures of the hall touching the local dates [from, to]. */
export async function listClosures(db: RentalsDb, hallId: number, from: string, to: string): Promise<ClosureRow[]> {
  return db
    .selectFrom('rentals.closures')
    .selectAll()
    .where('hall_id', '=', hallId)
    .where('starts_on', '<=', to)
    .where('ends_on', '>=', from)
    .orderBy('starts_on')
    .limit(1000)
    .execute();
}

// Rentals

/** A rental's row with `holding`: whether it holds its time right now by the database clock. */
export type TimedRentalRow = RentalRow & { holding: boolean };

export async function insertRental(trx: RentalsTrx, values: Insertable<RentalTable>): Promise<RentalRow> {
  return trx.insertInto('rentals.rentals').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function insertRentalExtras(
  trx: RentalsTrx,
  rows: { rental_id: number; extra_id: number; quantity: number; amount: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await trx.insertInto('rentals.rental_extras').values(rows).execute();
}

export async function findRentalExtras(db: RentalsDb, rentalIds: number[]) {
  if (rentalIds.length === 0) return [];
  return db
    .selectFrom('rentals.rental_extras')
    .select(['rental_id', 'extra_id', 'quantity', 'amount'])
    .where('rental_id', 'in', rentalIds)
    .orderBy('rental_id')
    .orderBy('extra_id')
    .execute();
}

export async function findRental(db: RentalsDb, id: number): Promise<RentalRow | undefined> {
  return db.selectFrom('rentals.rentals').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockRental(trx: RentalsTrx, id: number): Promise<RentalRow | undefined> {
  return trx.selectFrom('rentals.rentals').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function listUserRentals(db: RentalsDb, userId: number): Promise<RentalRow[]> {
  return db
    .selectFrom('rentals.rentals')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', 'rental')
    .orderBy('starts_at', 'desc')
    .limit(500)
    .execute();
}

/**
 * Rentals and blocks of the hall whose time or buffer touches [from, to): the live ones, the
 * completed ones, and (for the team's list) the closed ones too when `includeClosed`.
 */
export async function listHallRentals(
  db: RentalsDb,
  hallId: number,
  from: Date,
  to: Date,
  options: { includeClosed: boolean },
): Promise<TimedRentalRow[]> {
  let query = db
    .selectFrom('rentals.rentals')
    .selectAll()
    .select(sql<boolean>`status = 'CONFIRMED' or (status = 'PENDING' and expires_at > statement_timestamp())`.as('holding'))
    .where('hall_id', '=', hallId)
    .where('starts_at', '<', to)
    .where('occupied_until', '>', from);
  if (!options.includeClosed) query = query.where('status', 'in', ['PENDING', 'CONFIRMED', 'COMPLETED']);
  return query.orderBy('starts_at').limit(10_000).execute();
}

/** Moves a rental from one of `from` to `to`; undefined when it is no longer in one of them. */
export async function transitionRental(
  trx: RentalsTrx,
  id: number,
  from: readonly RentalStatus[],
  to: RentalStatus,
  set: Updateable<RentalTable> = {},
  options: { unexpired?: boolean } = {},
): Promise<RentalRow | undefined> {
  let query = trx
    .updateTable('rentals.rentals')
    .set({ ...set, status: to })
    .where('id', '=', id)
    .where('status', 'in', [...from]);
  // A hold whose second has passed is gone even before the sweep marks it EXPIRED.
  if (options.unexpired)
    query = query.where((eb) => eb.or([eb('status', '<>', 'PENDING'), eb('expires_at', '>', sql<Date>`statement_timestamp()`)]));
  return query.returningAll().executeTakeFirst();
}

/**
 * Expires the holds whose second has passed, by the database clock, among those that stand in the
 * way of a new rental: the hall's own, and those holding one of the stocked extras asked for.
 */
export async function expirePassedHolds(trx: RentalsTrx, hallId: number, extraIds: number[]): Promise<RentalRow[]> {
  return trx
    .updateTable('rentals.rentals')
    .set({ status: 'EXPIRED', closed_at: sql<Date>`statement_timestamp()` })
    .where('status', '=', 'PENDING')
    .where('expires_at', '<=', sql<Date>`statement_timestamp()`)
    .where((eb) =>
      extraIds.length === 0
        ? eb('hall_id', '=', hallId)
        : eb.or([
            eb('hall_id', '=', hallId),
            eb('id', 'in', eb.selectFrom('rentals.rental_extras').select('rental_id').where('extra_id', 'in', extraIds)),
          ]),
    )
    .returningAll()
    .execute();
}

/** The halls with holds whose second has passed (the sweep expires them hall by hall). */
export async function hallsWithPassedHolds(db: RentalsDb, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('rentals.rentals')
    .select('hall_id')
    .distinct()
    .where('status', '=', 'PENDING')
    .where('expires_at', '<=', sql<Date>`statement_timestamp()`)
    .limit(limit)
    .execute();
  return rows.map((row) => row.hall_id);
}

/** Whether a live rental or block of the hall (a hold whose second passed counts as gone) touches [from, to). */
export async function slotHeld(db: RentalsDb, hallId: number, from: Date, to: Date): Promise<boolean> {
  const row = await db
    .selectFrom('rentals.rentals')
    .select('id')
    .where('hall_id', '=', hallId)
    .where('starts_at', '<', to)
    .where('occupied_until', '>', from)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'CONFIRMED'),
        eb.and([eb('status', '=', 'PENDING'), eb('expires_at', '>', sql<Date>`statement_timestamp()`)]),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Confirmed rentals and blocks whose end has passed become COMPLETED, a batch at a time. */
export async function completeEndedRentals(trx: RentalsTrx, limit: number): Promise<RentalRow[]> {
  return trx
    .updateTable('rentals.rentals')
    .set({ status: 'COMPLETED', closed_at: sql<Date>`statement_timestamp()` })
    .where('status', '=', 'CONFIRMED')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('rentals.rentals')
        .select('id')
        .where('status', '=', 'CONFIRMED')
        .where('ends_at', '<=', sql<Date>`statement_timestamp()`)
        .orderBy('ends_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
}

export async function insertAudit(trx: RentalsTrx, rows: Insertable<RentalAuditTable>[]): Promise<void> {
  if (rows.length === 0) return;
  await trx.insertInto('rentals.audit').values(rows).execute();
}

export async function listAudit(db: RentalsDb, rentalId: number) {
  return db
    .selectFrom('rentals.audit')
    .select(['from_status', 'to_status', 'actor_id', 'reason', 'at'])
    .where('rental_id', '=', rentalId)
    .orderBy('id')
    .execute();
}

/** The database clock, for rules judged by it (notice, horizon, refund policy). */
export async function databaseNow(db: RentalsDb): Promise<number> {
  const row = await sql<{ now: Date }>`select statement_timestamp() as now`.execute(db);
  const [first] = row.rows;
  if (!first) throw new Error('select statement_timestamp() returned no row');
  return first.now.getTime();
}
