import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ceilQuarter, createHall, createStudio, iso } from './support/rentals.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

// What the renter's web pages need from the API besides the halls themselves: the list of studios
// with halls (GET /api/studios) and, on a rental, what cancelling it now would give back.
let service: TestService;
let owner: TestUser;
let renter: TestUser;

const HOUR = 3_600_000;

beforeAll(async () => {
  service = await startTestService();
  [owner, renter] = await Promise.all([signUp(service.app), signUp(service.app)]);
}, 60_000);
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);

type Studio = { id: number; slug: string; name: string; halls: number; price_from: { amount: number; currency: string } | null };

describe('GET /api/studios', () => {
  it('lists studios that have halls with their count and lowest hourly price, a page at a time, and leaves out those without', async () => {
    const withHalls = await createStudio(service.app, service.database, owner);
    const empty = await createStudio(service.app, service.database, owner);
    await createHall(service.app, owner, withHalls);
    await createHall(
      service.app,
      owner,
      withHalls,
      {},
      {
        currency: 'KZT',
        bands: [
          { name: 'day', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00', price_per_hour: 250_000 },
          { name: 'night', days: ['sat', 'sun'], from: '00:00', to: '24:00', price_per_hour: 900_000 },
        ],
      },
    );
    await createHall(service.app, owner, withHalls, {}, null);

    const all: Studio[] = [];
    for (let page = 1; page <= 20; page++) {
      const answer = await inject({ method: 'GET', url: `/api/studios?page=${page}&pageSize=1` });
      expect(answer.statusCode, answer.body).toBe(200);
      const items = answer.json<Studio[]>();
      expect(items.length).toBeLessThanOrEqual(1);
      if (items.length === 0) break;
      all.push(...items);
    }
    expect(all.map((studio) => studio.slug)).toContain(withHalls);
    expect(all.map((studio) => studio.slug)).not.toContain(empty);
    const mine = all.find((studio) => studio.slug === withHalls)!;
    expect(mine).toMatchObject({ name: withHalls, halls: 3, price_from: { amount: 250_000, currency: 'KZT' } });

    const one = await inject({ method: 'GET', url: `/api/studios?organizer_id=${mine.id}` });
    expect(one.json()).toEqual([mine]);
  });

  it('answers a page past the end with an empty list and refuses a page size over 50', async () => {
    expect((await inject({ method: 'GET', url: '/api/studios?page=1000000' })).json()).toEqual([]);
    const tooMany = await inject({ method: 'GET', url: '/api/studios?pageSize=51' });
    expect(tooMany.statusCode).toBe(400);
  });
});

describe('GET /api/rentals/:id refund_if_cancelled_now', () => {
  it('tells the renter the policy’s refund before cancelling, the studio the full amount, and null once closed', async () => {
    const studio = await createStudio(service.app, service.database, owner);
    const hallId = await createHall(service.app, owner, studio, {
      cancellation: { full_refund_hours: 72, partial_refund_hours: 24, partial_refund_percent: 50 },
      min_minutes: 60,
    });
    // 48 hours ahead: between the full (72 h) and partial (24 h) limits → 50 %.
    const soon = ceilQuarter(Date.now() + 48 * HOUR);
    const created = await inject({
      method: 'POST',
      url: '/api/rentals',
      headers: renter.bearer,
      payload: { hall_id: hallId, starts_at: iso(soon), ends_at: iso(soon + HOUR) },
    });
    const { id } = created.json<{ id: number }>();
    const detail = async (as: TestUser) =>
      (await inject({ method: 'GET', url: `/api/rentals/${id}`, headers: as.bearer })).json<{
        refund_if_cancelled_now: number | null;
      }>().refund_if_cancelled_now;

    expect(await detail(renter)).toBe(0); // an unpaid hold: nothing to give back
    await inject({ method: 'POST', url: `/api/rentals/${id}/confirm`, headers: owner.bearer });
    expect(await detail(renter)).toBe(200_000);
    expect(await detail(owner)).toBe(400_000);

    const cancelled = await inject({ method: 'POST', url: `/api/rentals/${id}/cancel`, headers: renter.bearer, payload: {} });
    expect(cancelled.json()).toMatchObject({ status: 'CANCELLED', refund_amount: 200_000 });
    expect(await detail(renter)).toBeNull();
  });
});
