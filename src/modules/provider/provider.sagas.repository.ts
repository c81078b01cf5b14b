import { sql } from 'kysely';
import type { ProviderDb } from './provider.repository.ts';
import type { SagaGoal, SagaState } from './provider.tables.ts';

/** The order sagas' table: one row per booking, its goal, where it stands, and who holds it now. */

export interface SagaRow {
  booking_id: number;
  event_id: number;
  goal: SagaGoal;
  state: SagaState;
  seat_ids: number[];
  attempts: number;
  next_run_at: Date;
  outcome: string | null;
  last_error: string | null;
  parked_reason: string | null;
  progressed_at: Date;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const COLUMNS = [
  'booking_id',
  'event_id',
  'goal',
  'state',
  'seat_ids',
  'attempts',
  'next_run_at',
  'outcome',
  'last_error',
  'parked_reason',
  'progressed_at',
  'created_at',
  'updated_at',
  'finished_at',
] as const;

/** bigint[] comes back as strings (only int8 itself has a parser): seat ids as numbers. */
function withNumericSeats<T extends { seat_ids: unknown[] }>(row: T): T {
  return { ...row, seat_ids: row.seat_ids.map(Number) };
}

/**
 * Gives a booking's saga a goal (in the caller's transaction: the bus consumer's). The same goal
 * again changes nothing (a redelivered event must not wake a parked or finished saga); a new goal
 * (a refund after the confirmation) starts it afresh, taking it from whoever held it.
 */
export async function setSagaGoal(
  db: ProviderDb,
  saga: { bookingId: number; eventId: number; goal: SagaGoal; seatIds: readonly number[] },
): Promise<void> {
  await sql`
    insert into provider.sagas (booking_id, event_id, goal, seat_ids)
    values (${saga.bookingId}, ${saga.eventId}, ${saga.goal}, ${`{${saga.seatIds.join(',')}}`}::bigint[])
    on conflict (booking_id) do update
      set goal = excluded.goal, state = 'pending', attempts = 0, next_run_at = now(), lease_until = null, leased_by = null,
          parked_reason = null, last_error = null, outcome = null, progressed_at = now(), updated_at = now(), finished_at = null,
          seat_ids = case when excluded.goal = 'confirm' then excluded.seat_ids else provider.sagas.seat_ids end
      where provider.sagas.goal <> excluded.goal`.execute(db);
}

/** Takes up to `limit` due sagas for `leaseMs` (skipping those another process holds). */
export async function claimDueSagas(db: ProviderDb, claim: { limit: number; leaseMs: number; by: string }): Promise<SagaRow[]> {
  const result = await sql<SagaRow>`
    update provider.sagas set lease_until = now() + make_interval(secs => ${claim.leaseMs / 1000}), leased_by = ${claim.by}
    where booking_id in (
      select booking_id from provider.sagas
      where state = 'pending' and next_run_at <= now() and (lease_until is null or lease_until < now())
      order by next_run_at
      limit ${claim.limit}
      for update skip locked)
    returning ${sql.join(COLUMNS.map((column) => sql.ref(column)))}`.execute(db);
  return result.rows.map(withNumericSeats);
}

/** Only the holder of the lease, and only for the goal it drove, records what came of it. */
function held(db: ProviderDb, saga: { booking_id: number; goal: SagaGoal }, by: string) {
  return db
    .updateTable('provider.sagas')
    .where('booking_id', '=', saga.booking_id)
    .where('goal', '=', saga.goal)
    .where('leased_by', '=', by);
}

export async function finishSaga(db: ProviderDb, saga: SagaRow, by: string, outcome: string): Promise<void> {
  await held(db, saga, by)
    .set({
      state: 'done',
      outcome,
      last_error: null,
      lease_until: null,
      leased_by: null,
      finished_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
    })
    .execute();
}

/** Tries again after `delayMs`; parked instead when it has made no progress for `parkAfterMs`. */
export async function retrySagaLater(
  db: ProviderDb,
  saga: SagaRow,
  by: string,
  retry: { error: string; delayMs: number; parkAfterMs: number },
): Promise<SagaState> {
  const row = await held(db, saga, by)
    .set({
      attempts: sql<number>`attempts + 1`,
      last_error: retry.error.slice(0, 2000),
      next_run_at: sql<Date>`now() + make_interval(secs => ${retry.delayMs / 1000})`,
      state: sql<SagaState>`case when progressed_at < now() - make_interval(secs => ${retry.parkAfterMs / 1000}) then 'parked' else 'pending' end`,
      parked_reason: sql<
        string | null
      >`case when progressed_at < now() - make_interval(secs => ${retry.parkAfterMs / 1000}) then 'gave-up' else null end`,
      lease_until: null,
      leased_by: null,
      updated_at: sql<Date>`now()`,
    })
    .returning('state')
    .executeTakeFirst();
  return row?.state ?? 'pending';
}

/** Something was achieved (a step done): the park-after clock starts again. */
export async function markSagaProgress(db: ProviderDb, saga: SagaRow, by: string): Promise<void> {
  await held(db, saga, by)
    .set({ progressed_at: sql<Date>`now()` })
    .execute();
}

export async function parkSaga(
  db: ProviderDb,
  saga: SagaRow,
  by: string,
  park: { reason: string; error: string },
): Promise<void> {
  await held(db, saga, by)
    .set({
      state: 'parked',
      parked_reason: park.reason,
      last_error: park.error.slice(0, 2000),
      lease_until: null,
      leased_by: null,
      updated_at: sql<Date>`now()`,
    })
    .execute();
}

/** An operator's retry of a parked saga: due now, its clocks reset. Undefined when no saga is parked for the booking. */
export async function unparkSaga(db: ProviderDb, bookingId: number): Promise<SagaRow | undefined> {
  const row = await db
    .updateTable('provider.sagas')
    .set({
      state: 'pending',
      attempts: 0,
      parked_reason: null,
      next_run_at: sql<Date>`now()`,
      progressed_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
    })
    .where('booking_id', '=', bookingId)
    .where('state', '=', 'parked')
    .returning(COLUMNS)
    .executeTakeFirst();
  return row && withNumericSeats(row);
}

export async function findSaga(db: ProviderDb, bookingId: number): Promise<SagaRow | undefined> {
  const row = await db.selectFrom('provider.sagas').select(COLUMNS).where('booking_id', '=', bookingId).executeTakeFirst();
  return row && withNumericSeats(row);
}

export async function listSagas(
  db: ProviderDb,
  filter: { state?: SagaState; eventId?: number; limit: number; after?: number },
): Promise<SagaRow[]> {
  let query = db.selectFrom('provider.sagas').select(COLUMNS).orderBy('booking_id').limit(filter.limit);
  if (filter.state !== undefined) query = query.where('state', '=', filter.state);
  if (filter.eventId !== undefined) query = query.where('event_id', '=', filter.eventId);
  if (filter.after !== undefined) query = query.where('booking_id', '>', filter.after);
  return (await query.execute()).map(withNumericSeats);
}

/** Sagas by state, of every event or of one. */
export async function countSagas(db: ProviderDb, filter: { eventId?: number } = {}): Promise<Record<SagaState, number>> {
  let query = db.selectFrom('provider.sagas').select(['state', (eb) => eb.fn.countAll<string>().as('count')]);
  if (filter.eventId !== undefined) query = query.where('event_id', '=', filter.eventId);
  const rows = await query.groupBy('state').execute();
  const counts: Record<SagaState, number> = { pending: 0, done: 0, parked: 0 };
  for (const row of rows) counts[row.state] = Number(row.count);
  return counts;
}
