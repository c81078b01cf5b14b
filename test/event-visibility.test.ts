import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToTeam, createDraftEvent, createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { grantRole, signUp, type TestUser } from './support/users.ts';

let service: TestService;
let owner: TestUser;
let manager: TestUser;
let scanner: TestUser;
let stranger: TestUser;
let admin: TestUser;

const HALL = [{ name: 'Партер', price: 250_000, rows: 2, seats_per_row: 5 }];
const TICKETS = [{ type: 'standard', name: 'Входной', price: 150_000, quantity: 40 }];
const MISSING_EVENT = 987_654_321;

beforeAll(async () => {
  service = await startTestService();
  const app = service.app;
  [owner, manager, scanner, stranger, admin] = await Promise.all([
    signUp(app),
    signUp(app),
    signUp(app),
    signUp(app),
    signUp(app),
  ]);
  await grantRole(service.database, admin.id, 'admin');
});
afterAll(async () => {
  await service.stop();
});

const get = (url: string, headers?: { authorization: string }) =>
  service.app.inject({ method: 'GET', url, ...(headers ? { headers } : {}) } satisfies InjectOptions);

/** Every public read keyed by an event id that shows its inventory (names, prices, quantities, seats). */
const inventoryReads = (id: number) => [
  `/api/events/${id}`,
  `/api/events/${id}/ticket-types`,
  `/api/events/${id}/availability`,
  `/api/events/${id}/seat-map`,
  `/api/events/${id}/seat-map?from_row=1&to_row=1`,
  `/api/seats?event_id=${id}`,
  `/api/seats?event_id=${id}&status=FREE&pageSize=5`,
  `/api/seats?event_id=${id}&row=1&pageSize=5`,
];

async function draftWithTeam() {
  const event = await createDraftEvent(service.app, service.database, owner, { zones: HALL, ticketTypes: TICKETS });
  await addToTeam(service.app, owner, event.slug, manager.email, 'manager');
  await addToTeam(service.app, owner, event.slug, scanner.email, 'scanner');
  return event;
}

/** The problem a missing event gets on `url`, to compare a hidden one's with. */
async function missingAnswer(url: string, headers?: { authorization: string }) {
  const response = await get(url.replace(/\d+/, String(MISSING_EVENT)), headers);
  return { status: response.statusCode, type: response.json<{ type?: string }>().type };
}

