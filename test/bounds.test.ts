import { randomBytes, randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDraftEvent, createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { grantRole, signUp, type TestUser } from './support/users.ts';

/**
 * Bad input never becomes a 500: each cause the fuzz test (api-fuzz.test.ts) found, as the request
 * that showed it, with what must be true afterwards. The bounds are documented in docs/sales.md
 * ("Bounds") and docs/errors.md.
 */

let service: TestService;
let owner: TestUser;
let buyer: TestUser;
let admin: TestUser;

beforeAll(async () => {
  service = await startTestService();
  [owner, buyer, admin] = await Promise.all([signUp(service.app), signUp(service.app), signUp(service.app)]);
  await grantRole(service.database, admin.id, 'admin');
});
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;

const draftEvent = () => createDraftEvent(service.app, service.database, owner);

function expectProblem(response: Awaited<ReturnType<typeof inject>>, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ type: `https://sbor.dev/problems/${code}`, status });
}

const countRows = async (table: string, eventId: number) =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where event_id = ${eventId}`.execute(db())).rows[0]
    ?.n;

describe('POST /api/events/:id/seat-layout', () => {
  it('refuses a hall over 100,000 seats with a 422 problem and lays out nothing', async () => {
    const event = await draftEvent();
    const response = await inject({
      method: 'POST',
      url: `/api/events/${event.eventId}/seat-layout`,
      headers: owner.bearer,
      payload: { zones: [{ name: 'Партер', price: 100, rows: 101, seats_per_row: 1000 }] },
    });
    expectProblem(response, 422, 'layout-too-large');
    expect(response.json()).toMatchObject({ max: 100_000, seats: 101_000 });
    expect(await countRows('sales.seats', event.eventId)).toBe(0);
    expect(await countRows('sales.zones', event.eventId)).toBe(0);
  });
});

describe('money', () => {
  it('refuses a ticket type priced 2^53 and saves nothing; the event’s ticket types, availability, publish and waitlist keep answering', async () => {
    const event = await draftEvent();
    const poisoned = await inject({
      method: 'POST',
      url: `/api/events/${event.eventId}/ticket-types`,
      headers: owner.bearer,
      payload: { type: 'vip', name: 'VIP', price: 9007199254740992, quantity: 1 },
    });
    expectProblem(poisoned, 400, 'validation-error');
    expect(await countRows('sales.ticket_types', event.eventId)).toBe(0);
    const sound = await inject({
      method: 'POST',
      url: `/api/events/${event.eventId}/ticket-types`,
      headers: owner.bearer,
      payload: { type: 'standard', name: 'Вход', price: 100, quantity: 1 },
    });
    expect(sound.statusCode, sound.body).toBe(201);
    for (const url of [`/api/events/${event.eventId}/ticket-types`, `/api/events/${event.eventId}/availability`]) {
      const response = await inject({ method: 'GET', url, headers: owner.bearer });
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    }
    const published = await inject({ method: 'POST', url: `/api/events/${event.eventId}/publish`, headers: owner.bearer });
    expect(published.statusCode, published.body).toBe(200);
    const bought = await inject({
      method: 'POST',
      url: `/api/events/${event.eventId}/tickets`,
      headers: buyer.bearer,
      payload: { ticket_type_id: sound.json<{ id: number }>().id, quantity: 1 },
    });
    expect(bought.statusCode, bought.body).toBe(201);
    const waitlist = await inject({
      method: 'POST',
      url: `/api/events/${event.eventId}/waitlist`,
      headers: admin.bearer,
      payload: { ticket_type_id: sound.json<{ id: number }>().id, quantity: 1 },
    });
    expect(waitlist.statusCode, waitlist.body).toBeLessThan(500);
  });

  it('refuses zones priced 2^53 − 1, 2^52, 1e19 or 1e308, so availability and analytics never add past 2^53', async () => {
    const event = await draftEvent();
    for (const price of [9007199254740991, 4503599627370496, 1_000_000_001, 1e19, 1e308]) {
      const response = await inject({
        method: 'POST',
        url: `/api/events/${event.eventId}/seat-layout`,
        headers: owner.bearer,
        payload: { zones: [{ name: 'Партер', price, rows: 1, seats_per_row: 2 }] },
      });
      expectProblem(response, 400, 'validation-error');
      expect(response.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('body/zones/0/price');
    }
    expect(await countRows('sales.zones', event.eventId)).toBe(0);
  });

  it('takes the top price of 10^9 and adds up a sold event’s revenue exactly', async () => {
    const top = 1_000_000_000;
    const { eventId, ticketTypeIds } = await createPublishedEvent(service.app, service.database, owner, {
      zones: [{ name: 'Партер', price: top, rows: 1, seats_per_row: 3 }],
      ticketTypes: [{ type: 'vip', name: 'VIP', price: top, quantity: 5, max_per_order: 5 }],
      policy: { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false },
    });
    const seats = await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by id`.execute(db());
    const seated = await inject({
      method: 'POST',
      url: '/api/bookings',
      headers: buyer.bearer,
      payload: { event_id: eventId, seat_ids: seats.rows.map((seat) => seat.id) },
    });
    expect(seated.statusCode, seated.body).toBe(201);
    const units = await inject({
      method: 'POST',
      url: '/api/bookings',
      headers: buyer.bearer,
      payload: { event_id: eventId, ticket_type_id: ticketTypeIds[0], quantity: 5 },
    });
    expect(units.statusCode, units.body).toBe(201);
    for (const booking of [seated, units]) {
      const id = booking.json<{ id: number }>().id;
      const confirmed = await inject({ method: 'POST', url: `/api/bookings/${id}/confirm`, headers: owner.bearer });
      expect(confirmed.statusCode, confirmed.body).toBe(200);
    }
    // Revenue is the team's to see.
    const availability = await inject({ method: 'GET', url: `/api/events/${eventId}/availability`, headers: owner.bearer });
    expect(availability.json<{ revenue: number }>().revenue).toBe(8 * top);
    const analytics = await inject({ method: 'GET', url: `/api/analytics?id=${eventId}`, headers: owner.bearer });
    expect(analytics.json<{ total_revenue: string }>().total_revenue).toBe('80000000.00');
  });

  it('keeps an event’s general-admission units at 1,000,000 over all its ticket types, also when they are added at once', async () => {
    const event = await draftEvent();
    const add = (quantity: number) =>
      inject({
        method: 'POST',
        url: `/api/events/${event.eventId}/ticket-types`,
        headers: owner.bearer,
        payload: { type: 'standard', name: `x${quantity}`, price: 100, quantity },
      });
    const racing = await Promise.all(Array.from({ length: 4 }, () => add(300_000)));
    expect(racing.map((response) => response.statusCode).sort()).toEqual([201, 201, 201, 422]);
    expectProblem(
      racing.find((response) => response.statusCode === 422)!,
      422,
      'units-limit-reached',
    );
    expect((await add(100_001)).json()).toMatchObject({ left: 100_000 });
    expect((await add(100_000)).statusCode).toBe(201);
    const units = await sql<{ n: number }>`
      select sum(quantity)::int as n from sales.ticket_types where event_id = ${event.eventId}`.execute(db());
    expect(units.rows[0]?.n).toBe(1_000_000);
  });

  it('is bounded in the database too: a price over 10^9 or an order over 10^12 is refused whatever the code does', async () => {
    const event = await draftEvent();
    await expect(
      sql`insert into sales.zones (event_id, name, price, currency) values (${event.eventId}, 'x', 1000000001, 'KZT')`.execute(
        db(),
      ),
    ).rejects.toThrow(/zones_price_bound/);
    await expect(
      sql`insert into sales.bookings (event_id, user_id, exclusive, status, total_amount, currency)
          values (${event.eventId}, ${buyer.id}, false, 'CONFIRMED', 1000000000001, 'KZT')`.execute(db()),
    ).rejects.toThrow(/bookings_total_bound/);
  });
});

