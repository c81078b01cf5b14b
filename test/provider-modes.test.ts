import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderSimulator } from '../src/modules/provider/index.ts';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { grantRole, signUp, type TestUser } from './support/users.ts';

/**
 * Ownership modes and the order saga on the embedded simulator (5 rows × 20 places), through the
 * service's HTTP routes: who may set a mode, a provider event's selects asked of the provider, an
 * allotment's block sold locally, the saga confirming at the provider after the box office confirms.
 */

let service: TestService;
let owner: TestUser;
let admin: TestUser;
let simulator: ProviderSimulator;

beforeAll(async () => {
  service = await startTestService({ env: { PROVIDER_SAGA_INTERVAL_MS: '50', PROVIDER_BREAKER_OPEN_MS: '300' } });
  [owner, admin] = await Promise.all([signUp(service.app), signUp(service.app)]);
  await grantRole(service.database, admin.id, 'admin');
  await service.provider.mirror.preload();
  const embedded = service.provider.simulator();
  if (!embedded) throw new Error('the embedded simulator was not used');
  simulator = embedded;
});
afterAll(async () => service.stop());

const until = async (what: () => Promise<boolean>, timeoutMs = 10_000) => {
  for (const started = Date.now(); !(await what());) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

async function seatEvent() {
  const { eventId } = await createPublishedEvent(service.app, service.database, owner, {
    zones: [{ name: 'Hall', price: 1000, rows: 5, seats_per_row: 20 }],
    policy: { one_active_booking_per_user: false },
  });
  const seats = (
    await sql<{ id: number; row: number; number: number }>`select id, row, number from sales.seats
      where event_id = ${eventId} order by row, number`.execute(service.database.db)
  ).rows;
  return { eventId, seats };
}

const placeOf = async (seatId: number) =>
  (
    await sql<{ place_id: string }>`select place_id from provider.seat_links where seat_id = ${seatId}`.execute(
      service.database.db,
    )
  ).rows[0]?.place_id ?? '';

const setMode = (eventId: number, who: TestUser, payload: Record<string, unknown>) =>
  service.app.inject({ method: 'PUT', url: `/api/events/${eventId}/seat-ownership`, headers: who.bearer, payload });

async function openBooking(buyer: TestUser, eventId: number): Promise<number> {
  const opened = await service.app.inject({
    method: 'POST',
    url: '/api/bookings',
    headers: buyer.bearer,
    payload: { event_id: eventId },
  });
  expect(opened.statusCode, opened.body).toBe(201);
  return opened.json<{ id: number }>().id;
}

const select = (buyer: TestUser, bookingId: number, seatId: number) =>
  service.app.inject({
    method: 'POST',
    url: `/api/bookings/${bookingId}/seats`,
    headers: buyer.bearer,
    payload: { seat_ids: [seatId] },
  });

const sagaOf = async (bookingId: number) =>
  (
    await sql<{
      state: string;
      outcome: string | null;
    }>`select state, outcome from provider.sagas where booking_id = ${bookingId}`.execute(service.database.db)
  ).rows[0];

describe('seat ownership', () => {
  it('is set by the event’s team only, bounded, and links every seat to the provider place of its row and number', async () => {
    const { eventId, seats } = await seatEvent();
    const stranger = await signUp(service.app);
    expect((await setMode(eventId, stranger, { mode: 'provider' })).statusCode).toBe(403);
    expect((await setMode(eventId, owner, { mode: 'allotment' })).statusCode).toBe(400);
    expect((await setMode(eventId, owner, { mode: 'provider', block: { from_row: 1, to_row: 2 } })).statusCode).toBe(400);
    const set = await setMode(eventId, owner, { mode: 'provider' });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ mode: 'provider', linked_seats: 100, withheld_seats: 0, block: null });
    const [first] = seats;
    const place = simulator.getPlace(await placeOf(first?.id ?? 0)).body as { row: number; seat: number };
    expect([place.row, place.seat]).toEqual([first?.row, first?.number]);
    // Back to own for the next tests: the provider's places link to one event at a time.
    expect((await setMode(eventId, owner, { mode: 'own' })).json()).toMatchObject({ mode: 'own', linked_seats: 0 });
    await sql`delete from provider.seat_links where event_id = ${eventId}`.execute(service.database.db);
  });
});

