import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ceilQuarter, createHall, createStudio, iso } from './support/rentals.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

let service: TestService;
let owner: TestUser;
let studio: string;

const HOUR = 3_600_000;
const QUARTER = 15 * 60_000;

beforeAll(async () => {
  // The sweeps run only when a test calls them.
  service = await startTestService({ env: { EXPIRY_SWEEP_INTERVAL_MS: '3600000' } });
  owner = await signUp(service.app);
  studio = await createStudio(service.app, service.database, owner);
}, 60_000);
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;

interface Watch {
  id: number;
  status: string;
  rental_id: number | null;
  offer_expires_at: string | null;
}

/** A slot of one hour starting `hoursAhead` from now, on the quarter hour. */
const slot = (hoursAhead: number) => {
  const startsAt = ceilQuarter(Date.now() + hoursAhead * HOUR);
  return { starts_at: iso(startsAt), ends_at: iso(startsAt + HOUR) };
};

async function hold(hallId: number, as: TestUser, times: { starts_at: string; ends_at: string }) {
  const created = await inject({
    method: 'POST',
    url: '/api/rentals',
    headers: as.bearer,
    payload: { hall_id: hallId, ...times },
  });
  return created;
}

async function watch(hallId: number, as: TestUser, times: Record<string, unknown>) {
  return inject({ method: 'POST', url: `/api/halls/${hallId}/watches`, headers: as.bearer, payload: times });
}

async function watchOf(as: TestUser, id: number): Promise<Watch> {
  const list = await inject({ method: 'GET', url: '/api/watches', headers: as.bearer });
  expect(list.statusCode).toBe(200);
  const found = list.json<Watch[]>().find((item) => item.id === id);
  expect(found, `watch ${id} in the list`).toBeDefined();
  return found!;
}

async function rental(id: number, as: TestUser) {
  const response = await inject({ method: 'GET', url: `/api/rentals/${id}`, headers: as.bearer });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ status: string; user_id: number; expires_at: string | null; created_at: string; starts_at: string }>();
}

async function cancel(rentalId: number, as: TestUser) {
  const cancelled = await inject({ method: 'POST', url: `/api/rentals/${rentalId}/cancel`, headers: as.bearer, payload: {} });
  expect(cancelled.statusCode, cancelled.body).toBe(200);
}