describe('integer parameters', () => {
  it.each([
    ['GET /api/events/Infinity/availability', '/api/events/Infinity/availability', 'params/id'],
    ['GET /api/seats?event_id=Infinity', '/api/seats?event_id=Infinity', 'querystring/event_id'],
    ['GET /api/events/-Infinity', '/api/events/-Infinity', 'params/id'],
  ])('answers %s anonymously with a 400 naming the parameter', async (_name, url, field) => {
    const response = await inject({ method: 'GET', url });
    expectProblem(response, 400, 'validation-error');
    expect(response.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe(field);
  });

  it('answers GET /api/analytics?id=+Infinity (the team’s door) with a 400 naming the parameter', async () => {
    const response = await inject({ method: 'GET', url: '/api/analytics?id=%2BInfinity', headers: buyer.bearer });
    expectProblem(response, 400, 'validation-error');
    expect(response.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('querystring/id');
  });

  it('answers GET /api/bookings/-Infinity with a 400', async () => {
    expectProblem(
      await inject({ method: 'GET', url: '/api/bookings/-Infinity', headers: buyer.bearer }),
      400,
      'validation-error',
    );
  });

  it('refuses page=1e19 on every paginated list, and 1e19 as a row, an event log cursor or an event id in a body', async () => {
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, {
      zones: [{ name: 'Партер', price: 100, rows: 1, seats_per_row: 2 }],
    });
    for (const url of [
      '/api/events?page=1e19',
      `/api/seats?event_id=${eventId}&page=1e19`,
      `/api/seats?event_id=${eventId}&row=1e19`,
      `/api/events/${eventId}/seat-map?from_row=1e19`,
      `/api/events/${eventId}/seat-map?to_row=9007199254740992`,
      `/api/events/${eventId}/bookings?page=1e19`,
      `/api/events/${eventId}/waitlist?page=1e19`,
      '/api/tickets?page=1e19',
      '/api/notifications?page=1e19',
      '/api/admin/users?page=1e19',
      '/api/admin/event-log?after=1e19',
      '/api/admin/notification-deliveries?event_id=1e19',
    ]) {
      expectProblem(await inject({ method: 'GET', url, headers: admin.bearer }), 400, 'validation-error');
    }
    const validate = await inject({
      method: 'POST',
      url: '/api/tickets/abc/validate',
      headers: { ...admin.bearer, 'content-type': 'application/json' },
      payload: '{"event_id":1e19}',
    });
    expectProblem(validate, 400, 'validation-error');
  });
});

describe('strings PostgreSQL cannot store', () => {
  it('refuses a NUL character in a registration and creates no account', async () => {
    const email = `nul-${randomUUID()}@example.test`;
    const response = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password: 'correct horse battery staple', first_name: 'a\u0000b', surname: 'Тестова' },
    });
    expectProblem(response, 400, 'validation-error');
    expect(response.json()).toMatchObject({ errors: [{ field: 'body/first_name', message: 'must not contain NUL characters' }] });
    const stored = await sql<{ n: number }>`select count(*)::int as n from identity.users where email = ${email}`.execute(db());
    expect(stored.rows[0]?.n).toBe(0);
  });

  it.each([
    ['a search', '/api/events?query=%00', 'querystring/query'],
    ['a payment return', '/api/payments/success?orderId=%00', 'querystring/orderId'],
    ['a ticket code', '/api/tickets/a%00b/validate', 'params/code'],
  ])('refuses a NUL character in %s', async (_what, url, field) => {
    const method = url.includes('/validate') ? 'POST' : 'GET';
    const response = await inject({ method, url, headers: admin.bearer, ...(method === 'POST' ? { payload: {} } : {}) });
    expectProblem(response, 400, 'validation-error');
    expect(response.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe(field);
  });

  it('refuses a lone surrogate in an organizer’s contacts (jsonb) and creates nothing', async () => {
    const slug = `org-${randomUUID().slice(0, 8)}`;
    const response = await inject({
      method: 'POST',
      url: '/api/organizers',
      headers: { ...owner.bearer, 'content-type': 'application/json' },
      payload: `{"slug":"${slug}","name":"x","contacts":{"phone":"\\ud800x"}}`,
    });
    expectProblem(response, 400, 'validation-error');
    expect(response.json()).toMatchObject({ errors: [{ field: 'body/contacts/phone' }] });
    expect((await inject({ method: 'GET', url: `/api/organizers/${slug}` })).statusCode).toBe(404);
  });
});