describe('a draft event', () => {
  it('answers every read of its inventory with the 404 of a missing event, to anyone off its team', async () => {
    const { eventId } = await draftWithTeam();
    for (const url of inventoryReads(eventId)) {
      for (const [who, headers] of [
        ['anonymous', undefined],
        ['another user (Bearer)', stranger.bearer],
        ['another user (Basic)', stranger.basic],
      ] as const) {
        const response = await get(url, headers);
        expect(response.statusCode, `${who}: ${url}: ${response.body}`).toBe(404);
        expect(response.json(), `${who}: ${url}`).toMatchObject({ type: 'https://sbor.dev/problems/event-not-found' });
        expect({ status: response.statusCode, type: response.json<{ type: string }>().type }, `${who}: ${url}`).toEqual(
          await missingAnswer(url, headers),
        );
        expect(response.body).not.toContain('Партер');
        expect(response.body).not.toContain('Входной');
      }
    }
  });

  it('keeps its analytics from anonymous callers (401) and other users (the 404 of a missing event)', async () => {
    const { eventId } = await draftWithTeam();
    expect((await get(`/api/analytics?id=${eventId}`)).statusCode).toBe(401);
    const other = await get(`/api/analytics?id=${eventId}`, stranger.basic);
    expect(other.statusCode, other.body).toBe(404);
    expect(other.json()).toMatchObject({ type: 'https://sbor.dev/problems/event-not-found' });
    expect((await get(`/api/analytics?id=${MISSING_EVENT}`, stranger.basic)).statusCode).toBe(404);
  });

  it('is readable by its whole team and by admins, so it can be prepared', async () => {
    const { eventId } = await draftWithTeam();
    for (const user of [owner, manager, scanner, admin]) {
      for (const url of inventoryReads(eventId)) {
        const response = await get(url, user.bearer);
        expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
      }
    }
    const types = await get(`/api/events/${eventId}/ticket-types`, manager.bearer);
    expect(types.json()).toMatchObject([{ name: 'Входной', price: 150_000, quantity: 40 }]);
    // Analytics is money: owners, managers and admins, not the door staff.
    for (const user of [owner, manager, admin])
      expect((await get(`/api/analytics?id=${eventId}`, user.basic)).statusCode).toBe(200);
    expect((await get(`/api/analytics?id=${eventId}`, scanner.basic)).statusCode).toBe(403);
  });

  it('stays hidden when it is cancelled without ever having been published', async () => {
    const { eventId } = await draftWithTeam();
    const cancelled = await service.app.inject({
      method: 'POST',
      url: `/api/events/${eventId}/cancel`,
      headers: owner.bearer,
      payload: { reason: 'changed our minds' },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    for (const url of inventoryReads(eventId)) {
      expect((await get(url)).statusCode, url).toBe(404);
      expect((await get(url, stranger.bearer)).statusCode, url).toBe(404);
      expect((await get(url, manager.bearer)).statusCode, url).toBe(200);
    }
  });

  it('leaves the favourites of someone who favourited it on its team and then left the team', async () => {
    const { eventId, slug } = await draftWithTeam();
    const favourites = async () =>
      (await get('/api/users/me/favorites', manager.bearer)).json<{ id: number }[]>().map((event) => event.id);
    const added = await service.app.inject({ method: 'POST', url: `/api/events/${eventId}/favorite`, headers: manager.bearer });
    expect(added.statusCode, added.body).toBe(204);
    expect(await favourites()).toContain(eventId);
    const removed = await service.app.inject({
      method: 'DELETE',
      url: `/api/organizers/${slug}/team/${manager.id}`,
      headers: owner.bearer,
    });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(await favourites()).not.toContain(eventId);
    expect((await get(`/api/events/${eventId}`, manager.bearer)).statusCode).toBe(404);
  });

  it('shows everyone its inventory as soon as it is published, though its team read it a moment before', async () => {
    const { eventId } = await draftWithTeam();
    expect((await get(`/api/seats?event_id=${eventId}&status=FREE&pageSize=5`, owner.bearer)).statusCode).toBe(200);
    expect((await get(`/api/events/${eventId}/availability`, owner.bearer)).statusCode).toBe(200);
    const published = await service.app.inject({ method: 'POST', url: `/api/events/${eventId}/publish`, headers: owner.bearer });
    expect(published.statusCode, published.body).toBe(200);
    for (const url of inventoryReads(eventId)) expect((await get(url)).statusCode, url).toBe(200);
  });
});

describe('the money of a published event', () => {
  /** A published event with one paid (box office) booking of one seat. */
  async function eventWithSale() {
    const { eventId, slug } = await createPublishedEvent(service.app, service.database, owner, { zones: HALL });
    await addToTeam(service.app, owner, slug, manager.email, 'manager');
    await addToTeam(service.app, owner, slug, scanner.email, 'scanner');
    const [seat] = (await get(`/api/seats?event_id=${eventId}&row=1&pageSize=1`)).json<{ id: number }[]>();
    const booking = await service.app.inject({
      method: 'POST',
      url: '/api/bookings',
      headers: stranger.bearer,
      payload: { event_id: eventId, seat_ids: [seat!.id] },
    });
    expect(booking.statusCode, booking.body).toBe(201);
    const bookingId = booking.json<{ id: number }>().id;
    const checkout = await service.app.inject({
      method: 'POST',
      url: `/api/bookings/${bookingId}/checkout`,
      headers: stranger.bearer,
    });
    expect(checkout.statusCode, checkout.body).toBe(200);
    const confirmed = await service.app.inject({
      method: 'POST',
      url: `/api/bookings/${bookingId}/confirm`,
      headers: owner.bearer,
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    return eventId;
  }

  it('shows availability to everyone, with revenue and bookings_count only for owners, managers and admins', async () => {
    const eventId = await eventWithSale();
    for (const headers of [undefined, stranger.bearer, scanner.bearer]) {
      const response = await get(`/api/events/${eventId}/availability`, headers);
      expect(response.statusCode, response.body).toBe(200);
      const figures = response.json<Record<string, unknown>>();
      expect(figures).toMatchObject({ event_id: eventId, total: 10, sold: 1, free: 9, held: 0 });
      expect(figures).not.toHaveProperty('revenue');
      expect(figures).not.toHaveProperty('bookings_count');
    }
    for (const user of [owner, manager, admin]) {
      const response = await get(`/api/events/${eventId}/availability`, user.bearer);
      expect(response.json()).toMatchObject({ sold: 1, revenue: 250_000, bookings_count: 1 });
    }
  });

  it('gives the HackLoad analytics, revenue included, to the event team only', async () => {
    const eventId = await eventWithSale();
    expect((await get(`/api/analytics?id=${eventId}`)).statusCode).toBe(401);
    for (const user of [stranger, scanner]) {
      const response = await get(`/api/analytics?id=${eventId}`, user.basic);
      expect(response.statusCode, response.body).toBe(403);
      expect(response.body).not.toContain('2500.00');
    }
    const response = await get(`/api/analytics?id=${eventId}`, manager.basic);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      event_id: eventId,
      total_seats: 10,
      sold_seats: 1,
      reserved_seats: 0,
      free_seats: 9,
      total_revenue: '2500.00',
      bookings_count: 1,
    });
  });

  it('documents revenue and bookings_count as given to the event team only', async () => {
    const document = (await get('/openapi.json')).json<{
      paths: Record<string, { get: { responses: { 200: { content: { 'application/json': { schema: unknown } } } } } }>;
    }>();
    const schema = document.paths['/api/events/{id}/availability']!.get.responses[200].content['application/json'].schema as {
      required: string[];
      properties: Record<string, { description?: string }>;
    };
    expect(schema.required).not.toContain('revenue');
    expect(schema.required).not.toContain('bookings_count');
    expect(schema.properties.revenue?.description).toMatch(/team/);
  });
});
