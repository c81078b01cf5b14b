import { sql, type Kysely, type Transaction } from 'kysely';
import { describeError } from '../errors.ts';
import type { Logger } from 'pino';
import { runWithRequestId } from '../context/request-context.ts';
import type { BusTables } from './bus.tables.ts';
import type { BusEvent, EventType } from './event-map.ts';

/**
 * A consumer's reaction to an event. It runs inside a transaction that also records the event as
 * handled by this consumer (the inbox), so its database effects happen exactly once however often
 * the bus delivers the event. Side effects outside the database (mail, HTTP) are at least once.
 */
export type EventHandler<T extends EventType = EventType> = (event: BusEvent<T>, trx: Transaction<object>) => Promise<void>;

export interface Subscription {
  /** Durable name: the inbox and the NATS consumer are keyed by it. */
  consumer: string;
  types: ReadonlySet<string>;
  handle: EventHandler;
}

/** After this many failed attempts an event is parked in `platform.dead_letters` for an operator. */
export const MAX_DELIVERY_ATTEMPTS = 8;

export type DeliveryOutcome = 'handled' | 'duplicate';

/**
 * Runs the handler once per (consumer, event id); a second delivery finds the inbox row and skips.
 * It runs as done for the request that caused the event: its log lines carry that request's id,
 * and so do the events it adds in turn.
 */
export async function deliverOnce(
  db: Kysely<object>,
  subscription: Subscription,
  event: BusEvent,
  logger: Logger,
): Promise<DeliveryOutcome> {
  return runWithRequestId(event.requestId, async () => {
    const outcome = await db.transaction().execute(async (trx): Promise<DeliveryOutcome> => {
      const inserted = await trx
        .$extendTables<BusTables>()
        .insertInto('platform.inbox')
        .values({ consumer: subscription.consumer, event_id: event.id })
        .onConflict((conflict) => conflict.doNothing())
        .returning('event_id')
        .executeTakeFirst();
      if (!inserted) return 'duplicate';
      await subscription.handle(event, trx);
      return 'handled';
    });
    logger.debug({ consumer: subscription.consumer, eventId: event.id, type: event.type, outcome }, 'event delivered');
    return outcome;
  });
}

/** Parks an event that keeps failing, and marks it handled so it stops blocking the consumer. */
export async function parkDeadLetter(db: Kysely<object>, consumer: string, event: BusEvent, error: unknown): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const bus = trx.$extendTables<BusTables>();
    await bus
      .insertInto('platform.inbox')
      .values({ consumer, event_id: event.id })
      .onConflict((conflict) => conflict.doNothing())
      .execute();
    await bus
      .insertInto('platform.dead_letters')
      .values({
        consumer,
        event_id: event.id,
        type: event.type,
        payload: JSON.stringify(event.payload),
        error: describeError(error),
      })
      .execute();
  });
}

/** Exponential backoff for redelivery: 100 ms, 200 ms, 400 ms … capped at 30 s. */
export function redeliveryDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 30_000);
}

/** Inbox rows only matter while the bus may still redeliver (the stream keeps 7 days). */
export async function deleteOldInboxEntries(db: Kysely<object>, olderThanDays: number): Promise<void> {
  await db
    .$extendTables<BusTables>()
    .deleteFrom('platform.inbox')
    .where('handled_at', '<', sql<Date>`now() - make_interval(days => ${olderThanDays})`)
    .execute();
}
