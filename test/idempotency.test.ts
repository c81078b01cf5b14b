import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

let service: TestService;
let owner: TestUser;
let buyer: TestUser;
let eventId: number;
let ticketTypeId: number;

beforeAll(async () => {
  service = await startTestService();
  [owner, buyer] = await Promise.all([signUp(service.app), signUp(service.app)]);
  const event = await createPublishedEvent(service.app, service.database, owner, {
    policy: { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false },
    ticketTypes: [{ type: 'standard', name: 'Входной', price: 100_000, quantity: 50 }],
  });
  eventId = event.eventId;
  ticketTypeId = event.ticketTypeIds[0]!;
});
afterAll(async () => {
  await service.stop();
});

const purchase = (key: string, quantity: number) =>
  service.app.inject({
    method: 'POST',
    url: `/api/events/${eventId}/tickets`,
    headers: { ...buyer.bearer, 'idempotency-key': key },
    payload: { ticket_type_id: ticketTypeId, quantity },
  });

async function bookingsOfBuyer(): Promise<number> {
  const rows = await sql<{
    count: number;
  }>`select count(*)::int as count from sales.bookings where user_id = ${buyer.id}`.execute(service.database.db);
  return rows.rows[0]!.count;
}

describe('Idempotency-Key on purchases and bookings', () => {
  it('replays the stored answer for the same key and body, creating one booking', async () => {
    const before = await bookingsOfBuyer();
    const first = await purchase('order-1', 2);
    expect(first.statusCode).toBe(201);
    const again = await purchase('order-1', 2);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await bookingsOfBuyer()).toBe(before + 1);
  });

  it('refuses the same key with a different body with 422', async () => {
    await purchase('order-2', 1);
    const reused = await purchase('order-2', 3);
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toMatchObject({ type: 'https://sbor.dev/problems/idempotency-key-reused' });
  });

  it('answers 409 while the first request with the key is still running, and runs it once', async () => {
    const before = await bookingsOfBuyer();
    const results = await Promise.all(Array.from({ length: 5 }, () => purchase('order-3', 1)));
    const statuses = results.map((response) => response.statusCode).sort();
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    expect(await bookingsOfBuyer()).toBe(before + 1);
  });

  it('scopes keys per user', async () => {
    const other = await signUp(service.app);
    await purchase('shared-key', 1);
    const response = await service.app.inject({
      method: 'POST',
      url: `/api/events/${eventId}/tickets`,
      headers: { ...other.bearer, 'idempotency-key': 'shared-key' },
      payload: { ticket_type_id: ticketTypeId, quantity: 1 },
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers['idempotent-replayed']).toBeUndefined();
  });

  it('frees the key when the request fails, so a corrected retry can succeed', async () => {
    const tooMany = await purchase('order-4', 11);
    expect(tooMany.statusCode).toBe(400);
    const sold = await service.app.inject({
      method: 'POST',
      url: '/api/bookings',
      headers: { ...buyer.bearer, 'idempotency-key': 'order-5' },
      payload: { event_id: eventId, ticket_type_id: ticketTypeId, quantity: 1000 },
    });
    expect(sold.statusCode).toBe(400);
    const retry = await service.app.inject({
      method: 'POST',
      url: '/api/bookings',
      headers: { ...buyer.bearer, 'idempotency-key': 'order-5' },
      payload: { event_id: eventId, ticket_type_id: ticketTypeId, quantity: 1000 },
    });
    expect(retry.statusCode).toBe(400);
  });
});
