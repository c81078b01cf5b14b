import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

// Hidden ticket types unlocked by a promo code limited to them (decision record 0034).

let service: TestService;
let owner: TestUser;
let buyer: TestUser;

beforeAll(async () => {
  service = await startTestService();
  [owner, buyer] = await Promise.all([signUp(service.app), signUp(service.app)]);
});
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const MANY = { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false };
const problem = (code: string) => `https://sbor.dev/problems/${code}`;

interface TicketType {
  id: number;
  name: string;
  hidden: boolean;
  held: number;
}

async function eventWithHiddenType() {
  const { eventId, ticketTypeIds } = await createPublishedEvent(service.app, service.database, owner, {
    policy: MANY,
    ticketTypes: [
      { type: 'standard', name: 'Entry', price: 10_000, quantity: 100 },
      { type: 'vip', name: 'Backstage', price: 50_000, quantity: 10, hidden: true },
    ],
  });
  const [open, hidden] = ticketTypeIds as [number, number];
  return { eventId, open, hidden };
}

async function createCode(eventId: number, body: Record<string, unknown>): Promise<{ id: number }> {
  const response = await inject({
    method: 'POST',
    url: `/api/events/${eventId}/promo-codes`,
    headers: owner.bearer,
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: number }>();
}

async function listed(eventId: number, user: TestUser | null, code?: string): Promise<TicketType[]> {
  const response = await inject({
    method: 'GET',
    url: `/api/events/${eventId}/ticket-types${code ? `?code=${code}` : ''}`,
    ...(user ? { headers: user.bearer } : {}),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<TicketType[]>();
}

const purchase = (eventId: number, payload: Record<string, unknown>) =>
  inject({ method: 'POST', url: `/api/events/${eventId}/tickets`, headers: buyer.bearer, payload });

async function savedOf(eventId: number, codeId: number, hidden: number) {
  const bookings = await sql<{ n: number }>`select count(*)::int as n from sales.bookings where event_id = ${eventId}`.execute(
    service.database.db,
  );
  const uses = await sql<{ uses: number }>`select uses from sales.promo_codes where id = ${codeId}`.execute(service.database.db);
  const units = await sql<{ held: number; sold: number }>`select held, sold from sales.ticket_types where id = ${hidden}`.execute(
    service.database.db,
  );
  return { bookings: bookings.rows[0]!.n, uses: uses.rows[0]!.uses, units: units.rows[0]! };
}

describe('GET /api/events/:id/ticket-types with hidden types', () => {
  it('lists a hidden type to its team and to a buyer with a code that unlocks it, and to no one else', async () => {
    const { eventId, open, hidden } = await eventWithHiddenType();
    await createCode(eventId, {
      code: 'BACKSTAGE',
      discount_kind: 'fixed',
      discount_value: 0,
      ticket_type_ids: [hidden],
      max_uses: 5,
    });
    await createCode(eventId, {
      code: 'ENTRY10',
      discount_kind: 'percent',
      discount_value: 10,
      ticket_type_ids: [open],
      max_uses: 5,
    });

    expect((await listed(eventId, null)).map((type) => type.id)).toEqual([open]);
    expect((await listed(eventId, buyer)).map((type) => type.id)).toEqual([open]);
    expect((await listed(eventId, buyer, 'ENTRY10')).map((type) => type.id)).toEqual([open]);
    expect((await listed(eventId, buyer, 'NO-SUCH')).map((type) => type.id)).toEqual([open]);
    const unlocked = await listed(eventId, null, 'backstage');
    expect(unlocked.map((type) => [type.id, type.hidden])).toEqual([
      [open, false],
      [hidden, true],
    ]);
    expect((await listed(eventId, owner)).map((type) => type.id)).toEqual([open, hidden]);
  });

  it('stops unlocking once the code is deactivated', async () => {
    const { eventId, open, hidden } = await eventWithHiddenType();
    const code = await createCode(eventId, {
      code: 'CREW',
      discount_kind: 'fixed',
      discount_value: 0,
      ticket_type_ids: [hidden],
      max_uses: 5,
    });
    const off = await inject({
      method: 'PATCH',
      url: `/api/promo-codes/${code.id}`,
      headers: owner.bearer,
      payload: { active: false },
    });
    expect(off.statusCode, off.body).toBe(200);
    expect((await listed(eventId, buyer, 'CREW')).map((type) => type.id)).toEqual([open]);
  });
});

describe('POST /api/events/:id/tickets for a hidden type', () => {
  it('refuses a hidden type bought without a code, or with a code not limited to it, and saves nothing', async () => {
    const { eventId, open, hidden } = await eventWithHiddenType();
    const other = await createCode(eventId, {
      code: 'ENTRY10',
      discount_kind: 'percent',
      discount_value: 10,
      ticket_type_ids: [open],
      max_uses: 5,
    });

    const bare = await purchase(eventId, { ticket_type_id: hidden, quantity: 1 });
    expect(bare.statusCode, bare.body).toBe(422);
    expect(bare.json()).toMatchObject({ type: problem('ticket-type-locked') });

    const wrong = await purchase(eventId, { ticket_type_id: hidden, quantity: 1, promo_code: 'entry10' });
    expect(wrong.statusCode, wrong.body).toBe(422);
    expect(wrong.json()).toMatchObject({ type: problem('ticket-type-locked') });

    const unknown = await purchase(eventId, { ticket_type_id: hidden, quantity: 1, promo_code: 'NOPE99' });
    expect(unknown.json()).toMatchObject({ type: problem('promo-code-unknown') });

    const seatless = await inject({
      method: 'POST',
      url: '/api/bookings',
      headers: buyer.bearer,
      payload: { event_id: eventId, ticket_type_id: hidden, quantity: 1 },
    });
    expect(seatless.json()).toMatchObject({ type: problem('ticket-type-locked') });

    expect(await savedOf(eventId, other.id, hidden)).toEqual({ bookings: 0, uses: 0, units: { held: 0, sold: 0 } });
  });

  it('sells a hidden type with its code, at the code’s price, counting the use once', async () => {
    const { eventId, hidden } = await eventWithHiddenType();
    const code = await createCode(eventId, {
      code: 'BACKSTAGE',
      discount_kind: 'price',
      discount_value: 20_000,
      ticket_type_ids: [hidden],
      max_uses: 1,
    });

    const bought = await purchase(eventId, { ticket_type_id: hidden, quantity: 2, promo_code: 'backstage' });
    expect(bought.statusCode, bought.body).toBe(201);
    expect(bought.json()).toMatchObject({
      subtotal_amount: 100_000,
      discount_amount: 60_000,
      total_amount: 40_000,
      promo_code: 'BACKSTAGE',
    });
    expect(await savedOf(eventId, code.id, hidden)).toEqual({ bookings: 1, uses: 1, units: { held: 2, sold: 0 } });

    // One use per code: the second buyer with it is told it is used up, and nothing more is held.
    const again = await purchase(eventId, { ticket_type_id: hidden, quantity: 1, promo_code: 'BACKSTAGE' });
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json()).toMatchObject({ type: problem('promo-code-used-up') });
    expect(await savedOf(eventId, code.id, hidden)).toEqual({ bookings: 1, uses: 1, units: { held: 2, sold: 0 } });
  });

  it('sells a hidden type with a code that only unlocks it (a fixed discount of zero) at its list price', async () => {
    const { eventId, hidden } = await eventWithHiddenType();
    await createCode(eventId, {
      code: 'CREW',
      discount_kind: 'fixed',
      discount_value: 0,
      ticket_type_ids: [hidden],
      max_uses: 3,
    });
    const bought = await purchase(eventId, { ticket_type_id: hidden, quantity: 1, promo_code: 'CREW' });
    expect(bought.statusCode, bought.body).toBe(201);
    expect(bought.json()).toMatchObject({
      subtotal_amount: 50_000,
      discount_amount: 0,
      total_amount: 50_000,
      promo_code: 'CREW',
    });
  });
});
