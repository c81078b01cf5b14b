import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHall, createStudio, iso } from './support/rentals.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

let service: TestService;
let owner: TestUser;
let renter: TestUser;
let stranger: TestUser;
let studio: string;
let hallId: number;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  service = await startTestService();
  [owner, renter, stranger] = await Promise.all([signUp(service.app), signUp(service.app), signUp(service.app)]);
  studio = await createStudio(service.app, service.database, owner);
  hallId = await createHall(service.app, owner, studio);
}, 60_000);
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);

/** 10:00 Almaty (UTC+5) `daysAhead` days from now. */
const tenAm = (daysAhead: number) => Math.floor((Date.now() + daysAhead * DAY) / DAY) * DAY + 5 * HOUR;

async function addExtra(fields: Record<string, unknown> = {}): Promise<number> {
  const created = await inject({
    method: 'POST',
    url: `/api/organizers/${studio}/extras`,
    headers: owner.bearer,
    payload: { name: 'Комплект света', pricing: 'per_hour', price: 100_000, currency: 'KZT', stock: 2, ...fields },
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json<{ id: number }>().id;
}

async function rentWith(extraId: number, daysAhead: number) {
  const start = tenAm(daysAhead);
  return inject({
    method: 'POST',
    url: '/api/rentals',
    headers: renter.bearer,
    payload: { hall_id: hallId, starts_at: iso(start), ends_at: iso(start + HOUR), extras: [{ extra_id: extraId, quantity: 1 }] },
  });
}

const quoteWith = (extraId: number) =>
  inject({
    method: 'GET',
    url: `/api/halls/${hallId}/quote?starts_at=${iso(tenAm(12))}&ends_at=${iso(tenAm(12) + HOUR)}&extras=${extraId}`,
  });

const listed = async () =>
  (await inject({ method: 'GET', url: `/api/organizers/${studio}/extras` })).json<
    { id: number; price: number; stock: number | null }[]
  >();

describe('PATCH /api/extras/:id', () => {
  it('changes price and stock for new rentals while a rental made before keeps its amount', async () => {
    const extraId = await addExtra();
    const before = await rentWith(extraId, 10);
    expect(before.statusCode, before.body).toBe(201);
    const changed = await inject({
      method: 'PATCH',
      url: `/api/extras/${extraId}`,
      headers: owner.bearer,
      payload: { price: 250_000, stock: 5, description: 'Два прибора и софтбокс' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ id: extraId, name: 'Комплект света', price: 250_000, stock: 5, pricing: 'per_hour' });
    expect((await listed()).find((extra) => extra.id === extraId)).toMatchObject({ price: 250_000, stock: 5 });
    const quote = await quoteWith(extraId);
    expect(quote.json<{ lines: { kind: string; amount: number }[] }>().lines.find((line) => line.kind === 'extra')?.amount).toBe(
      250_000,
    );
    const kept = await inject({ method: 'GET', url: `/api/rentals/${before.json<{ id: number }>().id}`, headers: renter.bearer });
    expect(kept.json<{ extras: { amount: number }[] }>().extras).toEqual([{ extra_id: extraId, quantity: 1, amount: 100_000 }]);
  });

  it('keeps a stock of null as no limit and a stock of 0 as none, when adding and when changing', async () => {
    const unlimited = await addExtra({ stock: null });
    const none = await addExtra({ stock: 0 });
    expect((await listed()).filter((extra) => [unlimited, none].includes(extra.id)).map((extra) => extra.stock)).toEqual([
      null,
      0,
    ]);
    const limited = await inject({
      method: 'PATCH',
      url: `/api/extras/${unlimited}`,
      headers: owner.bearer,
      payload: { stock: 3 },
    });
    expect(limited.json()).toMatchObject({ stock: 3 });
    const again = await inject({
      method: 'PATCH',
      url: `/api/extras/${unlimited}`,
      headers: owner.bearer,
      payload: { stock: null },
    });
    expect(again.json()).toMatchObject({ stock: null });
  });

  it('answers a problem and changes nothing for bad input, a stranger or a missing extra', async () => {
    const extraId = await addExtra({ name: 'Ассистент', pricing: 'per_rental', price: 500_000, stock: null });
    const attempts: [InjectOptions, number, string][] = [
      [{ payload: { price: -1 } }, 400, 'validation-error'],
      [{ payload: { price: 1e15 } }, 400, 'validation-error'],
      [{ payload: { stock: 100_001 } }, 400, 'validation-error'],
      [{ payload: { pricing: 'per_day' } }, 400, 'validation-error'],
      [{ payload: { name: '' } }, 400, 'validation-error'],
      [{ payload: { currency: 'kzt' } }, 400, 'validation-error'],
      [{ payload: {} }, 400, 'validation-error'],
      [{ payload: { price: 1, owner: 'me' } }, 400, 'validation-error'],
      [{ payload: { price: 1 }, headers: stranger.bearer }, 403, 'not-on-team'],
      [{ payload: { price: 1 }, headers: {} }, 401, 'unauthenticated'],
      [{ payload: { price: 1 }, url: '/api/extras/999999999' }, 404, 'extra-not-found'],
      [{ payload: { price: 1 }, url: '/api/extras/0' }, 400, 'validation-error'],
    ];
    for (const [options, status, code] of attempts) {
      const answer = await inject({
        method: 'PATCH',
        url: `/api/extras/${extraId}`,
        headers: owner.bearer,
        ...options,
      });
      expect(answer.statusCode, `${JSON.stringify(options.payload)} ${answer.body}`).toBe(status);
      expect(answer.json<{ type: string }>().type).toBe(`https://sbor.dev/problems/${code}`);
    }
    expect((await listed()).find((extra) => extra.id === extraId)).toMatchObject({ price: 500_000, stock: null });
  });
});

describe('DELETE /api/extras/:id', () => {
  it('archives an extra: no longer listed, quoted or booked, while the live rental that has it keeps it', async () => {
    const extraId = await addExtra({ name: 'Дым-машина', stock: 1 });
    const live = await rentWith(extraId, 11);
    expect(live.statusCode, live.body).toBe(201);
    const refused = await inject({ method: 'DELETE', url: `/api/extras/${extraId}`, headers: stranger.bearer });
    expect(refused.statusCode).toBe(403);
    expect((await listed()).map((extra) => extra.id)).toContain(extraId);

    const archived = await inject({ method: 'DELETE', url: `/api/extras/${extraId}`, headers: owner.bearer });
    expect(archived.statusCode, archived.body).toBe(204);
    expect((await listed()).map((extra) => extra.id)).not.toContain(extraId);
    expect((await quoteWith(extraId)).json()).toMatchObject({ status: 404, type: 'https://sbor.dev/problems/extra-not-found' });
    expect((await rentWith(extraId, 13)).json()).toMatchObject({
      status: 404,
      type: 'https://sbor.dev/problems/extra-not-found',
    });

    const kept = await inject({ method: 'GET', url: `/api/rentals/${live.json<{ id: number }>().id}`, headers: owner.bearer });
    expect(kept.json()).toMatchObject({ status: 'PENDING', extras: [{ extra_id: extraId, quantity: 1, amount: 100_000 }] });
    expect(kept.json<{ lines: { kind: string; name: string }[] }>().lines).toContainEqual(
      expect.objectContaining({ kind: 'extra', name: 'Дым-машина' }),
    );

    const again = await inject({ method: 'DELETE', url: `/api/extras/${extraId}`, headers: owner.bearer });
    expect(again.json()).toMatchObject({ status: 404, type: 'https://sbor.dev/problems/extra-not-found' });
    const patchArchived = await inject({
      method: 'PATCH',
      url: `/api/extras/${extraId}`,
      headers: owner.bearer,
      payload: { price: 1 },
    });
    expect(patchArchived.statusCode).toBe(404);
  });
});
