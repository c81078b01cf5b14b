import { sql, type Kysely, type Selectable } from 'kysely';
import type { IntegrationsTables, WebhookDeliveryStatus, WebhookEndpointTable } from './integrations.tables.ts';

export type IntegrationsDb = Kysely<IntegrationsTables>;
export type EndpointRow = Selectable<WebhookEndpointTable>;

export function integrationsDb(db: Kysely<object>): IntegrationsDb {
  return db.$extendTables<IntegrationsTables>();
}

const CLAIM_SECONDS = 120;

export async function insertLogEntry(
  db: IntegrationsDb,
  entry: {
    eventId: number;
    type: string;
    aggregateId: string;
    keys: string[];
    payload: unknown;
    occurredAt: string;
    webhooks: boolean;
  },
): Promise<void> {
  await db
    .insertInto('integrations.event_log')
    .values({
      event_id: entry.eventId,
      type: entry.type,
      aggregate_id: entry.aggregateId,
      keys: entry.keys,
      payload: JSON.stringify(entry.payload),
      occurred_at: entry.occurredAt,
      webhooks_pending: entry.webhooks,
    })
    .onConflict((conflict) => conflict.column('event_id').doNothing())
    .execute();
}

export async function findLogEntries(
  db: IntegrationsDb,
  filter: { key?: string; type?: string; afterId?: number; limit: number },
) {
  let query = db
    .selectFrom('integrations.event_log')
    .select(['event_id', 'type', 'aggregate_id', 'keys', 'payload', 'occurred_at', 'recorded_at'])
    .orderBy('event_id')
    .limit(filter.limit);
  if (filter.key !== undefined) query = query.where(sql<boolean>`keys @> array[${filter.key}]::text[]`);
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.afterId !== undefined) query = query.where('event_id', '>', filter.afterId);
  return query.execute();
}

export async function pendingForWebhooks(db: IntegrationsDb, limit: number) {
  return db
    .selectFrom('integrations.event_log')
    .select(['event_id', 'type', 'payload'])
    .where('webhooks_pending', '=', true)
    .orderBy('event_id')
    .limit(limit)
    .execute();
}

/** Queues the event for every active endpoint of the organizer that chose its type. */
export async function queueWebhookDeliveries(
  db: IntegrationsDb,
  event: { eventId: number; type: string },
  organizerId: number | undefined,
): Promise<void> {
  if (organizerId !== undefined) {
    await db
      .insertInto('integrations.webhook_deliveries')
      .columns(['endpoint_id', 'event_id', 'event_type'])
      .expression((eb) =>
        eb
          .selectFrom('integrations.webhook_endpoints')
          .select(['id', sql<number>`${event.eventId}::bigint`.as('event_id'), sql<string>`${event.type}`.as('event_type')])
          .where('organizer_id', '=', organizerId)
          .where('status', '=', 'active')
          .where(sql<boolean>`${event.type} = any(event_types)`),
      )
      .onConflict((conflict) => conflict.columns(['endpoint_id', 'event_id']).doNothing())
      .execute();
  }
  await db.updateTable('integrations.event_log').set({ webhooks_pending: false }).where('event_id', '=', event.eventId).execute();
}

export interface ClaimedWebhook {
  id: number;
  endpoint_id: number;
  event_id: number;
  event_type: string;
  attempts: number;
  created_at: Date;
}

export async function claimWebhookDeliveries(db: IntegrationsDb, limit: number): Promise<ClaimedWebhook[]> {
  return db
    .updateTable('integrations.webhook_deliveries')
    .set({
      status: 'sending',
      claimed_until: sql<Date>`now() + make_interval(secs => ${CLAIM_SECONDS})`,
      attempts: sql<number>`attempts + 1`,
    })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('integrations.webhook_deliveries')
        .select('id')
        .where((w) =>
          w.or([
            w.and([w('status', '=', 'pending'), w('next_attempt_at', '<=', sql<Date>`now()`)]),
            w.and([w('status', '=', 'sending'), w('claimed_until', '<', sql<Date>`now()`)]),
          ]),
        )
        .where('endpoint_id', 'in', (inner) =>
          inner.selectFrom('integrations.webhook_endpoints').select('id').where('status', '=', 'active'),
        )
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'endpoint_id', 'event_id', 'event_type', 'attempts', 'created_at'])
    .execute();
}

/** Gives a claimed delivery back untried (its endpoint was disabled mid-batch). */
export async function releaseClaim(db: IntegrationsDb, id: number): Promise<void> {
  await db
    .updateTable('integrations.webhook_deliveries')
    .set({ status: 'pending', claimed_until: null, attempts: sql<number>`attempts - 1` })
    .where('id', '=', id)
    .execute();
}

