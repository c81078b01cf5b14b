import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderSimulator } from './simulator.ts';
import { buildProviderSimulatorApp } from './simulator.server.ts';

/**
 * The simulator's Partner API through its own Fastify app (inject): the statuses, the lag and the
 * races the real provider has. The same app as its own process is in test/provider.test.ts.
 */

let simulator: ProviderSimulator;
let app: ReturnType<typeof buildProviderSimulatorApp>;

const LAG = 30;

beforeEach(async () => {
  simulator = new ProviderSimulator({ layout: { rows: 3, seatsPerRow: 5 }, switches: { lagMs: LAG, raceWindowMs: 50 } });
  app = buildProviderSimulatorApp(simulator);
  await app.ready();
});
afterEach(async () => app.close());

const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown) =>
  app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });

async function places(query = '') {
  return (await call('GET', `/api/partners/v1/places${query}`)).json<
    { id: string; row: number; seat: number; is_free: boolean }[]
  >();
}
async function startOrder(): Promise<string> {
  const started = await call('POST', '/api/partners/v1/orders');
  expect(started.statusCode).toBe(201);
  return started.json<{ order_id: string }>().order_id;
}
const order = async (id: string) =>
  (await call('GET', `/api/partners/v1/orders/${id}`)).json<{ status: string; places_count: number }>();
const settle = () => new Promise((resolve) => setTimeout(resolve, LAG * 3));

describe('GET /api/partners/v1/places', () => {
  it('pages 20 places by default, ordered by row and seat, with UUID ids', async () => {
    const first = await places();
    expect(first).toHaveLength(15);
    expect(first.map((place) => [place.row, place.seat])).toEqual(
      [1, 2, 3].flatMap((row) => [1, 2, 3, 4, 5].map((seat) => [row, seat])),
    );
    expect(first.every((place) => /^[0-9a-f-]{36}$/.test(place.id) && place.is_free)).toBe(true);
    expect((await places('?page=2&pageSize=4')).map((place) => [place.row, place.seat])).toEqual([
      [1, 5],
      [2, 1],
      [2, 2],
      [2, 3],
    ]);
  });

  it('caps pageSize at 1000 and answers 500 without a body for a pageSize that is not a number', async () => {
    const big = new ProviderSimulator({ layout: { rows: 2, seatsPerRow: 700 } });
    const bigApp = buildProviderSimulatorApp(big);
    const page = await bigApp.inject({ method: 'GET', url: '/api/partners/v1/places?pageSize=5000' });
    expect(page.json<unknown[]>()).toHaveLength(1000);
    await bigApp.close();
    const bad = await call('GET', '/api/partners/v1/places?pageSize=abc');
    expect(bad.statusCode).toBe(500);
    expect(bad.body).toBe('');
  });

  it('reads one place, and an unknown one is a bodiless 404', async () => {
    const [place] = await places();
    expect((await call('GET', `/api/partners/v1/places/${place?.id}`)).json()).toEqual(place);
    const missing = await call('GET', '/api/partners/v1/places/00000000-0000-4000-8000-000000000000');
    expect([missing.statusCode, missing.body]).toEqual([404, '']);
  });
});

describe('PATCH /api/partners/v1/places/:id/select', () => {
  it('answers 204 at once but the place joins the order only after the lag, so an immediate submit is a 409', async () => {
    const [place] = await places();
    const orderId = await startOrder();
    const selected = await call('PATCH', `/api/partners/v1/places/${place?.id}/select`, { order_id: orderId });
    expect([selected.statusCode, selected.body]).toEqual([204, '']);
    expect((await order(orderId)).places_count).toBe(0);
    expect((await call('PATCH', `/api/partners/v1/orders/${orderId}/submit`)).statusCode).toBe(409);
    await settle();
    expect(await order(orderId)).toMatchObject({ status: 'STARTED', places_count: 1 });
    expect((await call('GET', `/api/partners/v1/places/${place?.id}`)).json()).toMatchObject({ is_free: false });
    expect((await call('PATCH', `/api/partners/v1/orders/${orderId}/submit`)).statusCode).toBe(200);
  });

  it('gives a place selected at the same moment to one caller; the losers get 500, later callers 409', async () => {
    const [place] = await places();
    const orders = await Promise.all([startOrder(), startOrder(), startOrder(), startOrder()]);
    const answers = await Promise.all(
      orders.map((orderId) => call('PATCH', `/api/partners/v1/places/${place?.id}/select`, { order_id: orderId })),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([204, 500, 500, 500]);
    const late = await call('PATCH', `/api/partners/v1/places/${place?.id}/select`, { order_id: orders[0] });
    expect(late.statusCode).toBe(409);
  });

  it('answers 500 for an unknown place or order, and 422 for a body without an order id', async () => {
    const [place] = await places();
    const orderId = await startOrder();
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await call('PATCH', `/api/partners/v1/places/${unknown}/select`, { order_id: orderId })).statusCode).toBe(500);
    expect((await call('PATCH', `/api/partners/v1/places/${place?.id}/select`, { order_id: unknown })).statusCode).toBe(500);
    const bad = await call('PATCH', `/api/partners/v1/places/${place?.id}/select`, { order: orderId });
    expect([bad.statusCode, bad.body]).toEqual([422, '']);
  });
});

