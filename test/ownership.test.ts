import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

/**
 * The one ownership rule (decision record 0017), route by route: a stranger to a booking, a held
 * seat or a waitlist entry gets the door's answer — on the native API the same 404 as for an id
 * that does not exist, on the Billetter contract's routes its 403 — and nothing changes: the
 * event's bookings, seats, audit, payments, waitlist and outbox read the same before and after.
 * Then the owner sends the same request and is let through, so the refusal was about who asked.
 */

let service: TestService;
let organizer: TestUser;
let owner: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  service = await startTestService();
  [organizer, owner, stranger] = await Promise.all([signUp(service.app), signUp(service.app), signUp(service.app)]);
});
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;
const HALL = [{ name: 'Партер', price: 500_000, rows: 2, seats_per_row: 10 }];
const POLICY = { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false };
const MISSING = 2 ** 40;

/** Everything of the event a request could change. */
async function stateOf(eventId: number): Promise<string> {
  const rows = async (query: ReturnType<typeof sql>) => (await query.execute(db())).rows;
  const bookingIds = sql`(select id from sales.bookings where event_id = ${eventId})`;
  return JSON.stringify({
    bookings: await rows(
      sql`select id, user_id, status, total_amount, expires_at from sales.bookings where event_id = ${eventId} order by id`,
    ),
    seats: await rows(sql`select id, status, booking_id, held_until from sales.seats where event_id = ${eventId} order by id`),
    ticketTypes: await rows(sql`select id, sold, held from sales.ticket_types where event_id = ${eventId} order by id`),
    audit: await rows(
      sql`select booking_id, from_status, to_status, reason from sales.booking_audit where booking_id in ${bookingIds} order by id`,
    ),
    payments: await rows(sql`select id, status from payments.payments where event_id = ${eventId} order by id`),
    waitlist: await rows(sql`select id, status, priority, booking_id from sales.waitlist_entries where event_id = ${eventId}`),
    outbox: await rows(sql`select type, aggregate_id from platform.outbox where aggregate_id in (
      select id::text from sales.bookings where event_id = ${eventId}) order by id`),
  });
}

interface DoorAnswer {
  status: number;
  type: string;
}

/**
 * Sends `request` as the stranger: the answer is the door's, problem+json, and the event's state
 * is unchanged; on the native door the body says what a missing id's does (same type and detail).
 * Then, if `owner` is given, the owner's same request goes through.
 */
async function expectStrangerRefused(
  eventId: number,
  request: InjectOptions & { url: string },
  answer: DoorAnswer,
  options: { missing?: InjectOptions & { url: string }; ownerStatus?: number } = {},
): Promise<void> {
  const before = await stateOf(eventId);
  const refused = await inject({ ...request, headers: stranger.basic });
  expect(refused.statusCode, `${String(request.method)} ${request.url}: ${refused.body}`).toBe(answer.status);
  expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = refused.json<{ type: string; detail: string }>();
  expect(problem.type).toBe(`https://sbor.dev/problems/${answer.type}`);
  expect(await stateOf(eventId), 'nothing changed').toBe(before);
  if (options.missing) {
    const missing = (await inject({ ...options.missing, headers: stranger.basic })).json<{ type: string; detail: string }>();
    expect({ type: missing.type, detail: missing.detail }, 'a stranger learns what a missing id tells').toEqual({
      type: problem.type,
      detail: problem.detail,
    });
  }
  if (options.ownerStatus !== undefined) {
    const allowed = await inject({ ...request, headers: owner.basic });
    expect(allowed.statusCode, `the owner: ${allowed.body}`).toBe(options.ownerStatus);
  }
}

