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
  // The receivers listen on 127.0.0.1, which webhooks may reach only when loopback is allowed.
  service = await startTestService({ env: { WEBHOOK_ALLOW_PRIVATE: 'loopback' } });
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

describe('webhook addresses (no SSRF)', () => {
  let strict: TestService;
  let strictOwner: TestUser;

  beforeAll(async () => {
    // The default: webhooks go to public addresses only.
    strict = await startTestService();
    strictOwner = await signUp(strict.app);
  });
  afterAll(async () => {
    await strict.stop();
  });

  const registerOn = (target: TestService, as: TestUser, slug: string, url: string) =>
    target.app.inject({
      method: 'POST',
      url: `/api/organizers/${slug}/webhooks`,
      headers: as.bearer,
      payload: { url, event_types: ['event.completed'] },
    });

  it('refuses an endpoint on a loopback, private, link-local or unresolvable address', async () => {
    const { slug } = await createPublishedEvent(strict.app, strict.database, strictOwner, { policy: POLICY, ticketTypes: FREE });
    const port = new URL(receiver.url).port;
    for (const url of [
      receiver.url,
      `http://localhost:${port}/hooks`,
      `http://[::1]:${port}/hooks`,
      `http://2130706433:${port}/hooks`,
      `http://[::ffff:127.0.0.1]:${port}/hooks`,
      'http://0.0.0.0/hooks',
      'http://10.0.0.1/hooks',
      'http://172.16.5.4/hooks',
      'http://192.168.1.1/hooks',
      'http://100.64.0.1/hooks',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/hooks',
      'http://[fd00::1]/hooks',
      'https://no-such-host.invalid/hooks',
    ]) {
      const refused = await registerOn(strict, strictOwner, slug, url);
      expect(refused.statusCode, `${url}: ${refused.body}`).toBe(400);
      expect(refused.json()).toMatchObject({ type: 'https://sbor.dev/problems/bad-webhook-url' });
    }
    // A public address is fine (no DNS needed for a literal; nothing is sent to it here).
    const accepted = await registerOn(strict, strictOwner, slug, 'https://93.184.216.34/hooks');
    expect(accepted.statusCode, accepted.body).toBe(201);
    const removed = await strict.app.inject({
      method: 'DELETE',
      url: `/api/organizers/${slug}/webhooks/${accepted.json<{ id: number }>().id}`,
      headers: strictOwner.bearer,
    });
    expect(removed.statusCode).toBe(204);
  });

  it('does not call an endpoint whose address is internal at delivery, and disables it', async () => {
    // Stored as if registered before the check, or by a name that has since been pointed inside.
    const { eventId, ticketTypeIds, slug } = await createPublishedEvent(strict.app, strict.database, strictOwner, {
      policy: POLICY,
      ticketTypes: FREE,
    });
    const inside = await startReceiver();
    try {
      const endpoint = await sql<{ id: number }>`
        insert into integrations.webhook_endpoints (organizer_id, organizer_slug, url, event_types, secret, created_by)
        select id, slug, ${inside.url}, array['booking.confirmed'], 'whsec_test', ${strictOwner.id}
        from catalog.organizers where slug = ${slug}
        returning id`.execute(strict.database.db);
      const endpointId = endpoint.rows[0]!.id;
      const buyer = await signUp(strict.app);
      const bought = await strict.app.inject({
        method: 'POST',
        url: `/api/events/${eventId}/tickets`,
        headers: buyer.bearer,
        payload: { ticket_type_id: ticketTypeIds[0], quantity: 1 },
      });
      expect(bought.statusCode, bought.body).toBe(201);
      await expect
        .poll(
          async () =>
            (
              await strict.app.inject({
                method: 'GET',
                url: `/api/organizers/${slug}/webhooks/${endpointId}/deliveries`,
                headers: strictOwner.bearer,
              })
            ).json<{ status: string }[]>()[0]?.status,
          { timeout: 15_000 },
        )
        .toBe('failed');
      expect(inside.requests).toEqual([]);
      const log = await strict.app.inject({
        method: 'GET',
        url: `/api/organizers/${slug}/webhooks/${endpointId}/deliveries`,
        headers: strictOwner.bearer,
      });
      expect(log.json()).toEqual([
        expect.objectContaining({
          attempts: 1,
          last_status_code: null,
          last_error: expect.stringMatching(/^refused: 127\.0\.0\.1 is not a public address$/) as unknown,
        }),
      ]);
      const listed = await strict.app.inject({
        method: 'GET',
        url: `/api/organizers/${slug}/webhooks`,
        headers: strictOwner.bearer,
      });
      expect(listed.json()).toContainEqual(
        expect.objectContaining({
          id: endpointId,
          status: 'disabled',
          disabled_reason: expect.stringContaining('is not a public address') as unknown,
        }),
      );
      const enabled = await strict.app.inject({
        method: 'POST',
        url: `/api/organizers/${slug}/webhooks/${endpointId}/enable`,
        headers: strictOwner.bearer,
      });
      expect(enabled.statusCode, 'turning it back on is refused for the same reason').toBe(400);
      expect(enabled.json()).toMatchObject({ type: 'https://sbor.dev/problems/bad-webhook-url' });
    } finally {
      await inside.close();
    }
  });

  it('keeps refusing private ranges when loopback is allowed', async () => {
    const { slug } = await createPublishedEvent(service.app, service.database, owner, { policy: POLICY, ticketTypes: FREE });
    for (const url of ['http://10.0.0.1/hooks', 'http://169.254.169.254/', 'http://0.0.0.0/hooks', 'http://[fe80::1]/hooks']) {
      expect((await registerOn(service, owner, slug, url)).statusCode, url).toBe(400);
    }
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
