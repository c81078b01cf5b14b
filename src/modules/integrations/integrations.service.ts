import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { addEvent, type BusEvent, type EventType } from '../../platform/bus/index.ts';
import type { Principal } from '../../platform/http/access.ts';
import { describeError } from '../../platform/errors.ts';
import {
  postToPublicAddress,
  refusedDestination,
  RefusedDestinationError,
  type DestinationPolicy,
} from '../../platform/http/outbound.ts';
import { badWebhookUrl, webhookNotFound } from './integrations.errors.ts';
import {
  claimWebhookDeliveries,
  countEndpointFailure,
  disableEndpoint,
  findEndpoint,
  findEndpointsByIds,
  findLogEntries,
  findLogPayloads,
  finishDelivery,
  insertEndpoint,
  insertLogEntry,
  integrationsDb,
  listEndpointDeliveries,
  listEndpoints,
  pendingForWebhooks,
  queueWebhookDeliveries,
  recordAttempt,
  releaseClaim,
  resetEndpointFailures,
  setEndpointStatus,
  type ClaimedWebhook,
  type EndpointRow,
  type IntegrationsDb,
} from './integrations.repository.ts';
import { signatureHeader, SIGNATURE_HEADER } from './webhook.signature.ts';
import './integrations.events.ts';

/**
 * Every bus event type the log records (and so every type a webhook may choose). A module that
 * adds events adds their types here.
 */
export const LOGGED_TYPES = [
  'event.published',
  'event.cancelled',
  'event.completed',
  'event.reminder',
  'booking.created',
  'booking.confirmed',
  'booking.expired',
  'booking.cancelled',
  'waitlist.offered',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'payment.late-refunded',
  'ticket.purchased',
  'ticket.cancelled',
  'ticket.checkin',
  'rental.created',
  'rental.confirmed',
  'rental.cancelled',
  'rental.expired',
  'rental.completed',
  'rental.reminder',
  'rental.offered',
  'webhook.disabled',
] as const satisfies readonly EventType[];

/** What organizers can receive (their own webhook bookkeeping is not sent back to them). */
export const WEBHOOK_TYPES: readonly string[] = LOGGED_TYPES.filter((type) => type !== 'webhook.disabled');

/** What integrations needs from the catalog, bound in main.ts. */
export interface OrganizerDirectory {
  /** Whose event this is (undefined when unknown). */
  organizerOfEvent(eventId: number): Promise<number | undefined>;
  /** (rentals) Whose hall a rental is of: a rental's payments go to that studio's webhooks. */
  organizerOfRental(rentalId: number): Promise<number | undefined>;
  /** The organizer's id if the principal may manage it; throws 404/403 otherwise. */
  manageableOrganizer(principal: Principal, slug: string): Promise<number>;
}

export interface WebhookOptions {
  /** An endpoint failing this many attempts in a row (across deliveries) is disabled. */
  disableAfterFailures: number;
  /** First retry delay; doubles per attempt, capped at six hours; given up three days after the event. */
  retryBaseMs: number;
  giveUpAfterMs: number;
  timeoutMs: number;
  /** Where endpoints may point: public addresses only, unless loopback is allowed (WEBHOOK_ALLOW_PRIVATE). */
  destinations: DestinationPolicy;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = {
  disableAfterFailures: 15,
  retryBaseMs: 60_000,
  giveUpAfterMs: 3 * 24 * 3_600_000,
  timeoutMs: 10_000,
  destinations: { allowLoopback: false },
};
const MAX_RETRY_MS = 6 * 3_600_000;
const BATCH = 20;

/** `booking:12`, `event:3`, `user:7` …: the aggregate and every `<name>Id` field of the payload. */
export function keysOf(event: Pick<BusEvent, 'type' | 'aggregateId' | 'payload'>): string[] {
  // Aggregate ids are either bare (`12`) or already typed (`waitlist:7`, `booking:12`).
  const aggregate = event.aggregateId.includes(':')
    ? event.aggregateId
    : `${event.type.split('.')[0] ?? event.type}:${event.aggregateId}`;
  const keys = new Set<string>([aggregate]);
  for (const [field, value] of Object.entries(event.payload as Record<string, unknown>)) {
    if (!field.endsWith('Id') || (typeof value !== 'number' && typeof value !== 'string')) continue;
    const name = field.slice(0, -2).replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    keys.add(`${name}:${value}`);
  }
  return [...keys];
}

export function webhookRetryDelayMs(attempts: number, baseMs = DEFAULT_WEBHOOK_OPTIONS.retryBaseMs): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
}