describe('POST /api/halls/:id/watches', () => {
  it('offers a freed slot to the first watcher in the freeing transaction, and the next when the offer lapses', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const [holder, first, second, latecomer] = await Promise.all([1, 2, 3, 4].map(() => signUp(service.app)));
    const times = slot(24 * 5);
    const held = await hold(hallId, holder!, times);
    expect(held.statusCode, held.body).toBe(201);
    const firstWatch = await watch(hallId, first!, times);
    expect(firstWatch.statusCode, firstWatch.body).toBe(201);
    expect(firstWatch.json<Watch>()).toMatchObject({ status: 'WAITING', rental_id: null });
    const secondWatch = await watch(hallId, second!, times);
    expect(secondWatch.statusCode).toBe(201);

    await cancel(held.json<{ id: number }>().id, holder!);
    // Already in the cancel's transaction: the first watcher holds the slot, nobody else can take it.
    const offered = await watchOf(first!, firstWatch.json<Watch>().id);
    expect(offered.status).toBe('OFFERED');
    const offer = await rental(offered.rental_id!, first!);
    expect(offer).toMatchObject({ status: 'PENDING', user_id: first!.id, starts_at: times.starts_at });
    // The offer holds for RENTAL_WATCH_OFFER_TTL_SECONDS (600), shorter than the hall's 900.
    expect(Date.parse(offer.expires_at!) - Date.parse(offer.created_at)).toBeGreaterThan(590_000);
    expect(Date.parse(offer.expires_at!) - Date.parse(offer.created_at)).toBeLessThan(605_000);
    expect((await hold(hallId, latecomer!, times)).json()).toMatchObject({
      status: 409,
      type: 'https://sbor.dev/problems/slot-taken',
    });
    expect((await watchOf(second!, secondWatch.json<Watch>().id)).status).toBe('WAITING');
    const events = await sql<{ n: number }>`
      select count(*)::int as n from platform.outbox where type = 'rental.offered' and aggregate_id = ${String(offered.rental_id)}`.execute(
      db(),
    );
    expect(events.rows[0]?.n).toBe(1);

    // The offer lapses (the database clock passes its end): the sweep gives the slot to the second.
    await sql`update rentals.rentals set expires_at = now() - interval '1 second' where id = ${offered.rental_id}`.execute(db());
    await service.rentals.rentals.expireDue();
    expect((await watchOf(first!, offered.id)).status).toBe('LAPSED');
    const next = await watchOf(second!, secondWatch.json<Watch>().id);
    expect(next.status).toBe('OFFERED');
    expect((await rental(next.rental_id!, second!)).status).toBe('PENDING');

    // Paid (here: confirmed offline by the studio), the watch is claimed.
    const confirmed = await inject({ method: 'POST', url: `/api/rentals/${next.rental_id}/confirm`, headers: owner.bearer });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect((await watchOf(second!, next.id)).status).toBe('CLAIMED');
  });

  it('offers a cancelled block’s time to watchers of each of its slots, first come first', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const start = ceilQuarter(Date.now() + 24 * 6 * HOUR);
    const blocked = await inject({
      method: 'POST',
      url: `/api/halls/${hallId}/blocks`,
      headers: owner.bearer,
      payload: { starts_at: iso(start), ends_at: iso(start + 3 * HOUR) },
    });
    expect(blocked.statusCode, blocked.body).toBe(201);
    const [early, overlapping, later] = await Promise.all([1, 2, 3].map(() => signUp(service.app)));
    // early: 0–1 h; overlapping: 0:30–1:30 (after early, so it waits); later: 2–3 h.
    const a = await watch(hallId, early!, { starts_at: iso(start), ends_at: iso(start + HOUR) });
    const b = await watch(hallId, overlapping!, {
      starts_at: iso(start + 2 * QUARTER),
      ends_at: iso(start + HOUR + 2 * QUARTER),
    });
    const c = await watch(hallId, later!, { starts_at: iso(start + 2 * HOUR), ends_at: iso(start + 3 * HOUR) });
    for (const response of [a, b, c]) expect(response.statusCode, response.body).toBe(201);
    await cancel(blocked.json<{ id: number }>().id, owner);
    expect((await watchOf(early!, a.json<Watch>().id)).status).toBe('OFFERED');
    expect((await watchOf(overlapping!, b.json<Watch>().id)).status).toBe('WAITING');
    expect((await watchOf(later!, c.json<Watch>().id)).status).toBe('OFFERED');
  });

  it('answers 409 slot-available for a free slot, and problems for bad input, changing nothing', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const user = await signUp(service.app);
    const times = slot(24 * 7);
    expect((await watch(hallId, user, times)).json()).toMatchObject({
      status: 409,
      type: 'https://sbor.dev/problems/slot-available',
    });
    expect(await hold(hallId, owner, times)).toMatchObject({ statusCode: 201 });
    const cases: [Record<string, unknown>, number, string][] = [
      [{ starts_at: times.ends_at, ends_at: times.starts_at }, 400, 'invalid-range'],
      [{ ...times, starts_at: iso(Date.parse(times.starts_at) + 60_000) }, 400, 'not-on-quarter-hour'],
      [{ ...times, extras: [{ extra_id: 9_000_000, quantity: 1 }] }, 404, 'extra-not-found'],
      [{ ...times, surprise: true }, 400, 'validation-error'],
      [{ starts_at: 'tomorrow', ends_at: times.ends_at }, 400, 'validation-error'],
    ];
    for (const [body, status, code] of cases) {
      const response = await watch(hallId, user, body);
      expect(response.statusCode, `${JSON.stringify(body)}: ${response.body}`).toBe(status);
      expect(response.json<{ type: string }>().type).toMatch(new RegExp(`${code}$`));
    }
    expect((await watch(9_000_000, user, times)).statusCode).toBe(404);
    const anonymous = await inject({ method: 'POST', url: `/api/halls/${hallId}/watches`, payload: times });
    expect(anonymous.statusCode).toBe(401);
    expect((await inject({ method: 'GET', url: '/api/watches', headers: user.bearer })).json()).toEqual([]);
    // Once per user and slot.
    expect((await watch(hallId, user, times)).statusCode).toBe(201);
    expect((await watch(hallId, user, times)).json()).toMatchObject({
      status: 409,
      type: 'https://sbor.dev/problems/already-watching',
    });
  });

  it('lets a user have at most 20 watches waiting', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const user = await signUp(service.app);
    const start = ceilQuarter(Date.now() + 24 * 8 * HOUR);
    const blocked = await inject({
      method: 'POST',
      url: `/api/halls/${hallId}/blocks`,
      headers: owner.bearer,
      payload: { starts_at: iso(start), ends_at: iso(start + 24 * HOUR) },
    });
    expect(blocked.statusCode, blocked.body).toBe(201);
    const at = (index: number) => ({ starts_at: iso(start + index * QUARTER), ends_at: iso(start + (index + 1) * QUARTER) });
    for (let index = 0; index < 20; index += 1) expect((await watch(hallId, user, at(index))).statusCode).toBe(201);
    expect((await watch(hallId, user, at(20))).json()).toMatchObject({
      status: 409,
      type: 'https://sbor.dev/problems/too-many-watches',
    });
  });
});

describe('DELETE /api/watches/:id', () => {
  it('stops a watch of its owner, and is a 404 to anyone else', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const [holder, watcher, stranger] = await Promise.all([1, 2, 3].map(() => signUp(service.app)));
    const times = slot(24 * 9);
    const held = await hold(hallId, holder!, times);
    const created = (await watch(hallId, watcher!, times)).json<Watch>();
    const refused = await inject({ method: 'DELETE', url: `/api/watches/${created.id}`, headers: stranger!.bearer });
    expect(refused.json()).toMatchObject({ status: 404, type: 'https://sbor.dev/problems/watch-not-found' });
    expect((await inject({ method: 'DELETE', url: '/api/watches/9000000', headers: watcher!.bearer })).statusCode).toBe(404);
    const deleted = await inject({ method: 'DELETE', url: `/api/watches/${created.id}`, headers: watcher!.bearer });
    expect(deleted.statusCode).toBe(204);
    expect((await watchOf(watcher!, created.id)).status).toBe('CANCELLED');
    // The slot frees: nobody is offered it, anyone may book it.
    await cancel(held.json<{ id: number }>().id, holder!);
    expect((await watchOf(watcher!, created.id)).status).toBe('CANCELLED');
    expect((await hold(hallId, stranger!, times)).statusCode).toBe(201);
  });
});

describe('the watches sweep', () => {
  it('drops waiting watches whose slot has started', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const [holder, watcher] = await Promise.all([1, 2].map(() => signUp(service.app)));
    const times = slot(24 * 10);
    expect((await hold(hallId, holder!, times)).statusCode).toBe(201);
    const created = (await watch(hallId, watcher!, times)).json<Watch>();
    // The database clock "moves" past the slot's start.
    await sql`update rentals.watches set starts_at = now() - interval '1 hour', ends_at = now() where id = ${created.id}`.execute(
      db(),
    );
    await service.rentals.watches.sweep();
    expect((await watchOf(watcher!, created.id)).status).toBe('DROPPED');
  });
});
