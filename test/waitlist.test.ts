import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

let service: TestService;
let owner: TestUser;
let users: TestUser[];

beforeAll(async () => {
  service = await startTestService();
  owner = await signUp(service.app);
  users = await Promise.all(Array.from({ length: 5 }, () => signUp(service.app)));
});
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;

interface Entry {
  id: number;
  status: string;
  position: number | null;
  booking_id: number | null;
  offer_expires_at: string | null;
  priority: number;
}

async function soldOutGa(quantity = 2) {
  const setup = await createPublishedEvent(service.app, service.database, owner, {
    ticketTypes: [{ type: 'standard', name: 'Входной', price: 100_000, quantity }],
    policy: { one_active_booking_per_user: false },
  });
  const ticketTypeId = setup.ticketTypeIds[0]!;
  const holder = users[0]!;
  const booking = await inject({
    method: 'POST',
    url: '/api/bookings',
    headers: holder.bearer,
    payload: { event_id: setup.eventId, ticket_type_id: ticketTypeId, quantity },
  });
  expect(booking.statusCode, booking.body).toBe(201);
  return { ...setup, ticketTypeId, holdingBookingId: booking.json<{ id: number }>().id };
}

async function join(user: TestUser, eventId: number, body: Record<string, unknown>) {
  return inject({ method: 'POST', url: `/api/events/${eventId}/waitlist`, headers: user.bearer, payload: body });
}

async function entry(user: TestUser, id: number): Promise<Entry> {
  const response = await inject({ method: 'GET', url: `/api/waitlist/${id}`, headers: user.bearer });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Entry>();
}

async function cancel(user: TestUser, bookingId: number) {
  const response = await inject({ method: 'POST', url: `/api/bookings/${bookingId}/cancel`, headers: user.bearer, payload: {} });
  expect(response.statusCode, response.body).toBe(200);
}

async function offersInOutbox(entryIds: number[]) {
  const rows = await sql<{ key: string }>`
    select aggregate_id as key from platform.outbox where type = 'waitlist.offered' order by id`.execute(db());
  return rows.rows.map((row) => row.key).filter((key) => entryIds.some((id) => key === `waitlist:${String(id)}`));
}