async function seatedEvent(): Promise<{ eventId: number; seats: number[] }> {
  const { eventId } = await createPublishedEvent(service.app, service.database, organizer, { zones: HALL, policy: POLICY });
  const rows = await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by id`.execute(db());
  return { eventId, seats: rows.rows.map((row) => row.id) };
}

async function openBooking(eventId: number, seatIds: number[] = []): Promise<number> {
  const response = await inject({
    method: 'POST',
    url: '/api/bookings',
    headers: owner.basic,
    payload: { event_id: eventId, ...(seatIds.length > 0 ? { seat_ids: seatIds } : {}) },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: number }>().id;
}

async function paidBooking(eventId: number, seatIds: number[]): Promise<number> {
  const bookingId = await openBooking(eventId, seatIds);
  const confirmed = await inject({ method: 'POST', url: `/api/bookings/${bookingId}/confirm`, headers: organizer.bearer });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  return bookingId;
}

describe('the native API answers a stranger as for a missing id (404)', () => {
  it('GET /api/bookings/:id', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await openBooking(eventId, [seats[0]!]);
    await expectStrangerRefused(
      eventId,
      { method: 'GET', url: `/api/bookings/${bookingId}` },
      { status: 404, type: 'booking-not-found' },
      { missing: { method: 'GET', url: `/api/bookings/${MISSING}` }, ownerStatus: 200 },
    );
  });

  it('POST /api/bookings/:id/seats', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await openBooking(eventId);
    await expectStrangerRefused(
      eventId,
      { method: 'POST', url: `/api/bookings/${bookingId}/seats`, payload: { seat_ids: [seats[0]!] } },
      { status: 404, type: 'booking-not-found' },
      {
        missing: { method: 'POST', url: `/api/bookings/${MISSING}/seats`, payload: { seat_ids: [seats[0]!] } },
        ownerStatus: 200,
      },
    );
  });

  it('DELETE /api/bookings/:id/seats/:seatId', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await openBooking(eventId, [seats[0]!]);
    await expectStrangerRefused(
      eventId,
      { method: 'DELETE', url: `/api/bookings/${bookingId}/seats/${seats[0]!}` },
      { status: 404, type: 'seat-not-found' },
      { missing: { method: 'DELETE', url: `/api/bookings/${bookingId}/seats/${MISSING}` }, ownerStatus: 204 },
    );
  });

  it('POST /api/bookings/:id/checkout', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await openBooking(eventId, [seats[0]!]);
    await expectStrangerRefused(
      eventId,
      { method: 'POST', url: `/api/bookings/${bookingId}/checkout` },
      { status: 404, type: 'booking-not-found' },
      { missing: { method: 'POST', url: `/api/bookings/${MISSING}/checkout` }, ownerStatus: 200 },
    );
  });

  it('POST /api/bookings/:id/cancel', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await openBooking(eventId, [seats[0]!]);
    await expectStrangerRefused(
      eventId,
      { method: 'POST', url: `/api/bookings/${bookingId}/cancel`, payload: {} },
      { status: 404, type: 'booking-not-found' },
      { missing: { method: 'POST', url: `/api/bookings/${MISSING}/cancel`, payload: {} }, ownerStatus: 200 },
    );
  });

  it('POST /api/bookings/:id/cancel of a paid booking, after the refund window closed', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await paidBooking(eventId, [seats[0]!]);
    // Within the default 12-hour cutoff (REFUND_CUTOFF_HOURS) from now on.
    await sql`update catalog.events set starts_at = now() + interval '1 hour' where id = ${eventId}`.execute(db());
    // The window is the owner's business: a stranger hears only that there is no such booking.
    await expectStrangerRefused(
      eventId,
      { method: 'POST', url: `/api/bookings/${bookingId}/cancel`, payload: {} },
      { status: 404, type: 'booking-not-found' },
      { missing: { method: 'POST', url: `/api/bookings/${MISSING}/cancel`, payload: {} }, ownerStatus: 409 },
    );
  });

  it('POST /api/bookings/:id/confirm (a free booking confirmed by its owner)', async () => {
    const { eventId } = await createPublishedEvent(service.app, service.database, organizer, {
      ticketTypes: [{ type: 'free', name: 'Вход свободный', price: 0, quantity: 5 }],
      policy: POLICY,
    });
    const types = await sql<{ id: number }>`select id from sales.ticket_types where event_id = ${eventId}`.execute(db());
    const opened = await inject({
      method: 'POST',
      url: '/api/bookings',
      headers: owner.basic,
      payload: { event_id: eventId, ticket_type_id: types.rows[0]!.id, quantity: 1 },
    });
    const bookingId = opened.json<{ id: number }>().id;
    await expectStrangerRefused(
      eventId,
      { method: 'POST', url: `/api/bookings/${bookingId}/confirm` },
      { status: 404, type: 'booking-not-found' },
      { missing: { method: 'POST', url: `/api/bookings/${MISSING}/confirm` }, ownerStatus: 200 },
    );
  });

  it('POST /api/bookings/:id/payments', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await openBooking(eventId, [seats[0]!]);
    await expectStrangerRefused(
      eventId,
      { method: 'POST', url: `/api/bookings/${bookingId}/payments` },
      { status: 404, type: 'booking-not-found' },
      { missing: { method: 'POST', url: `/api/bookings/${MISSING}/payments` }, ownerStatus: 201 },
    );
  });

  it('GET /api/bookings/:id/payments', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await openBooking(eventId, [seats[0]!]);
    await expectStrangerRefused(
      eventId,
      { method: 'GET', url: `/api/bookings/${bookingId}/payments` },
      { status: 404, type: 'booking-not-found' },
      { missing: { method: 'GET', url: `/api/bookings/${MISSING}/payments` }, ownerStatus: 200 },
    );
  });

  it('POST /api/bookings/:id/refunds', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await paidBooking(eventId, [seats[0]!, seats[1]!]);
    await expectStrangerRefused(
      eventId,
      { method: 'POST', url: `/api/bookings/${bookingId}/refunds`, payload: { seat_ids: [seats[0]!] } },
      { status: 404, type: 'booking-not-found' },
      {
        missing: { method: 'POST', url: `/api/bookings/${MISSING}/refunds`, payload: { seat_ids: [seats[0]!] } },
        ownerStatus: 200,
      },
    );
  });

  describe('waitlist entries', () => {
    async function waitingEntry(): Promise<{ eventId: number; entryId: number }> {
      const { eventId } = await createPublishedEvent(service.app, service.database, organizer, {
        ticketTypes: [{ type: 'standard', name: 'Входной', price: 100_000, quantity: 1 }],
        policy: POLICY,
      });
      const types = await sql<{ id: number }>`select id from sales.ticket_types where event_id = ${eventId}`.execute(db());
      const ticketTypeId = types.rows[0]!.id;
      const held = await inject({
        method: 'POST',
        url: '/api/bookings',
        headers: organizer.basic,
        payload: { event_id: eventId, ticket_type_id: ticketTypeId, quantity: 1 },
      });
      expect(held.statusCode, held.body).toBe(201);
      const joined = await inject({
        method: 'POST',
        url: `/api/events/${eventId}/waitlist`,
        headers: owner.basic,
        payload: { ticket_type_id: ticketTypeId, quantity: 1 },
      });
      expect(joined.statusCode, joined.body).toBe(201);
      return { eventId, entryId: joined.json<{ id: number }>().id };
    }

    it('GET /api/waitlist/:id', async () => {
      const { eventId, entryId } = await waitingEntry();
      await expectStrangerRefused(
        eventId,
        { method: 'GET', url: `/api/waitlist/${entryId}` },
        { status: 404, type: 'waitlist-entry-not-found' },
        { missing: { method: 'GET', url: `/api/waitlist/${MISSING}` }, ownerStatus: 200 },
      );
    });

    it('DELETE /api/waitlist/:id', async () => {
      const { eventId, entryId } = await waitingEntry();
      await expectStrangerRefused(
        eventId,
        { method: 'DELETE', url: `/api/waitlist/${entryId}` },
        { status: 404, type: 'waitlist-entry-not-found' },
        { missing: { method: 'DELETE', url: `/api/waitlist/${MISSING}` }, ownerStatus: 200 },
      );
    });
  });
});

describe('the Billetter contract answers a stranger 403, as it says', () => {
  it('PATCH /api/seats/select', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await openBooking(eventId);
    await expectStrangerRefused(
      eventId,
      { method: 'PATCH', url: '/api/seats/select', payload: { booking_id: bookingId, seat_id: seats[0]! } },
      { status: 403, type: 'not-your-booking' },
      { ownerStatus: 200 },
    );
  });

  it('PATCH /api/seats/release', async () => {
    const { eventId, seats } = await seatedEvent();
    await openBooking(eventId, [seats[0]!]);
    await expectStrangerRefused(
      eventId,
      { method: 'PATCH', url: '/api/seats/release', payload: { seat_id: seats[0]! } },
      { status: 403, type: 'seat-not-yours' },
      { ownerStatus: 200 },
    );
  });

  it('PATCH /api/bookings/cancel', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await openBooking(eventId, [seats[0]!]);
    await expectStrangerRefused(
      eventId,
      { method: 'PATCH', url: '/api/bookings/cancel', payload: { booking_id: bookingId } },
      { status: 403, type: 'not-your-booking' },
      { ownerStatus: 200 },
    );
  });

  it('PATCH /api/bookings/initiatePayment', async () => {
    const { eventId, seats } = await seatedEvent();
    const bookingId = await openBooking(eventId, [seats[0]!]);
    await expectStrangerRefused(
      eventId,
      { method: 'PATCH', url: '/api/bookings/initiatePayment', payload: { booking_id: bookingId } },
      { status: 403, type: 'not-your-booking' },
      { ownerStatus: 302 },
    );
  });

  it('still answers a missing booking 404', async () => {
    const response = await inject({
      method: 'PATCH',
      url: '/api/bookings/cancel',
      headers: stranger.basic,
      payload: { booking_id: MISSING },
    });
    expect(response.statusCode).toBe(404);
  });
});
