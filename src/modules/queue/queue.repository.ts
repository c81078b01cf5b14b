import { sql, type Transaction } from 'kysely';
import type { EntryRow, QueueDb, QueueTables, RoomRow } from './queue.tables.ts';

type QueueTrx = Transaction<QueueTables>;

export interface RoomSettings {
  enabled: boolean;
  on_sale_at: Date;
  rate_per_minute: number | null;
  max_active: number | null;
  token_ttl_seconds: number;
  grace_seconds: number;
  failure_mode: 'open' | 'closed';
}

export async function findRoom(db: QueueDb, eventId: number): Promise<RoomRow | undefined> {
  return db.selectFrom('queue.rooms').selectAll().where('event_id', '=', eventId).executeTakeFirst();
}

/** The room's row, locked: joins, the shuffle and admission of one event take turns on it. */
export async function lockRoom(trx: QueueTrx, eventId: number): Promise<RoomRow | undefined> {
  return trx.selectFrom('queue.rooms').selectAll().where('event_id', '=', eventId).forUpdate().executeTakeFirst();
}

/**
 * Creates or changes a room. A new rate or on-sale time starts admission's count afresh from
 * then (or from the on-sale, if later), so a change never releases a burst of "owed" admissions.
 */
export async function upsertRoom(trx: QueueTrx, eventId: number, settings: RoomSettings): Promise<RoomRow> {
  const rateSince = sql<Date>`greatest(now(), ${settings.on_sale_at})`;
  return trx
    .insertInto('queue.rooms')
    .values({ event_id: eventId, ...settings, rate_since: rateSince })
    .onConflict((conflict) =>
      conflict.column('event_id').doUpdateSet((eb) => {
        const restart = sql<boolean>`(queue.rooms.rate_per_minute is distinct from ${settings.rate_per_minute}
          or queue.rooms.on_sale_at <> ${settings.on_sale_at} or not queue.rooms.enabled)`;
        return {
          ...settings,
          rate_since: sql<Date>`case when ${restart} then ${rateSince} else queue.rooms.rate_since end`,
          credited: sql<number>`case when ${restart} then 0 else queue.rooms.credited end`,
          updated_at: sql<Date>`now()`,
          event_id: eb.ref('excluded.event_id'),
        };
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findEntry(db: QueueDb | QueueTrx, eventId: number, userId: number): Promise<EntryRow | undefined> {
  return db
    .selectFrom('queue.entries')
    .selectAll()
    .where('event_id', '=', eventId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/**
 * Puts an account at the back of the queue (or into the pre-queue while there is no order yet),
 * whatever its entry said before: one row per account and event, reused.
 */
export async function enqueue(trx: QueueTrx, room: RoomRow, userId: number): Promise<EntryRow> {
  let position: number | null = null;
  let aheadAtStart: number | null = null;
  if (room.shuffled_at !== null) {
    const { last_position } = await trx
      .updateTable('queue.rooms')
      .set((eb) => ({ last_position: eb('last_position', '+', 1) }))
      .where('event_id', '=', room.event_id)
      .returning('last_position')
      .executeTakeFirstOrThrow();
    position = last_position;
    aheadAtStart = Math.max(0, last_position - room.admitted_through - 1);
  }
  const values = {
    status: 'waiting' as const,
    position,
    ahead_at_start: aheadAtStart,
    joined_at: sql<Date>`now()`,
    last_seen_at: sql<Date>`now()`,
    admitted_at: null,
    token_expires_at: null,
    admitted_by: null,
  };
  return trx
    .insertInto('queue.entries')
    .values({ event_id: room.event_id, user_id: userId, ...values })
    .onConflict((conflict) => conflict.columns(['event_id', 'user_id']).doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Marks the account as still there; undefined when its place has lapsed (or it has none). */
export async function touchWaitingEntry(db: QueueDb, eventId: number, userId: number): Promise<EntryRow | undefined> {
  return db
    .updateTable('queue.entries')
    .set({ last_seen_at: sql<Date>`now()` })
    .where('event_id', '=', eventId)
    .where('user_id', '=', userId)
    .where('status', '=', 'waiting')
    .where(
      'last_seen_at',
      '>',
      sql<Date>`now() - make_interval(secs => (select grace_seconds from queue.rooms where event_id = ${eventId}))`,
    )
    .returningAll()
    .executeTakeFirst();
}

/**
 * The on-sale shuffle, in one statement: every pre-queue entry gets a distinct random position
 * 1..n at once (so nobody's place depends on when or how fast they arrived before the on-sale).
 * Runs under the room's lock, after which later joins take positions n+1, n+2 …
 */
export async function shufflePreQueue(trx: QueueTrx, eventId: number): Promise<number> {
  const shuffled = await sql<{ position: number }>`
    update queue.entries entry
    set position = drawn.position, ahead_at_start = drawn.position - 1
    from (
      select id, row_number() over (order by random()) as position
      from queue.entries
      where event_id = ${eventId} and position is null
    ) drawn
    where entry.id = drawn.id
    returning entry.position`.execute(trx);
  const count = shuffled.rows.length;
  await trx
    .updateTable('queue.rooms')
    .set({ shuffled_at: sql<Date>`now()`, last_position: count })
    .where('event_id', '=', eventId)
    .execute();
  return count;
}

/**
 * How many admission may let in now (the room is locked): what the rate allows since
 * `rate_since` less what it has already used, and what the cap leaves; with the database clock.
 */
export async function admissionAllowance(
  trx: QueueTrx,
  room: RoomRow,
): Promise<{ allowance: number; allowedTotal: number | null }> {
  const { rows } = await sql<{ allowed_total: number | null; active: number }>`
    select
      case when ${room.rate_per_minute}::integer is null then null
        else floor(${room.rate_per_minute}::integer * extract(epoch from clock_timestamp() - ${room.rate_since}::timestamptz) / 60)::bigint
      end as allowed_total,
      (select count(*) from queue.entries
        where event_id = ${room.event_id} and status = 'admitted' and token_expires_at > now())::bigint as active`.execute(trx);
  const row = rows[0] ?? { allowed_total: null, active: 0 };
  const byRate = row.allowed_total === null ? Number.POSITIVE_INFINITY : row.allowed_total - room.credited;
  const byCap = room.max_active === null ? Number.POSITIVE_INFINITY : room.max_active - row.active;
  const allowance = Math.max(0, Math.min(byRate, byCap, MAX_ADMITTED_PER_PASS));
  return { allowance, allowedTotal: row.allowed_total };
}

/** A ceiling on one pass's statement (a rate of a million a minute still takes several passes a second). */
export const MAX_ADMITTED_PER_PASS = 5000;

/**
 * Admits the first `count` entries that are waiting, have a position and were seen within the
 * grace period, in position order (the room is locked by the caller).
 */
export async function admitNext(
  trx: QueueTrx,
  room: RoomRow,
  count: number,
  admittedBy: string,
): Promise<{ position: number; waited_seconds: number }[]> {
  const { rows } = await sql<{ position: number; waited_seconds: number }>`
    update queue.entries entry
    set status = 'admitted', admitted_at = clock_timestamp(), admitted_by = ${admittedBy},
        token_expires_at = clock_timestamp() + make_interval(secs => ${room.token_ttl_seconds})
    from (
      select id from queue.entries
      where event_id = ${room.event_id} and status = 'waiting' and position is not null
        and last_seen_at > now() - make_interval(secs => ${room.grace_seconds})
      order by position
      limit ${count}
      for update
    ) next
    where entry.id = next.id
    returning entry.position,
      extract(epoch from clock_timestamp() - greatest(entry.joined_at, ${room.on_sale_at}::timestamptz))::float8 as waited_seconds`.execute(
    trx,
  );
  return rows;
}

/**
 * Records a pass: what it admitted, and what the rate's allowance has used. Allowance left unused
 * (nobody waiting) is forgiven beyond `burst`, so an empty stretch does not bank a flood.
 */
export async function recordAdmission(
  trx: QueueTrx,
  eventId: number,
  admitted: number,
  highestPosition: number,
  allowedTotal: number | null,
  burst: number,
): Promise<void> {
  await trx
    .updateTable('queue.rooms')
    .set({
      admitted_count: sql<number>`admitted_count + ${admitted}`,
      admitted_through: sql<number>`greatest(admitted_through, ${highestPosition})`,
      credited:
        allowedTotal === null
          ? sql<number>`credited`
          : sql<number>`greatest(credited + ${admitted}, ${allowedTotal}::bigint - ${burst})`,
    })
    .where('event_id', '=', eventId)
    .execute();
}

/** Rooms whose admission may have work: enabled, and on sale. */
export async function dueRoomIds(db: QueueDb): Promise<number[]> {
  const rows = await db
    .selectFrom('queue.rooms')
    .select('event_id')
    .where('enabled', '=', true)
    .where('on_sale_at', '<=', sql<Date>`now()`)
    .execute();
  return rows.map((row) => row.event_id);
}

export async function enabledRooms(db: QueueDb): Promise<{ event_id: number; failure_mode: 'open' | 'closed' }[]> {
  return db.selectFrom('queue.rooms').select(['event_id', 'failure_mode']).where('enabled', '=', true).execute();
}

export interface QueueCounts {
  event_id: number;
  pre_queue: number;
  waiting: number;
  active: number;
  admitted_last_minute: number;
}

/** Per enabled room: who is in the pre-queue, waiting with a place, admitted and still within their token. */
export async function countQueues(db: QueueDb, eventIds?: number[]): Promise<QueueCounts[]> {
  const { rows } = await sql<QueueCounts>`
    select room.event_id,
      count(*) filter (where entry.status = 'waiting' and entry.position is null)::bigint as pre_queue,
      count(*) filter (where entry.status = 'waiting' and entry.position is not null)::bigint as waiting,
      count(*) filter (where entry.status = 'admitted' and entry.token_expires_at > now())::bigint as active,
      count(*) filter (where entry.status = 'admitted' and entry.admitted_at > now() - interval '1 minute')::bigint
        as admitted_last_minute
    from queue.rooms room
    left join queue.entries entry on entry.event_id = room.event_id
    where ${eventIds ? sql`room.event_id = any(${eventIds})` : sql`room.enabled`}
    group by room.event_id`.execute(db);
  return rows;
}

export async function readOrCreateSecret(db: QueueDb, candidate: string): Promise<string> {
  await db
    .insertInto('queue.secrets')
    .values({ name: 'admission-token', secret: candidate })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('queue.secrets')
    .select('secret')
    .where('name', '=', 'admission-token')
    .executeTakeFirstOrThrow();
  return row.secret;
}