export async function findEndpointsByIds(db: IntegrationsDb, ids: number[]): Promise<EndpointRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('integrations.webhook_endpoints').selectAll().where('id', 'in', ids).execute();
}

export async function findLogPayloads(db: IntegrationsDb, ids: number[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('integrations.event_log')
    .select(['event_id', 'type', 'payload', 'occurred_at'])
    .where('event_id', 'in', ids)
    .execute();
}

export async function recordAttempt(
  db: IntegrationsDb,
  attempt: { deliveryId: number; attempt: number; statusCode: number | null; error: string | null; durationMs: number },
): Promise<void> {
  await db
    .insertInto('integrations.webhook_attempts')
    .values({
      delivery_id: attempt.deliveryId,
      attempt: attempt.attempt,
      status_code: attempt.statusCode,
      error: attempt.error,
      duration_ms: attempt.durationMs,
    })
    .execute();
}

export async function finishDelivery(
  db: IntegrationsDb,
  id: number,
  outcome: { status: WebhookDeliveryStatus; statusCode: number | null; error: string | null; retryInMs?: number },
): Promise<void> {
  await db
    .updateTable('integrations.webhook_deliveries')
    .set({
      status: outcome.status,
      claimed_until: null,
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
      ...(outcome.status === 'delivered' ? { delivered_at: sql<Date>`now()` } : {}),
      ...(outcome.retryInMs === undefined
        ? {}
        : { next_attempt_at: sql<Date>`now() + make_interval(secs => ${outcome.retryInMs / 1000})` }),
    })
    .where('id', '=', id)
    .execute();
}

/** Counts a failure in the endpoint's streak; returns the new streak length. */
export async function countEndpointFailure(db: IntegrationsDb, endpointId: number): Promise<number> {
  const row = await db
    .updateTable('integrations.webhook_endpoints')
    .set({ consecutive_failures: sql<number>`consecutive_failures + 1` })
    .where('id', '=', endpointId)
    .returning('consecutive_failures')
    .executeTakeFirst();
  return row?.consecutive_failures ?? 0;
}

export async function resetEndpointFailures(db: IntegrationsDb, endpointId: number): Promise<void> {
  await db
    .updateTable('integrations.webhook_endpoints')
    .set({ consecutive_failures: 0 })
    .where('id', '=', endpointId)
    .where('consecutive_failures', '>', 0)
    .execute();
}

/** Disables an active endpoint; returns it only if this call did (so the owner is told once). */
export async function disableEndpoint(db: IntegrationsDb, endpointId: number, reason: string): Promise<EndpointRow | undefined> {
  return db
    .updateTable('integrations.webhook_endpoints')
    .set({ status: 'disabled', disabled_reason: reason, disabled_at: sql<Date>`now()` })
    .where('id', '=', endpointId)
    .where('status', '=', 'active')
    .returningAll()
    .executeTakeFirst();
}

export async function insertEndpoint(
  db: IntegrationsDb,
  endpoint: {
    organizer_id: number;
    organizer_slug: string;
    url: string;
    description: string;
    event_types: string[];
    secret: string;
    created_by: number;
  },
): Promise<EndpointRow> {
  return db.insertInto('integrations.webhook_endpoints').values(endpoint).returningAll().executeTakeFirstOrThrow();
}

export async function listEndpoints(db: IntegrationsDb, organizerId: number): Promise<EndpointRow[]> {
  return db
    .selectFrom('integrations.webhook_endpoints')
    .selectAll()
    .where('organizer_id', '=', organizerId)
    .where('status', '!=', 'deleted')
    .orderBy('id')
    .execute();
}

export async function findEndpoint(db: IntegrationsDb, organizerId: number, id: number): Promise<EndpointRow | undefined> {
  return db
    .selectFrom('integrations.webhook_endpoints')
    .selectAll()
    .where('organizer_id', '=', organizerId)
    .where('id', '=', id)
    .where('status', '!=', 'deleted')
    .executeTakeFirst();
}

export async function setEndpointStatus(db: IntegrationsDb, id: number, status: 'active' | 'deleted'): Promise<void> {
  await db
    .updateTable('integrations.webhook_endpoints')
    .set({
      status,
      ...(status === 'active' ? { consecutive_failures: 0, disabled_reason: null, disabled_at: null } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function listEndpointDeliveries(db: IntegrationsDb, endpointId: number, limit: number) {
  const deliveries = await db
    .selectFrom('integrations.webhook_deliveries')
    .selectAll()
    .where('endpoint_id', '=', endpointId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  const attempts =
    deliveries.length === 0
      ? []
      : await db
          .selectFrom('integrations.webhook_attempts')
          .selectAll()
          .where(
            'delivery_id',
            'in',
            deliveries.map((delivery) => delivery.id),
          )
          .orderBy('id')
          .execute();
  return { deliveries, attempts };
}