function endpointView(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: row.event_types,
    status: row.status === 'active' ? ('active' as const) : ('disabled' as const),
    consecutive_failures: row.consecutive_failures,
    disabled_reason: row.disabled_reason,
    disabled_at: row.disabled_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

/** The operators' event log and the organizers' outbound webhooks, both fed from the bus. */
export class IntegrationsService {
  private readonly db: IntegrationsDb;
  private readonly organizers: OrganizerDirectory;
  private readonly options: WebhookOptions;
  private readonly logger: Logger;

  constructor(db: Kysely<object>, organizers: OrganizerDirectory, options: WebhookOptions, logger: Logger) {
    this.db = integrationsDb(db);
    this.organizers = organizers;
    this.options = options;
    this.logger = logger;
  }

  /** The bus handler: one log row per event (its inbox transaction makes it exactly once). */
  async record(trx: Transaction<object>, event: BusEvent): Promise<void> {
    await insertLogEntry(integrationsDb(trx), {
      eventId: event.id,
      type: event.type,
      aggregateId: event.aggregateId,
      keys: keysOf(event),
      payload: event.payload,
      occurredAt: event.occurredAt,
      webhooks: WEBHOOK_TYPES.includes(event.type),
    });
  }

  async eventLog(filter: { key?: string; type?: string; afterId?: number; limit: number }) {
    const rows = await findLogEntries(this.db, filter);
    return rows.map((row) => ({
      id: row.event_id,
      type: row.type,
      aggregate_id: row.aggregate_id,
      keys: row.keys,
      payload: row.payload as Record<string, unknown>,
      occurred_at: row.occurred_at.toISOString(),
      recorded_at: row.recorded_at.toISOString(),
    }));
  }

  // ── Endpoints ───────────────────────────────────────────────────────────────────────────────

  async register(
    principal: Principal,
    slug: string,
    input: { url: string; event_types: string[]; description?: string | undefined },
  ) {
    const organizerId = await this.organizers.manageableOrganizer(principal, slug);
    const url = await this.checkUrl(input.url);
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const row = await insertEndpoint(this.db, {
      organizer_id: organizerId,
      organizer_slug: slug,
      url,
      description: input.description ?? '',
      event_types: [...new Set(input.event_types)],
      secret,
      created_by: principal.userId,
    });
    return { ...endpointView(row), secret };
  }

  async list(principal: Principal, slug: string) {
    const organizerId = await this.organizers.manageableOrganizer(principal, slug);
    return (await listEndpoints(this.db, organizerId)).map(endpointView);
  }

  async remove(principal: Principal, slug: string, id: number): Promise<void> {
    const endpoint = await this.endpoint(principal, slug, id);
    await setEndpointStatus(this.db, endpoint.id, 'deleted');
  }

  /**
   * Turns a disabled endpoint back on (pending deliveries resume; the streak starts at zero). Its
   * address is checked again: one disabled for pointing inside would only be disabled again.
   */
  async enable(principal: Principal, slug: string, id: number) {
    const endpoint = await this.endpoint(principal, slug, id);
    await this.checkUrl(endpoint.url);
    await setEndpointStatus(this.db, endpoint.id, 'active');
    return endpointView({ ...endpoint, status: 'active', consecutive_failures: 0, disabled_reason: null, disabled_at: null });
  }

  async deliveryLog(principal: Principal, slug: string, id: number, limit: number) {
    const endpoint = await this.endpoint(principal, slug, id);
    const { deliveries, attempts } = await listEndpointDeliveries(this.db, endpoint.id, limit);
    return deliveries.map((delivery) => ({
      id: delivery.id,
      event_id: delivery.event_id,
      event_type: delivery.event_type,
      status: delivery.status,
      attempts: delivery.attempts,
      last_status_code: delivery.last_status_code,
      last_error: delivery.last_error,
      next_attempt_at: delivery.status === 'pending' ? delivery.next_attempt_at.toISOString() : null,
      delivered_at: delivery.delivered_at?.toISOString() ?? null,
      created_at: delivery.created_at.toISOString(),
      attempt_log: attempts
        .filter((attempt) => attempt.delivery_id === delivery.id)
        .map((attempt) => ({
          attempt: attempt.attempt,
          status_code: attempt.status_code,
          error: attempt.error,
          duration_ms: attempt.duration_ms,
          at: attempt.at.toISOString(),
        })),
    }));
  }

  // ── Delivery ────────────────────────────────────────────────────────────────────────────────

  async runDue(): Promise<number> {
    let done = 0;
    for (let found = await this.queueDue(); found > 0; found = await this.queueDue()) done += found;
    for (let found = await this.deliverDue(); found > 0; found = await this.deliverDue()) done += found;
    return done;
  }

  /**
   * Whose event this is: the payload's organizer, or its event's, or (a payment of a rental, which
   * has no event) the rental's studio.
   */
  private async organizerOf(data: unknown): Promise<number | undefined> {
    const payload = data as { organizerId?: unknown; eventId?: unknown; orderKind?: unknown; bookingId?: unknown };
    if (typeof payload.organizerId === 'number') return payload.organizerId;
    if (typeof payload.eventId === 'number') return this.organizers.organizerOfEvent(payload.eventId);
    if (payload.orderKind === 'rental' && typeof payload.bookingId === 'number') {
      return this.organizers.organizerOfRental(payload.bookingId);
    }
    return undefined;
  }

  /** Fans logged events out to the endpoints that chose them (idempotent: one row per endpoint and event). */
  async queueDue(limit = 100): Promise<number> {
    const rows = await pendingForWebhooks(this.db, limit);
    for (const row of rows) {
      const organizerId = await this.organizerOf(row.payload);
      await this.db.transaction().execute(async (trx) => {
        await queueWebhookDeliveries(trx, { eventId: row.event_id, type: row.type }, organizerId);
      });
    }
    return rows.length;
  }

  async deliverDue(limit = BATCH): Promise<number> {
    const claimed = await claimWebhookDeliveries(this.db, limit);
    if (claimed.length === 0) return 0;
    const [endpoints, events] = await Promise.all([
      findEndpointsByIds(this.db, [...new Set(claimed.map((delivery) => delivery.endpoint_id))]),
      findLogPayloads(this.db, [...new Set(claimed.map((delivery) => delivery.event_id))]),
    ]);
    const endpointById = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
    const eventById = new Map(events.map((event) => [event.event_id, event]));
    // Endpoints in parallel; one endpoint's deliveries in event order, stopping if it gets disabled.
    const byEndpoint = Map.groupBy(claimed, (delivery) => delivery.endpoint_id);
    await Promise.all(
      [...byEndpoint].map(async ([endpointId, deliveries]) => {
        const endpoint = endpointById.get(endpointId);
        if (!endpoint) return;
        let active = true;
        for (const delivery of deliveries.sort((a, b) => a.event_id - b.event_id)) {
          const event = eventById.get(delivery.event_id);
          if (!active || !event) {
            await releaseClaim(this.db, delivery.id);
            continue;
          }
          const body = JSON.stringify({
            id: `evt_${event.event_id}`,
            type: event.type,
            created_at: event.occurred_at.toISOString(),
            data: event.payload,
          });
          active = await this.deliver(delivery, endpoint, body);
        }
      }),
    );
    return claimed.length;
  }

  /** Sends one delivery and records the outcome; false when the endpoint is now disabled. */
  private async deliver(delivery: ClaimedWebhook, endpoint: EndpointRow, body: string): Promise<boolean> {
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      statusCode = await postToPublicAddress(new URL(endpoint.url), {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Sbor-Webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(endpoint.secret, body),
          'sbor-event-id': `evt_${delivery.event_id}`,
          'sbor-event-type': delivery.event_type,
          'sbor-delivery-id': String(delivery.id),
        },
        body,
        timeoutMs: this.options.timeoutMs,
        policy: this.options.destinations,
      });
      if (statusCode < 200 || statusCode > 299) error = `answered ${statusCode}`;
    } catch (failure) {
      refused = failure instanceof RefusedDestinationError;
      error = refused ? `refused: ${(failure as Error).message}` : (describeError(failure).split('\n')[0] ?? 'request failed');
    }
    const durationMs = Math.round(performance.now() - started);
    await recordAttempt(this.db, { deliveryId: delivery.id, attempt: delivery.attempts, statusCode, error, durationMs });
    if (error === null) {
      await finishDelivery(this.db, delivery.id, { status: 'delivered', statusCode, error: null });
      await resetEndpointFailures(this.db, endpoint.id);
      return true;
    }
    // A receiver that is gone, or an address we may not call, will not get better by retrying.
    const gone = statusCode === 410 || refused;
    const retryInMs = webhookRetryDelayMs(delivery.attempts, this.options.retryBaseMs);
    const expired = Date.now() + retryInMs - delivery.created_at.getTime() > this.options.giveUpAfterMs;
    await finishDelivery(this.db, delivery.id, {
      status: gone || expired ? 'failed' : 'pending',
      statusCode,
      error,
      ...(gone || expired ? {} : { retryInMs }),
    });
    const streak = await countEndpointFailure(this.db, endpoint.id);
    this.logger.warn({ endpointId: endpoint.id, deliveryId: delivery.id, statusCode, error, streak }, 'webhook delivery failed');
    if (refused) await this.disable(endpoint, `its address is not allowed (${error})`);
    else if (gone) await this.disable(endpoint, 'the receiver answered 410 Gone');
    else if (streak >= this.options.disableAfterFailures) await this.disable(endpoint, `${streak} deliveries failed in a row`);
    else return true;
    return false;
  }

  /** Disables the endpoint and, in the same transaction, tells its owner through the bus. */
  private async disable(endpoint: EndpointRow, reason: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const disabled = await disableEndpoint(trx, endpoint.id, reason);
      if (!disabled) return;
      await addEvent(trx, 'webhook.disabled', endpoint.id, {
        endpointId: endpoint.id,
        organizerId: endpoint.organizer_id,
        organizerSlug: endpoint.organizer_slug,
        url: endpoint.url,
        reason,
        userId: endpoint.created_by,
      });
    });
  }

  private async endpoint(principal: Principal, slug: string, id: number): Promise<EndpointRow> {
    const organizerId = await this.organizers.manageableOrganizer(principal, slug);
    const endpoint = await findEndpoint(this.db, organizerId, id);
    if (!endpoint) throw webhookNotFound();
    return endpoint;
  }

  /** A URL an organizer may register: http(s), no credentials, and a public address (no SSRF). */
  private async checkUrl(raw: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw badWebhookUrl('not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badWebhookUrl('use http or https');
    if (url.username || url.password) throw badWebhookUrl('no credentials in the URL; verify the signature instead');
    const refused = await refusedDestination(url, this.options.destinations);
    if (refused) throw badWebhookUrl(`${refused}; webhooks go only to public internet addresses`);
    return url.toString();
  }
}
