import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

let service: TestService;
let owner: TestUser;
let buyer: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  service = await startTestService();
  [owner, buyer, stranger] = await Promise.all([signUp(service.app), signUp(service.app), signUp(service.app)]);
});
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;
const MANY = { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false };
const HOUR = 3_600_000;
const problem = (code: string) => `https://sbor.dev/problems/${code}`;

interface Booking {
  id: number;
  status: string;
  total_amount: number;
  subtotal_amount: number;
  discount_amount: number;
  promo_code: string | null;
  seats: { id: number; price: number }[];
}
interface Promo {
  id: number;
  code: string;
  uses: number;
  max_uses: number;
  active: boolean;
  usable: boolean;
}

async function gaEvent(price = 10_000, quantity = 500) {
  return createPublishedEvent(service.app, service.database, owner, {
    policy: MANY,
    ticketTypes: [
      { type: 'standard', name: 'Входной', price, quantity },
      { type: 'vip', name: 'VIP', price: price * 3, quantity },
    ],
  });
}

async function createCode(eventId: number, body: Record<string, unknown>): Promise<Promo> {
  const response = await inject({
    method: 'POST',
    url: `/api/events/${eventId}/promo-codes`,
    headers: owner.bearer,
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Promo>();
}

const purchase = (eventId: number, payload: Record<string, unknown>, user: TestUser = buyer) =>
  inject({ method: 'POST', url: `/api/events/${eventId}/tickets`, headers: user.bearer, payload });

async function usesOf(id: number): Promise<number> {
  const row = await sql<{ uses: number }>`select uses from sales.promo_codes where id = ${id}`.execute(db());
  return row.rows[0]!.uses;
}

async function bookingsOfEvent(eventId: number): Promise<number> {
  const row = await sql<{ n: number }>`select count(*)::int as n from sales.bookings where event_id = ${eventId}`.execute(db());
  return row.rows[0]!.n;
}

describe('POST /api/events/:id/promo-codes', () => {
  it('lets the event team create, bulk-create, list, change and deactivate codes, and no one else', async () => {
    const { eventId, ticketTypeIds } = await gaEvent();
    const single = await createCode(eventId, {
      code: 'summer-25',
      discount_kind: 'percent',
      discount_value: 25,
      ticket_type_ids: [ticketTypeIds[0]],
      max_uses: 10,
    });
    expect(single).toMatchObject({
      code: 'SUMMER-25',
      uses: 0,
      max_uses: 10,
      active: true,
      usable: true,
      ticket_type_ids: [ticketTypeIds[0]],
    });

    const bulk = await inject({
      method: 'POST',
      url: `/api/events/${eventId}/promo-codes/bulk`,
      headers: owner.bearer,
      payload: { prefix: 'vk', count: 30, discount_kind: 'fixed', discount_value: 1_000, max_uses: 1 },
    });
    expect(bulk.statusCode, bulk.body).toBe(201);
    const codes = bulk.json<Promo[]>().map((promo) => promo.code);
    expect(codes).toHaveLength(30);
    expect(new Set(codes).size).toBe(30);
    for (const code of codes) expect(code).toMatch(/^VK[A-Z2-9]{8}$/);

    const list = await inject({ method: 'GET', url: `/api/events/${eventId}/promo-codes`, headers: owner.bearer });
    expect(list.json<Promo[]>()).toHaveLength(31);

    const changed = await inject({
      method: 'PATCH',
      url: `/api/promo-codes/${single.id}`,
      headers: owner.bearer,
      payload: { max_uses: 20, active: false },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ max_uses: 20, active: false, usable: false });

    for (const request of [
      { method: 'GET' as const, url: `/api/events/${eventId}/promo-codes` },
      { method: 'PATCH' as const, url: `/api/promo-codes/${single.id}`, payload: { active: true } },
      {
        method: 'POST' as const,
        url: `/api/events/${eventId}/promo-codes`,
        payload: { code: 'MINE', discount_kind: 'percent', discount_value: 100, max_uses: 1 },
      },
    ]) {
      const response = await inject({ ...request, headers: stranger.bearer });
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json()).toMatchObject({ type: problem('not-on-team') });
    }
    expect(await sql`select 1 from sales.promo_codes where code = 'MINE'`.execute(db()).then((r) => r.rows)).toEqual([]);
  });

  it('answers bad input with a problem and saves nothing', async () => {
    const { eventId } = await gaEvent();
    const base = { discount_kind: 'percent', discount_value: 10, max_uses: 5 };
    for (const [payload, status, code] of [
      [{ ...base, code: 'no spaces' }, 400, 'validation-error'],
      [{ ...base, code: 'AB' }, 400, 'validation-error'],
      [{ ...base, code: 'X'.repeat(33) }, 400, 'validation-error'],
      [{ ...base, code: 'PCT', discount_value: 101 }, 400, 'validation-error'],
      [{ ...base, code: 'USES', max_uses: 0 }, 400, 'validation-error'],
      [{ ...base, code: 'USES', max_uses: 1_000_001 }, 400, 'validation-error'],
      [{ ...base, code: 'KIND', discount_kind: 'free' }, 400, 'validation-error'],
    ] as const) {
      const response = await inject({
        method: 'POST',
        url: `/api/events/${eventId}/promo-codes`,
        headers: owner.bearer,
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({ type: problem(code) });
    }
    const { ticketTypeIds: otherTypes } = await gaEvent();
    const foreign = await inject({
      method: 'POST',
      url: `/api/events/${eventId}/promo-codes`,
      headers: owner.bearer,
      payload: { ...base, code: 'FOREIGN', ticket_type_ids: [otherTypes[0]] },
    });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json()).toMatchObject({ type: problem('promo-limit-not-of-event'), ids: [otherTypes[0]] });
    expect(await sql`select 1 from sales.promo_codes where event_id = ${eventId}`.execute(db()).then((r) => r.rows)).toEqual([]);
    await createCode(eventId, { ...base, code: 'TWICE' });
    const again = await inject({
      method: 'POST',
      url: `/api/events/${eventId}/promo-codes`,
      headers: owner.bearer,
      payload: { ...base, code: 'twice' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ type: problem('promo-code-exists'), codes: ['TWICE'] });
  });
});

describe('POST /api/events/:id/tickets with a promo code', () => {
  it('gives a code limited to 50 uses to exactly 50 of 200 concurrent buyers, counted in the database', async () => {
    const { eventId, ticketTypeIds } = await gaEvent(10_000, 1_000);
    const promo = await createCode(eventId, { code: 'RUSH50', discount_kind: 'percent', discount_value: 20, max_uses: 50 });
    const buyers = await Promise.all(Array.from({ length: 4 }, () => signUp(service.app)));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        purchase(eventId, { ticket_type_id: ticketTypeIds[0], quantity: 1, promo_code: 'rush50' }, buyers[i % 4]),
      ),
    );
    const won = results.filter((response) => response.statusCode === 201);
    const refused = results.filter((response) => response.statusCode !== 201);
    expect(won).toHaveLength(50);
    expect(refused).toHaveLength(150);
    for (const response of refused) {
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ type: problem('promo-code-used-up') });
    }
    for (const response of won)
      expect(response.json()).toMatchObject({
        subtotal_amount: 10_000,
        discount_amount: 2_000,
        total_amount: 8_000,
        promo_code: 'RUSH50',
      });
    expect(await usesOf(promo.id)).toBe(50);
    const stored = await sql<{ n: number; discounted: number }>`
      select count(*)::int as n, count(*) filter (where discount_amount = 2000 and promo_code_id = ${promo.id})::int as discounted
      from sales.bookings where event_id = ${eventId}`.execute(db());
    expect(stored.rows).toEqual([{ n: 50, discounted: 50 }]);
    const units = await sql<{ held: number; sold: number }>`
      select held, sold from sales.ticket_types where id = ${ticketTypeIds[0]!}`.execute(db());
    expect(units.rows).toEqual([{ held: 50, sold: 0 }]);
  });

  it('refuses an unknown, switched-off, expired, not-yet-valid or wrong-ticket-type code with a clear problem, saving nothing', async () => {
    const { eventId, ticketTypeIds } = await gaEvent();
    const vipOnly = await createCode(eventId, {
      code: 'VIPONLY',
      discount_kind: 'fixed',
      discount_value: 5_000,
      ticket_type_ids: [ticketTypeIds[1]],
      max_uses: 5,
    });
    const expired = await createCode(eventId, {
      code: 'OLD',
      discount_kind: 'percent',
      discount_value: 50,
      valid_until: new Date(Date.now() - HOUR).toISOString(),
      max_uses: 5,
    });
    const early = await createCode(eventId, {
      code: 'SOON',
      discount_kind: 'percent',
      discount_value: 50,
      valid_from: new Date(Date.now() + HOUR).toISOString(),
      max_uses: 5,
    });
    const off = await createCode(eventId, { code: 'OFF', discount_kind: 'percent', discount_value: 50, max_uses: 5 });
    await inject({ method: 'PATCH', url: `/api/promo-codes/${off.id}`, headers: owner.bearer, payload: { active: false } });
    for (const [code, status, expected] of [
      ['NOSUCH', 422, 'promo-code-unknown'],
      ['off', 422, 'promo-code-inactive'],
      ['old', 422, 'promo-code-expired'],
      ['soon', 422, 'promo-code-not-yet-valid'],
      ['viponly', 422, 'promo-code-not-applicable'],
    ] as const) {
      const response = await purchase(eventId, { ticket_type_id: ticketTypeIds[0], quantity: 2, promo_code: code });
      expect(response.statusCode, code).toBe(status);
      expect(response.json()).toMatchObject({ type: problem(expected) });
    }
    expect(await bookingsOfEvent(eventId)).toBe(0);
    for (const promo of [vipOnly, expired, early, off]) expect(await usesOf(promo.id)).toBe(0);
    const units = await sql<{
      held: number;
    }>`select sum(held)::int as held from sales.ticket_types where event_id = ${eventId}`.execute(db());
    expect(units.rows).toEqual([{ held: 0 }]);

    // The same code fits the type it names, each ticket at 5,000 off.
    const vip = await purchase(eventId, { ticket_type_id: ticketTypeIds[1], quantity: 2, promo_code: 'VipOnly' });
    expect(vip.statusCode, vip.body).toBe(201);
    expect(vip.json()).toMatchObject({ subtotal_amount: 60_000, discount_amount: 10_000, total_amount: 50_000 });
  });

  it('gives the use back when the booking is cancelled, and when its hold expires', async () => {
    const { eventId, ticketTypeIds } = await gaEvent();
    const promo = await createCode(eventId, { code: 'ONCE', discount_kind: 'price', discount_value: 1_500, max_uses: 1 });
    const first = await purchase(eventId, { ticket_type_id: ticketTypeIds[0], quantity: 1, promo_code: 'ONCE' });
    expect(first.json()).toMatchObject({ total_amount: 1_500, discount_amount: 8_500, status: 'PENDING' });
    expect((await purchase(eventId, { ticket_type_id: ticketTypeIds[0], quantity: 1, promo_code: 'ONCE' })).json()).toMatchObject(
      {
        type: problem('promo-code-used-up'),
      },
    );
    const cancelled = await inject({
      method: 'POST',
      url: `/api/bookings/${first.json<Booking>().id}/cancel`,
      headers: buyer.bearer,
      payload: {},
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(await usesOf(promo.id)).toBe(0);

    const second = await purchase(eventId, { ticket_type_id: ticketTypeIds[0], quantity: 1, promo_code: 'ONCE' });
    expect(second.statusCode, second.body).toBe(201);
    expect(await usesOf(promo.id)).toBe(1);
    await sql`update sales.bookings set expires_at = now() - interval '1 second' where id = ${second.json<Booking>().id}`.execute(
      db(),
    );
    // Any change to an overdue booking expires it on the spot.
    const late = await inject({
      method: 'POST',
      url: `/api/bookings/${second.json<Booking>().id}/checkout`,
      headers: buyer.bearer,
    });
    expect(late.json()).toMatchObject({ type: problem('booking-expired') });
    expect(await usesOf(promo.id)).toBe(0);
  });
});

describe('POST /api/bookings with a promo code (seats)', () => {
  it('discounts only the seats of the zones it names, shows the breakdown, and refunds returned seats pro rata', async () => {
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, {
      policy: MANY,
      zones: [
        { name: 'Партер', price: 10_000, rows: 1, seats_per_row: 5 },
        { name: 'Балкон', price: 4_000, rows: 1, seats_per_row: 5 },
      ],
    });
    const zones = await sql<{
      id: number;
      name: string;
    }>`select id, name from sales.zones where event_id = ${eventId} order by id`.execute(db());
    const seats = await sql<{ id: number; zone_id: number }>`
      select id, zone_id from sales.seats where event_id = ${eventId} order by row, number, id`.execute(db());
    const stalls = seats.rows.filter((seat) => seat.zone_id === zones.rows[0]!.id).map((seat) => seat.id);
    const balcony = seats.rows.filter((seat) => seat.zone_id === zones.rows[1]!.id).map((seat) => seat.id);
    const promo = await createCode(eventId, {
      code: 'STALLS50',
      discount_kind: 'percent',
      discount_value: 50,
      zone_ids: [zones.rows[0]!.id],
      max_uses: 3,
    });
    // A balcony-only order does not qualify.
    const refused = await inject({
      method: 'POST',
      url: '/api/bookings',
      headers: buyer.bearer,
      payload: { event_id: eventId, seat_ids: [balcony[0]], promo_code: 'stalls50' },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ type: problem('promo-code-not-applicable') });
    expect(await sql`select status from sales.seats where id = ${balcony[0]!}`.execute(db()).then((r) => r.rows)).toEqual([
      { status: 'FREE' },
    ]);

    const opened = await inject({
      method: 'POST',
      url: '/api/bookings',
      headers: buyer.bearer,
      payload: { event_id: eventId, seat_ids: [stalls[0], stalls[1], balcony[1]], promo_code: 'stalls50' },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const booking = opened.json<Booking>();
    expect(booking).toMatchObject({
      subtotal_amount: 24_000,
      discount_amount: 10_000,
      total_amount: 14_000,
      promo_code: 'STALLS50',
    });
    expect(await usesOf(promo.id)).toBe(1);

    // Checkout keeps the discount; the box office confirms it as paid.
    const checkout = await inject({ method: 'POST', url: `/api/bookings/${booking.id}/checkout`, headers: buyer.bearer });
    expect(checkout.json()).toMatchObject({ status: 'PENDING', total_amount: 14_000, discount_amount: 10_000 });
    const confirmed = await inject({ method: 'POST', url: `/api/bookings/${booking.id}/confirm`, headers: owner.bearer });
    expect(confirmed.json()).toMatchObject({ status: 'CONFIRMED', total_amount: 14_000 });

    // A stalls seat listed at 10,000 was paid 14,000/24,000 of that: 5,833 back.
    const returned = await inject({
      method: 'POST',
      url: `/api/bookings/${booking.id}/refunds`,
      headers: buyer.bearer,
      payload: { seat_ids: [stalls[0]] },
    });
    expect(returned.statusCode, returned.body).toBe(200);
    expect(returned.json()).toMatchObject({ total_amount: 14_000 - 5_833 });
    const event = await sql<{ payload: { refundAmount: number } }>`
      select payload from platform.outbox where type = 'booking.seats-returned' and aggregate_id = ${String(booking.id)}`.execute(
      db(),
    );
    expect(event.rows.map((row) => row.payload.refundAmount)).toEqual([5_833]);
  });
});
