import { createHmac, timingSafeEqual } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/modules/integrations/index.ts';
import { createPublishedEvent } from './support/events.ts';
import { startReceiver, type TestReceiver } from './support/receiver.ts';
import { startTestService, type TestService } from './support/service.ts';
import { grantRole, signUp, type TestUser } from './support/users.ts';

let service: TestService;
let receiver: TestReceiver;
let owner: TestUser;
let admin: TestUser;

beforeAll(async () => {
  receiver = await startReceiver();
  service = await startTestService();
  [owner, admin] = await Promise.all([signUp(service.app), signUp(service.app)]);
  await grantRole(service.database, admin.id, 'admin');
});
afterAll(async () => {
  await service.stop();
  await receiver.close();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;
const POLICY = { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false };
const FREE = [{ type: 'free', name: 'Вход', price: 0, quantity: 100 }];

/** The documented recipe, written out independently of the service's own helper. */
function verifyAsDocumented(secret: string, rawBody: string, header: string): boolean {
  const fields = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  const timestamp = Number(fields.t);
  if (Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${fields.t}.${rawBody}`).digest();
  const given = Buffer.from(fields.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function register(slug: string, url: string, types: string[], as: TestUser = owner) {
  const response = await inject({
    method: 'POST',
    url: `/api/organizers/${slug}/webhooks`,
    headers: as.bearer,
    payload: { url, event_types: types },
  });
  return response;
}

async function buy(eventId: number, ticketTypeId: number) {
  const buyer = await signUp(service.app);
  const response = await inject({
    method: 'POST',
    url: `/api/events/${eventId}/tickets`,
    headers: buyer.bearer,
    payload: { ticket_type_id: ticketTypeId, quantity: 1 },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { buyer, booking: response.json<{ id: number }>() };
}

async function settled(): Promise<void> {
  await expect
    .poll(
      async () => {
        const row = await sql<{ outbox: number; queued: number; due: number }>`
          select
            (select count(*)::int from platform.outbox where published_at is null) as outbox,
            (select count(*)::int from integrations.event_log where webhooks_pending) as queued,
            (select count(*)::int from integrations.webhook_deliveries d
              join integrations.webhook_endpoints e on e.id = d.endpoint_id and e.status = 'active'
              where d.status = 'sending' or (d.status = 'pending' and d.next_attempt_at <= now())) as due`.execute(db());
        return row.rows[0];
      },
      { timeout: 15_000 },
    )
    .toEqual({ outbox: 0, queued: 0, due: 0 });
}

describe('outbound webhooks', () => {
  it('delivers the chosen events of the organizer signed as documented, and nothing else', async () => {
    const { eventId, ticketTypeIds, slug } = await createPublishedEvent(service.app, service.database, owner, {
      policy: POLICY,
      ticketTypes: FREE,
    });
    const registered = await register(slug, receiver.url, ['booking.confirmed']);
    expect(registered.statusCode, registered.body).toBe(201);
    const endpoint = registered.json<{ id: number; secret: string; status: string }>();
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(endpoint.status).toBe('active');
    const listed = await inject({ method: 'GET', url: `/api/organizers/${slug}/webhooks`, headers: owner.bearer });
    expect(listed.json()).toEqual([expect.not.objectContaining({ secret: expect.anything() as unknown })]);

    // Another organizer's sale is not theirs to hear about.
    const other = await createPublishedEvent(service.app, service.database, owner, { policy: POLICY, ticketTypes: FREE });
    await buy(other.eventId, other.ticketTypeIds[0]!);
    const before = receiver.requests.length;
    const { booking } = await buy(eventId, ticketTypeIds[0]!);
    await settled();

    const requests = receiver.requests.slice(before);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    const signature = request!.headers['sbor-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyAsDocumented(endpoint.secret, request!.body, signature)).toBe(true);
    expect(verifySignature(endpoint.secret, request!.body, signature)).toBe(true);
    expect(verifySignature('whsec_wrong', request!.body, signature)).toBe(false);
    expect(verifySignature(endpoint.secret, request!.body.replace('"booking', '"Booking'), signature)).toBe(false);
    const body = JSON.parse(request!.body) as { id: string; type: string; data: { bookingId: number; eventId: number } };
    expect(body).toMatchObject({ type: 'booking.confirmed', data: { bookingId: booking.id, eventId } });
    expect(request!.headers['sbor-event-type']).toBe('booking.confirmed');
    expect(request!.headers['sbor-event-id']).toBe(body.id);

    const log = await inject({
      method: 'GET',
      url: `/api/organizers/${slug}/webhooks/${endpoint.id}/deliveries`,
      headers: owner.bearer,
    });
    expect(log.json()).toEqual([
      expect.objectContaining({
        status: 'delivered',
        attempts: 1,
        last_status_code: 200,
        attempt_log: [expect.objectContaining({ attempt: 1, status_code: 200 })],
      }),
    ]);
  });

  it('retries a failing receiver with backoff and delivers once it answers', async () => {
    const { eventId, ticketTypeIds, slug } = await createPublishedEvent(service.app, service.database, owner, {
      policy: POLICY,
      ticketTypes: FREE,
    });
    const flaky = await startReceiver(503);
    try {
      const endpoint = (await register(slug, flaky.url, ['booking.confirmed'])).json<{ id: number }>();
      await buy(eventId, ticketTypeIds[0]!);
      await settled();
      const pending = await sql<{ status: string; attempts: number; later: boolean }>`
        select status, attempts, next_attempt_at > now() + interval '50 seconds' as later
        from integrations.webhook_deliveries where endpoint_id = ${endpoint.id}`.execute(db());
      expect(pending.rows).toEqual([{ status: 'pending', attempts: 1, later: true }]);

      flaky.status = 200;
      await sql`update integrations.webhook_deliveries set next_attempt_at = now() where endpoint_id = ${endpoint.id}`.execute(
        db(),
      );
      await settled();
      const log = await inject({
        method: 'GET',
        url: `/api/organizers/${slug}/webhooks/${endpoint.id}/deliveries`,
        headers: owner.bearer,
      });
      expect(log.json()).toEqual([
        expect.objectContaining({
          status: 'delivered',
          attempts: 2,
          attempt_log: [
            expect.objectContaining({ attempt: 1, status_code: 503, error: 'answered 503' }),
            expect.objectContaining({ attempt: 2, status_code: 200, error: null }),
          ],
        }),
      ]);
      expect(flaky.requests).toHaveLength(2);
      // The same delivery is signed afresh but carries the same event id.
      expect(flaky.requests[0]!.headers['sbor-event-id']).toBe(flaky.requests[1]!.headers['sbor-event-id']);
    } finally {
      await flaky.close();
    }
  });

  it('disables an endpoint that answers 410 and tells its owner', async () => {
    const { eventId, ticketTypeIds, slug } = await createPublishedEvent(service.app, service.database, owner, {
      policy: POLICY,
      ticketTypes: FREE,
    });
    const gone = await startReceiver(410);
    try {
      const endpoint = (await register(slug, gone.url, ['booking.confirmed', 'booking.created'])).json<{ id: number }>();
      await buy(eventId, ticketTypeIds[0]!);
      await settled();
      await buy(eventId, ticketTypeIds[0]!);
      await settled();
      expect(gone.requests).toHaveLength(1);
      const listed = await inject({ method: 'GET', url: `/api/organizers/${slug}/webhooks`, headers: owner.bearer });
      expect(listed.json()).toContainEqual(
        expect.objectContaining({ id: endpoint.id, status: 'disabled', disabled_reason: 'the receiver answered 410 Gone' }),
      );
      await expect
        .poll(
          async () =>
            (await inject({ method: 'GET', url: '/api/notifications', headers: owner.bearer })).json<{
              items: { kind: string; text: string }[];
            }>().items,
          { timeout: 15_000 },
        )
        .toContainEqual(
          expect.objectContaining({ kind: 'webhook.disabled', text: expect.stringContaining(gone.url) as unknown }),
        );

      // Turned back on, it hears about new events again.
      gone.status = 200;
      const enabled = await inject({
        method: 'POST',
        url: `/api/organizers/${slug}/webhooks/${endpoint.id}/enable`,
        headers: owner.bearer,
      });
      expect(enabled.json()).toMatchObject({ status: 'active', consecutive_failures: 0 });
      const { booking } = await buy(eventId, ticketTypeIds[0]!);
      await settled();
      expect(
        gone.requests.map((request) => (JSON.parse(request.body) as { data: { bookingId: number } }).data.bookingId),
      ).toContain(booking.id);
    } finally {
      await gone.close();
    }
  });

  it('lets only the organizer team manage endpoints', async () => {
    const { slug } = await createPublishedEvent(service.app, service.database, owner, { policy: POLICY, ticketTypes: FREE });
    const stranger = await signUp(service.app);
    expect((await register(slug, receiver.url, ['booking.confirmed'], stranger)).statusCode).toBe(403);
    expect((await register('no-such-organizer', receiver.url, ['booking.confirmed'])).statusCode).toBe(404);
    expect((await register(slug, 'ftp://example.com/x', ['booking.confirmed'])).statusCode).toBe(400);
    expect((await register(slug, receiver.url, ['no.such.type'])).statusCode).toBe(400);
    const created = (await register(slug, receiver.url, ['event.cancelled'])).json<{ id: number }>();
    const removeAsStranger = await inject({
      method: 'DELETE',
      url: `/api/organizers/${slug}/webhooks/${created.id}`,
      headers: stranger.bearer,
    });
    expect(removeAsStranger.statusCode).toBe(403);
    const removed = await inject({
      method: 'DELETE',
      url: `/api/organizers/${slug}/webhooks/${created.id}`,
      headers: owner.bearer,
    });
    expect(removed.statusCode).toBe(204);
    const listed = await inject({ method: 'GET', url: `/api/organizers/${slug}/webhooks`, headers: owner.bearer });
    expect(listed.json()).toEqual([]);
  });
});

describe('the event log', () => {
  it('shows an operator what happened to a booking, in order', async () => {
    const { eventId, ticketTypeIds } = await createPublishedEvent(service.app, service.database, owner, {
      policy: POLICY,
      ticketTypes: FREE,
    });
    const { buyer, booking } = await buy(eventId, ticketTypeIds[0]!);
    const cancelled = await inject({ method: 'POST', url: `/api/bookings/${booking.id}/cancel`, headers: buyer.bearer });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await settled();
    const log = await inject({ method: 'GET', url: `/api/admin/event-log?key=booking:${booking.id}`, headers: admin.bearer });
    expect(log.statusCode, log.body).toBe(200);
    const entries = log.json<{ id: number; type: string; keys: string[] }[]>();
    const types = entries.map((entry) => entry.type);
    expect(types.filter((type) => type.startsWith('booking.'))).toEqual([
      'booking.created',
      'booking.confirmed',
      'booking.cancelled',
    ]);
    // The tickets module's events about the booking are in the same history.
    expect(types).toEqual(expect.arrayContaining(['ticket.purchased', 'ticket.cancelled']));
    expect(types.indexOf('ticket.purchased')).toBeGreaterThan(types.indexOf('booking.confirmed'));
    expect(entries.map((entry) => entry.id)).toEqual([...entries.map((entry) => entry.id)].sort((a, b) => a - b));
    expect(entries[0]!.keys).toEqual(expect.arrayContaining([`booking:${booking.id}`, `event:${eventId}`, `user:${buyer.id}`]));
    const byUser = await inject({ method: 'GET', url: `/api/admin/event-log?key=user:${buyer.id}`, headers: admin.bearer });
    expect(byUser.json<{ type: string }[]>().map((entry) => entry.type)).toEqual(
      expect.arrayContaining(['booking.created', 'booking.confirmed', 'booking.cancelled']),
    );
    const refused = await inject({ method: 'GET', url: `/api/admin/event-log?key=booking:${booking.id}`, headers: owner.bearer });
    expect(refused.statusCode).toBe(403);
  });
});