describe('an event in provider mode', () => {
  let eventId: number;
  let seats: { id: number }[];

  beforeAll(async () => {
    ({ eventId, seats } = await seatEvent());
    expect((await setMode(eventId, owner, { mode: 'provider' })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await setMode(eventId, owner, { mode: 'own' });
    await sql`delete from provider.seat_links where event_id = ${eventId}`.execute(service.database.db);
  });

  it('sells a seat only once the provider accepted it, in one provider order per booking', async () => {
    const buyer = await signUp(service.app);
    const bookingId = await openBooking(buyer, eventId);
    const [a, b] = seats;
    expect((await select(buyer, bookingId, a?.id ?? 0)).statusCode).toBe(200);
    expect((await select(buyer, bookingId, b?.id ?? 0)).statusCode).toBe(200);
    const orders = (
      await sql<{ order_id: string }>`select order_id from provider.booking_orders where booking_id = ${bookingId}`.execute(
        service.database.db,
      )
    ).rows;
    expect(orders).toHaveLength(1);
    await until(async () => simulator.placesOfOrder(orders[0]?.order_id ?? '').length === 2);
    expect(simulator.placesOfOrder(orders[0]?.order_id ?? '').sort()).toEqual(
      [await placeOf(a?.id ?? 0), await placeOf(b?.id ?? 0)].sort(),
    );
  });

  it('answers seat-taken for a place someone else holds at the provider, and leaves the seat free here', async () => {
    const buyer = await signUp(service.app);
    const bookingId = await openBooking(buyer, eventId);
    const seat = seats[10];
    const elsewhere = simulator.startOrder().body as { order_id: string };
    expect((await simulator.selectPlace(await placeOf(seat?.id ?? 0), elsewhere.order_id)).status).toBe(204);
    const refused = await select(buyer, bookingId, seat?.id ?? 0);
    expect(refused.statusCode, refused.body).toBe(419);
    expect(refused.json<{ type: string }>().type).toContain('seat-taken');
    const status = (
      await sql<{ status: string }>`select status from sales.seats where id = ${seat?.id}`.execute(service.database.db)
    ).rows[0]?.status;
    expect(status).toBe('FREE');
  });

  it('releases a seat at the provider when the buyer gives it back', async () => {
    const buyer = await signUp(service.app);
    const bookingId = await openBooking(buyer, eventId);
    const seat = seats[20];
    expect((await select(buyer, bookingId, seat?.id ?? 0)).statusCode).toBe(200);
    const placeId = await placeOf(seat?.id ?? 0);
    await until(async () => !(simulator.getPlace(placeId).body as { is_free: boolean }).is_free);
    await new Promise((resolve) => setTimeout(resolve, 100)); // joined to the order (the simulator's 50 ms lag)
    const released = await service.app.inject({
      method: 'DELETE',
      url: `/api/bookings/${bookingId}/seats/${seat?.id}`,
      headers: buyer.bearer,
    });
    expect(released.statusCode, released.body).toBeLessThan(300);
    await until(async () => (simulator.getPlace(placeId).body as { is_free: boolean }).is_free);
  });

  it('confirms the provider order by the saga once the booking is paid, and cancels it when the booking is cancelled', async () => {
    const buyer = await signUp(service.app);
    const paid = await openBooking(buyer, eventId);
    expect((await select(buyer, paid, seats[30]?.id ?? 0)).statusCode).toBe(200);
    expect((await select(buyer, paid, seats[31]?.id ?? 0)).statusCode).toBe(200);
    const confirmed = await service.app.inject({
      method: 'POST',
      url: `/api/bookings/${paid}/confirm`,
      headers: owner.bearer,
      payload: {},
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    await until(async () => (await sagaOf(paid))?.state === 'done');
    expect(await sagaOf(paid)).toMatchObject({ outcome: 'confirmed' });
    const paidPlaces = [await placeOf(seats[30]?.id ?? 0), await placeOf(seats[31]?.id ?? 0)].sort();
    expect(simulator.allOrders().filter((order) => order.places.some((place) => paidPlaces.includes(place)))).toEqual([
      expect.objectContaining({ status: 'CONFIRMED', places: expect.arrayContaining(paidPlaces) as unknown }),
    ]);

    const cancelled = await openBooking(buyer, eventId);
    expect((await select(buyer, cancelled, seats[40]?.id ?? 0)).statusCode).toBe(200);
    const cancel = await service.app.inject({
      method: 'POST',
      url: `/api/bookings/${cancelled}/cancel`,
      headers: buyer.bearer,
      payload: {},
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    await until(async () => (await sagaOf(cancelled))?.state === 'done');
    expect(await sagaOf(cancelled)).toMatchObject({ outcome: 'cancelled' });
    await until(async () => (simulator.getPlace(await placeOf(seats[40]?.id ?? 0)).body as { is_free: boolean }).is_free);
  });

  it('answers 503 at once while the provider’s breaker is open, and recovers by itself', async () => {
    const buyer = await signUp(service.app);
    const bookingId = await openBooking(buyer, eventId);
    simulator.setSwitches({ outageUntil: Date.now() + 60_000 });
    const answers: number[] = [];
    for (let index = 0; index < 6; index += 1)
      answers.push((await select(buyer, bookingId, seats[50 + index]?.id ?? 0)).statusCode);
    expect(answers.every((status) => status === 503)).toBe(true);
    const started = performance.now();
    const refused = await select(buyer, bookingId, seats[60]?.id ?? 0);
    expect(performance.now() - started).toBeLessThan(200);
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ reason: 'breaker-open' });
    simulator.setSwitches({ outageUntil: 0 });
    await until(async () => (await select(buyer, bookingId, seats[61]?.id ?? 0)).statusCode === 200);
  });
});

describe('an event in allotment mode', () => {
  it('sells only its block, locally, and replays the sale to the provider after payment', async () => {
    const { eventId, seats } = await seatEvent();
    const set = await setMode(eventId, owner, { mode: 'allotment', block: { from_row: 2, to_row: 3 } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ mode: 'allotment', withheld_seats: 60, block: { from_row: 2, to_row: 3 } });
    const buyer = await signUp(service.app);
    const bookingId = await openBooking(buyer, eventId);
    const outside = seats[0];
    const inside = seats[25];
    expect((await select(buyer, bookingId, outside?.id ?? 0)).statusCode).toBe(419);
    const callsBefore = simulator.counters.calls;
    expect((await select(buyer, bookingId, inside?.id ?? 0)).statusCode).toBe(200);
    expect(simulator.counters.calls).toBe(callsBefore);
    const map = await service.app.inject({ method: 'GET', url: `/api/events/${eventId}/seat-map` });
    const rows = map.json<{ rows: { row: number; status: string }[] }>().rows;
    // Outside the block: not ours to sell, told apart from sold seats.
    expect(rows.find((row) => row.row === 1)?.status).toBe('N'.repeat(20));

    const confirmed = await service.app.inject({
      method: 'POST',
      url: `/api/bookings/${bookingId}/confirm`,
      headers: owner.bearer,
      payload: {},
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    await until(async () => (await sagaOf(bookingId))?.state === 'done');
    const placeId = await placeOf(inside?.id ?? 0);
    expect(simulator.allOrders().filter((order) => order.places.includes(placeId))).toEqual([
      expect.objectContaining({ status: 'CONFIRMED', places: [placeId] }),
    ]);
    await setMode(eventId, owner, { mode: 'own' });
    await sql`delete from provider.seat_links where event_id = ${eventId}`.execute(service.database.db);
  });
});

describe('parked sagas', () => {
  it('are listed for admins and the event’s team, and retried by an admin', async () => {
    const { eventId } = await seatEvent();
    await sql`insert into provider.sagas (booking_id, event_id, goal, state, parked_reason)
      values (987654, ${eventId}, 'cancel', 'parked', 'gave-up')`.execute(service.database.db);
    const listed = await service.app.inject({
      method: 'GET',
      url: '/api/admin/provider/sagas?state=parked',
      headers: admin.bearer,
    });
    expect(listed.json<{ booking_id: number }[]>().map((saga) => saga.booking_id)).toContain(987654);
    const team = await service.app.inject({
      method: 'GET',
      url: `/api/events/${eventId}/provider-sagas?state=parked`,
      headers: owner.bearer,
    });
    expect(team.json()).toEqual([expect.objectContaining({ booking_id: 987654, parked_reason: 'gave-up' })]);
    const stranger = await signUp(service.app);
    expect(
      (await service.app.inject({ method: 'GET', url: `/api/events/${eventId}/provider-sagas`, headers: stranger.bearer }))
        .statusCode,
    ).toBe(403);
    expect(
      (await service.app.inject({ method: 'GET', url: '/api/admin/provider/sagas', headers: owner.bearer })).statusCode,
    ).toBe(403);
    const retried = await service.app.inject({
      method: 'POST',
      url: '/api/admin/provider/sagas/987654/retry',
      headers: admin.bearer,
    });
    expect(retried.statusCode, retried.body).toBe(200);
    await until(async () => (await sagaOf(987654))?.state === 'done');
    expect(await sagaOf(987654)).toMatchObject({ outcome: 'no-order' });
    expect(
      (await service.app.inject({ method: 'POST', url: '/api/admin/provider/sagas/987654/retry', headers: admin.bearer }))
        .statusCode,
    ).toBe(409);
    expect(
      (await service.app.inject({ method: 'POST', url: '/api/admin/provider/sagas/999999/retry', headers: admin.bearer }))
        .statusCode,
    ).toBe(404);
  });
});