describe('PATCH /api/partners/v1/places/:id/release', () => {
  it('is a 409 before the place has joined its order, then frees it after the lag', async () => {
    const [place] = await places();
    const orderId = await startOrder();
    await call('PATCH', `/api/partners/v1/places/${place?.id}/select`, { order_id: orderId });
    expect((await call('PATCH', `/api/partners/v1/places/${place?.id}/release`)).statusCode).toBe(409);
    await settle();
    const other = await startOrder();
    expect((await call('PATCH', `/api/partners/v1/places/${place?.id}/release`, { order_id: other })).statusCode).toBe(403);
    expect((await call('PATCH', `/api/partners/v1/places/${place?.id}/release`)).statusCode).toBe(204);
    expect(await order(orderId)).toMatchObject({ places_count: 0 });
    expect((await call('GET', `/api/partners/v1/places/${place?.id}`)).json()).toMatchObject({ is_free: false });
    await settle();
    expect((await call('GET', `/api/partners/v1/places/${place?.id}`)).json()).toMatchObject({ is_free: true });
    expect((await call('PATCH', `/api/partners/v1/places/${place?.id}/release`)).statusCode).toBe(409);
  });
});

describe('orders', () => {
  it('go STARTED → SUBMITTED → CONFIRMED, and a confirmed order cannot be cancelled', async () => {
    const [place] = await places();
    const orderId = await startOrder();
    expect((await call('PATCH', `/api/partners/v1/orders/${orderId}/confirm`)).statusCode).toBe(409);
    await call('PATCH', `/api/partners/v1/places/${place?.id}/select`, { order_id: orderId });
    await settle();
    expect((await call('PATCH', `/api/partners/v1/orders/${orderId}/submit`)).statusCode).toBe(200);
    expect((await call('PATCH', `/api/partners/v1/orders/${orderId}/submit`)).statusCode).toBe(409);
    expect((await call('PATCH', `/api/partners/v1/orders/${orderId}/confirm`)).statusCode).toBe(200);
    expect((await order(orderId)).status).toBe('CONFIRMED');
    expect((await call('PATCH', `/api/partners/v1/orders/${orderId}/cancel`)).statusCode).toBe(409);
  });

  it('cancel frees the places later, a second cancel is a 409, and an unknown order is a 500 (404 to read)', async () => {
    const [first, second] = await places();
    const orderId = await startOrder();
    await call('PATCH', `/api/partners/v1/places/${first?.id}/select`, { order_id: orderId });
    await settle();
    await call('PATCH', `/api/partners/v1/places/${second?.id}/select`, { order_id: orderId });
    expect((await call('PATCH', `/api/partners/v1/orders/${orderId}/cancel`)).statusCode).toBe(200);
    expect((await call('PATCH', `/api/partners/v1/orders/${orderId}/cancel`)).statusCode).toBe(409);
    expect((await call('GET', `/api/partners/v1/places/${first?.id}`)).json()).toMatchObject({ is_free: false });
    await settle();
    const after = await places();
    expect(after.slice(0, 2).every((place) => place.is_free)).toBe(true);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await call('PATCH', `/api/partners/v1/orders/${unknown}/cancel`)).statusCode).toBe(500);
    expect((await call('GET', `/api/partners/v1/orders/${unknown}`)).statusCode).toBe(404);
  });
});

describe('POST /api/admin/v1/places', () => {
  it('answers 202 with the new place id, listed in row and seat order; a bad body is a 422', async () => {
    const created = await call('POST', '/api/admin/v1/places', { row: 2, seat: 9 });
    expect(created.statusCode).toBe(202);
    const { place_id: placeId } = created.json<{ place_id: string }>();
    const rowTwo = (await places('?pageSize=100')).filter((place) => place.row === 2);
    expect(rowTwo.at(-1)).toEqual({ id: placeId, row: 2, seat: 9, is_free: true });
    expect((await call('POST', '/api/admin/v1/places', { row: 'x' })).statusCode).toBe(422);
  });
});

describe('simulator switches', () => {
  it('take the API down for an outage window, fail a share of calls, and are bounded', async () => {
    expect((await call('PUT', '/simulator/switches', { outageMs: 60_000 })).statusCode).toBe(200);
    expect((await call('GET', '/api/partners/v1/places')).statusCode).toBe(503);
    await call('PUT', '/simulator/switches', { outageMs: 0, errorRate: 1 });
    expect((await call('POST', '/api/partners/v1/orders')).statusCode).toBe(500);
    await call('PUT', '/simulator/switches', { errorRate: 0 });
    expect((await call('POST', '/api/partners/v1/orders')).statusCode).toBe(201);
    expect((await call('PUT', '/simulator/switches', { latencyMs: 10_000_000 })).statusCode).toBe(422);
    expect((await call('PUT', '/simulator/switches', { errorRate: 2 })).statusCode).toBe(422);
  });

  it('reset brings back every place free and forgets the orders', async () => {
    const [place] = await places();
    const orderId = await startOrder();
    await call('PATCH', `/api/partners/v1/places/${place?.id}/select`, { order_id: orderId });
    expect((await call('POST', '/simulator/reset')).statusCode).toBe(204);
    expect((await call('GET', `/api/partners/v1/orders/${orderId}`)).statusCode).toBe(404);
    expect((await places()).every((each) => each.is_free)).toBe(true);
  });
});
