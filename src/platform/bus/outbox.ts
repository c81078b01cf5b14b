import { sql, type Kysely, type Transaction } from 'kysely';
import { currentRequestId } from '../context/request-context.ts';
import { narrow } from '../db/narrow.ts';
import type { BusTables } from './bus.tables.ts';
import type { BusEvent, EventMap, EventType } from './event-map.ts';

/**
 * Records a domain event in the same transaction as the state change it describes, so the event
 * exists if and only if the change committed. Call it after the statement that changes (and so
 * locks) the aggregate: then two transactions on one aggregate get outbox ids in commit order,
 * and the relay publishes them in that order.
 *
 * Taking a `Transaction` (not a `Kysely`) makes writing an event outside a transaction a type error.
 */
export async function addEvent<T extends EventType, DB>(
  trx: Transaction<DB>,
  type: T,
  aggregateId: string | number,
  payload: EventMap[T],
): Promise<number> {
  // Any module's transaction will do: the outbox table is the platform's, written through it.
  const row = await narrow<BusTables, DB>(trx)
    .insertInto('platform.outbox')
    .values({
      type,
      aggregate_id: String(aggregateId),
      payload: JSON.stringify(payload),
      // Which request caused it, for the consumers' log lines; not part of the payload's contract.
      request_id: currentRequestId() ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The oldest unpublished events, in id order, ready to publish. */
export async function findUnpublishedEvents(db: Kysely<object>, limit: number): Promise<BusEvent[]> {
  const rows = await asBus(db)
    .selectFrom('platform.outbox')
    .select(['id', 'type', 'aggregate_id', 'payload', 'created_at', 'request_id'])
    .where('published_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    type: row.type as EventType,
    aggregateId: row.aggregate_id,
    payload: row.payload as EventMap[EventType],
    occurredAt: row.created_at.toISOString(),
    ...(row.request_id === null ? {} : { requestId: row.request_id }),
  }));
}

export async function markEventsPublished(db: Kysely<object>, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await asBus(db)
    .updateTable('platform.outbox')
    .set({ published_at: sql`now()` })
    .where('id', 'in', ids)
    .execute();
}

export interface OutboxStats {
  /** Events committed but not yet published. */
  backlog: number;
  /** Age in seconds of the oldest unpublished event (0 when the backlog is empty). */
  lagSeconds: number;
}

export async function readOutboxStats(db: Kysely<object>): Promise<OutboxStats> {
  const row = await asBus(db)
    .selectFrom('platform.outbox')
    .select([
      sql<number>`count(*)::int`.as('backlog'),
      sql<number>`coalesce(extract(epoch from now() - min(created_at)), 0)::float8`.as('lag_seconds'),
    ])
    .where('published_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { backlog: row.backlog, lagSeconds: row.lag_seconds };
}

/** Deletes published events older than the retention; the bus, not the outbox, is the history. */
export async function deletePublishedEvents(db: Kysely<object>, olderThanDays: number): Promise<number> {
  const result = await asBus(db)
    .deleteFrom('platform.outbox')
    .where('published_at', '<', sql<Date>`now() - make_interval(days => ${olderThanDays})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

function asBus(db: Kysely<object>): Kysely<BusTables> {
  return db.$extendTables<BusTables>();
}
