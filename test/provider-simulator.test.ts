import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSbor, type SborProcess } from './support/sbor-process.ts';

/**
 * `sbor provider-simulator` as an operator starts it: its own process, its own port, the Partner
 * API over real HTTP, seeded with HackLoad's event 1 (100 rows × 1000 places).
 */

let simulator: SborProcess;
let baseUrl: string;

beforeAll(async () => {
  simulator = runSbor(['provider-simulator'], { ...process.env, PROVIDER_SIM_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  const listening = await simulator.waitFor('provider simulator listening');
  baseUrl = listening.url as string;
  expect(listening.places).toBe(100_000);
});
afterAll(async () => simulator.stop());

type Place = { id: string; row: number; seat: number; is_free: boolean };

describe('sbor provider-simulator', () => {
  it('serves 100,000 places in 100 pages of 1000, ordered by row and seat, each id a distinct UUID', async () => {
    const pages = await Promise.all(
      Array.from({ length: 101 }, async (_, index) => {
        const response = await fetch(`${baseUrl}/api/partners/v1/places?page=${index + 1}&pageSize=1000`);
        expect(response.status).toBe(200);
        return (await response.json()) as Place[];
      }),
    );
    expect(pages.at(-1)).toEqual([]);
    const places = pages.flat();
    expect(places).toHaveLength(100_000);
    expect(new Set(places.map((place) => place.id)).size).toBe(100_000);
    places.forEach((place, index) => {
      expect([place.row, place.seat]).toEqual([Math.floor(index / 1000) + 1, (index % 1000) + 1]);
    });
  });

  it('gives a place selected by 20 callers at once to one of them over real HTTP; the others get a bodiless 500', async () => {
    // A select stays in flight 2 ms by default; 300 ms makes "at the same moment" hold on a loaded machine.
    const switched = await fetch(`${baseUrl}/simulator/switches`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ raceWindowMs: 300 }),
    });
    expect(switched.status).toBe(200);
    const [place] = (await (await fetch(`${baseUrl}/api/partners/v1/places?pageSize=1`)).json()) as Place[];
    const orders = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const response = await fetch(`${baseUrl}/api/partners/v1/orders`, { method: 'POST' });
        expect(response.status).toBe(201);
        return ((await response.json()) as { order_id: string }).order_id;
      }),
    );
    const answers = await Promise.all(
      orders.map(async (orderId) => {
        const response = await fetch(`${baseUrl}/api/partners/v1/places/${place?.id}/select`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ order_id: orderId }),
        });
        return { status: response.status, body: await response.text() };
      }),
    );
    expect(answers.filter((answer) => answer.status === 204)).toHaveLength(1);
    // Losers of the race get 500; a select arriving after the winner saved gets 409.
    expect(answers.every((answer) => [204, 409, 500].includes(answer.status) && answer.body === '')).toBe(true);
    expect(answers.some((answer) => answer.status === 500)).toBe(true);
  });
});