describe('POST /api/payments/notifications', () => {
  it('refuses a 1 MB paymentId with a 400, and records no delivery', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/payments/notifications',
      payload: { paymentId: 'x'.repeat(1_000_000), status: 'CONFIRMED', teamSlug: 'sbor-sandbox' },
    });
    expectProblem(response, 400, 'validation-error');
    const deliveries = await sql<{ n: number }>`select count(*)::int as n from payments.webhook_deliveries`.execute(db());
    expect(deliveries.rows[0]?.n).toBe(0);
  });

  it('refuses a delivery id of 10,000 characters with a 400', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/payments/notifications',
      headers: { 'x-webhook-delivery': randomBytes(5_000).toString('hex') },
      payload: { paymentId: 'sbx_1', status: 'CONFIRMED', teamSlug: 'sbor-sandbox' },
    });
    expectProblem(response, 400, 'validation-error');
  });
});

describe('the router’s own refusals', () => {
  it('answers a broken percent-encoding with a 400 problem and a 101-character path parameter with a 414 problem', async () => {
    expectProblem(await inject({ method: 'GET', url: '/api/events/%E0%A4%A' }), 400, 'malformed-url');
    // (A GET would fall through to the web app's catch-all, which answers 404.)
    expectProblem(
      await inject({ method: 'POST', url: `/api/tickets/${'a'.repeat(101)}/validate`, payload: {} }),
      414,
      'uri-too-long',
    );
  });
});