describe('the waitlist', () => {
  it('lets people queue only for something sold out, once each, in arrival order', async () => {
    const { eventId, ticketTypeId } = await soldOutGa();
    const first = await join(users[1]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 });
    const second = await join(users[2]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ status: 'WAITING', position: 1 });
    expect(second.json()).toMatchObject({ status: 'WAITING', position: 2 });
    const again = await join(users[1]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ type: 'https://sbor.dev/problems/already-waiting' });

    const open = await createPublishedEvent(service.app, service.database, owner, {
      ticketTypes: [{ type: 'standard', name: 'Входной', price: 100_000, quantity: 5 }],
    });
    const refused = await join(users[1]!, open.eventId, { ticket_type_id: open.ticketTypeIds[0], quantity: 1 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ type: 'https://sbor.dev/problems/not-sold-out', available: 5 });
  });

  it('offers freed tickets to the head of the queue, holding them in a booking and emitting waitlist.offered', async () => {
    const { eventId, ticketTypeId, holdingBookingId } = await soldOutGa();
    const first = (await join(users[1]!, eventId, { ticket_type_id: ticketTypeId, quantity: 2 })).json<Entry>();
    const second = (await join(users[2]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();

    await cancel(users[0]!, holdingBookingId);

    const offered = await entry(users[1]!, first.id);
    expect(offered).toMatchObject({ status: 'OFFERED', position: null });
    expect(offered.booking_id).not.toBeNull();
    const booking = await inject({ method: 'GET', url: `/api/bookings/${offered.booking_id!}`, headers: users[1]!.bearer });
    expect(booking.json()).toMatchObject({ status: 'CREATED', ticket_type_id: ticketTypeId, quantity: 2, total_amount: 200_000 });
    // Both units went to the head: the second in line keeps waiting, now first.
    expect(await entry(users[2]!, second.id)).toMatchObject({ status: 'WAITING', position: 1 });
    const types = await inject({ method: 'GET', url: `/api/events/${eventId}/ticket-types` });
    expect(types.json()).toEqual([expect.objectContaining({ held: 2, available: 0 }) as unknown]);
    expect(await offersInOutbox([first.id, second.id])).toEqual([`waitlist:${String(first.id)}`]);
  });

  it('tells the person offered once, by the offer, not again as a new booking', async () => {
    const { eventId, ticketTypeId, holdingBookingId } = await soldOutGa();
    const person = await signUp(service.app);
    const waiting = (await join(person, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();
    await cancel(users[0]!, holdingBookingId);
    const offered = await entry(person, waiting.id);
    expect(offered.status).toBe('OFFERED');
    const kinds = async () => {
      const inbox = await inject({ method: 'GET', url: '/api/notifications', headers: person.bearer });
      return inbox.json<{ items: { kind: string; link: string | null }[] }>().items;
    };
    await expect.poll(async () => (await kinds()).map((item) => item.kind), { timeout: 15_000 }).toContain('waitlist.offered');
    // Every event of the offer's transaction has been turned into messages by now.
    await expect
      .poll(
        async () =>
          (
            await sql<{ pending: number }>`
              select (select count(*)::int from platform.outbox where published_at is null)
                + (select count(*)::int from notifications.source_events where processed_at is null) as pending`.execute(db())
          ).rows[0]!.pending,
        { timeout: 15_000 },
      )
      .toBe(0);
    expect((await kinds()).map((item) => item.kind)).toEqual(['waitlist.offered']);
  });

  it('passes an offer that was not taken in time to the next in line', async () => {
    const { eventId, ticketTypeId, holdingBookingId } = await soldOutGa(1);
    const first = (await join(users[1]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();
    const second = (await join(users[2]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();
    await cancel(users[0]!, holdingBookingId);
    const offer = await entry(users[1]!, first.id);
    expect(offer.status).toBe('OFFERED');

    // The offer's 30 minutes pass (as if), and the sweep runs.
    await sql`update sales.bookings set expires_at = now() - interval '1 millisecond' where id = ${offer.booking_id!}`.execute(
      db(),
    );
    await service.sales.service.background.expireOverdue();

    expect(await entry(users[1]!, first.id)).toMatchObject({ status: 'LAPSED' });
    const next = await entry(users[2]!, second.id);
    expect(next.status).toBe('OFFERED');
    expect(next.booking_id).not.toBe(offer.booking_id);
  });

  it('marks an offer claimed when its booking is confirmed', async () => {
    const { eventId, ticketTypeId, holdingBookingId } = await soldOutGa(1);
    const waiting = (await join(users[1]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();
    await cancel(users[0]!, holdingBookingId);
    const offer = await entry(users[1]!, waiting.id);
    const confirmed = await inject({
      method: 'POST',
      url: `/api/bookings/${offer.booking_id!}/confirm`,
      headers: owner.bearer,
      payload: {},
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(await entry(users[1]!, waiting.id)).toMatchObject({ status: 'CLAIMED' });
  });

  it('lets anyone leave: a waiting place is dropped, a pending offer passes on', async () => {
    const { eventId, ticketTypeId, holdingBookingId } = await soldOutGa(1);
    const first = (await join(users[1]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();
    const second = (await join(users[2]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();
    const third = (await join(users[3]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();

    const left = await inject({ method: 'DELETE', url: `/api/waitlist/${second.id}`, headers: users[2]!.bearer });
    expect(left.json()).toMatchObject({ status: 'LEFT' });
    expect(await entry(users[3]!, third.id)).toMatchObject({ position: 2 });
    const notMine = await inject({ method: 'DELETE', url: `/api/waitlist/${third.id}`, headers: users[1]!.bearer });
    expect(notMine.statusCode).toBe(404);

    await cancel(users[0]!, holdingBookingId);
    const offer = await entry(users[1]!, first.id);
    expect(offer.status).toBe('OFFERED');
    await inject({ method: 'DELETE', url: `/api/waitlist/${first.id}`, headers: users[1]!.bearer });
    expect(await entry(users[1]!, first.id)).toMatchObject({ status: 'LEFT' });
    const booking = await inject({ method: 'GET', url: `/api/bookings/${offer.booking_id!}`, headers: users[1]!.bearer });
    expect(booking.json()).toMatchObject({ status: 'CANCELLED' });
    expect(await entry(users[3]!, third.id)).toMatchObject({ status: 'OFFERED' });
  });

  it('offers by priority before arrival, as the organizer set it, and only the team may set it', async () => {
    const { eventId, ticketTypeId, holdingBookingId } = await soldOutGa(1);
    const early = (await join(users[1]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();
    const late = (await join(users[2]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();
    const outsider = await inject({
      method: 'PATCH',
      url: `/api/waitlist/${late.id}`,
      headers: users[2]!.bearer,
      payload: { priority: 10 },
    });
    expect(outsider.statusCode).toBe(403);
    const raised = await inject({
      method: 'PATCH',
      url: `/api/waitlist/${late.id}`,
      headers: owner.bearer,
      payload: { priority: 10 },
    });
    expect(raised.json()).toMatchObject({ priority: 10, position: 1 });
    const queue = await inject({ method: 'GET', url: `/api/events/${eventId}/waitlist`, headers: owner.bearer });
    expect(queue.json<Entry[]>().map((item) => item.id)).toEqual([late.id, early.id]);

    await cancel(users[0]!, holdingBookingId);
    expect(await entry(users[2]!, late.id)).toMatchObject({ status: 'OFFERED' });
    expect(await entry(users[1]!, early.id)).toMatchObject({ status: 'WAITING', position: 1 });
  });

  it('offers seats of a sold-out hall, all of the quantity or none', async () => {
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, {
      zones: [{ name: 'Ложа', price: 300_000, rows: 1, seats_per_row: 3 }],
      policy: { one_active_booking_per_user: false },
    });
    const seats = await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by number`.execute(db());
    const [a, b, c] = seats.rows.map((row) => row.id);
    const holderA = await inject({
      method: 'POST',
      url: '/api/bookings',
      headers: users[0]!.bearer,
      payload: { event_id: eventId, seat_ids: [a, b] },
    });
    const holderB = await inject({
      method: 'POST',
      url: '/api/bookings',
      headers: users[4]!.bearer,
      payload: { event_id: eventId, seat_ids: [c] },
    });
    const waiting = (await join(users[1]!, eventId, { quantity: 2 })).json<Entry>();
    expect(waiting.status).toBe('WAITING');

    // One seat back is not enough for two: the head keeps waiting.
    const release = await inject({
      method: 'PATCH',
      url: '/api/seats/release',
      headers: users[4]!.basic,
      payload: { seat_id: c },
    });
    expect(release.statusCode, release.body).toBe(200);
    expect(await entry(users[1]!, waiting.id)).toMatchObject({ status: 'WAITING' });

    await cancel(users[0]!, holderA.json<{ id: number }>().id);
    const offer = await entry(users[1]!, waiting.id);
    expect(offer.status).toBe('OFFERED');
    const booking = await inject({ method: 'GET', url: `/api/bookings/${offer.booking_id!}`, headers: users[1]!.bearer });
    expect(booking.json<{ seats: { id: number }[]; total_amount: number }>()).toMatchObject({
      seats: [{ id: a }, { id: b }],
      total_amount: 600_000,
    });
    expect(holderB.statusCode).toBe(201);
  });

  it('makes each freed unit one offer when many bookings are cancelled at once', async () => {
    const { eventId, ticketTypeIds } = await createPublishedEvent(service.app, service.database, owner, {
      ticketTypes: [{ type: 'standard', name: 'Входной', price: 100_000, quantity: 30 }],
      policy: { one_active_booking_per_user: false },
    });
    const ticketTypeId = ticketTypeIds[0]!;
    const holders = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const response = await inject({
          method: 'POST',
          url: '/api/bookings',
          headers: users[0]!.bearer,
          payload: { event_id: eventId, ticket_type_id: ticketTypeId, quantity: 1 },
        });
        return response.json<{ id: number }>().id;
      }),
    );
    const waiters = await Promise.all(Array.from({ length: 40 }, () => signUp(service.app)));
    for (const waiter of waiters) await join(waiter, eventId, { ticket_type_id: ticketTypeId, quantity: 1 });

    await Promise.all(holders.map((bookingId) => cancel(users[0]!, bookingId)));

    const entries = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from sales.waitlist_entries where event_id = ${eventId} group by status order by status`.execute(
      db(),
    );
    expect(entries.rows).toEqual([
      { status: 'OFFERED', n: 30 },
      { status: 'WAITING', n: 10 },
    ]);
    // The first 30 to arrive got the offers.
    const offeredIds = await sql<{ user_id: number }>`
      select user_id from sales.waitlist_entries where event_id = ${eventId} and status = 'OFFERED' order by user_id`.execute(
      db(),
    );
    expect(offeredIds.rows.map((row) => row.user_id)).toEqual(
      waiters
        .slice(0, 30)
        .map((waiter) => waiter.id)
        .sort((a, b) => a - b),
    );
    const counts = await sql<{ held: number; sold: number }>`
      select held, sold from sales.ticket_types where id = ${ticketTypeId}`.execute(db());
    expect(counts.rows).toEqual([{ held: 30, sold: 0 }]);
  });

  it('ends every waiting place when the event is cancelled', async () => {
    const { eventId, ticketTypeId } = await soldOutGa(1);
    const waiting = (await join(users[1]!, eventId, { ticket_type_id: ticketTypeId, quantity: 1 })).json<Entry>();
    const cancelled = await inject({
      method: 'POST',
      url: `/api/events/${eventId}/cancel`,
      headers: owner.bearer,
      payload: { reason: 'артист заболел' },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await expect.poll(async () => (await entry(users[1]!, waiting.id)).status, { timeout: 10_000 }).toBe('CANCELLED');
    expect(await service.sales.waitlist.waitingUsers(eventId)).toEqual([users[1]!.id]);
  });
});

describe('limits against scalping', () => {
  it('caps what one user holds or buys for an event across all their bookings', async () => {
    const { eventId, ticketTypeIds } = await createPublishedEvent(service.app, service.database, owner, {
      ticketTypes: [{ type: 'standard', name: 'Входной', price: 0, quantity: 100 }],
      zones: [{ name: 'Партер', price: 100_000, rows: 1, seats_per_row: 10 }],
      policy: { one_active_booking_per_user: false, max_tickets_per_user: 3 },
    });
    const buyer = users[1]!;
    const buy = (quantity: number) =>
      inject({
        method: 'POST',
        url: `/api/events/${eventId}/tickets`,
        headers: buyer.bearer,
        payload: { ticket_type_id: ticketTypeIds[0], quantity },
      });
    expect((await buy(2)).statusCode).toBe(201);
    const over = await buy(2);
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ type: 'https://sbor.dev/problems/user-limit-reached', max: 3 });

    const seats = await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by number`.execute(db());
    const booking = await inject({ method: 'POST', url: '/api/bookings', headers: buyer.bearer, payload: { event_id: eventId } });
    const bookingId = booking.json<{ id: number }>().id;
    const select = (seatId: number) =>
      inject({
        method: 'PATCH',
        url: '/api/seats/select',
        headers: buyer.basic,
        payload: { booking_id: bookingId, seat_id: seatId },
      });
    expect((await select(seats.rows[0]!.id)).statusCode).toBe(200);
    const fourth = await select(seats.rows[1]!.id);
    expect(fourth.statusCode).toBe(409);
    expect(fourth.json()).toMatchObject({ type: 'https://sbor.dev/problems/user-limit-reached' });
    const stored = await sql<{ n: number }>`
      select count(*)::int as n from sales.seats where event_id = ${eventId} and status <> 'FREE'`.execute(db());
    expect(stored.rows).toEqual([{ n: 1 }]);
  });

  it('answers 429 with Retry-After when one user selects seats faster than the limit', async () => {
    const limited = await startTestService({ env: { SEAT_SELECT_RATE_LIMIT: '3/60' } });
    try {
      const organizer = await signUp(limited.app);
      const bot = await signUp(limited.app);
      const { eventId } = await createPublishedEvent(limited.app, limited.database, organizer, {
        zones: [{ name: 'Партер', price: 100_000, rows: 1, seats_per_row: 10 }],
      });
      const seats = await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by number`.execute(
        limited.database.db,
      );
      const booking = await limited.app.inject({
        method: 'POST',
        url: '/api/bookings',
        headers: bot.bearer,
        payload: { event_id: eventId },
      });
      const bookingId = booking.json<{ id: number }>().id;
      const statuses: number[] = [];
      let last;
      for (const seat of seats.rows.slice(0, 4)) {
        last = await limited.app.inject({
          method: 'PATCH',
          url: '/api/seats/select',
          headers: bot.basic,
          payload: { booking_id: bookingId, seat_id: seat.id },
        });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.stop();
    }
  });
});
