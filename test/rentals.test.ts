import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ceilQuarter, createHall, createStudio, EVERY_DAY_ALL_DAY, iso } from './support/rentals.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';
import { pino } from 'pino';
import { seedDemoData } from '../src/seed.ts';

let service: TestService;
let owner: TestUser;
let renter: TestUser;
let stranger: TestUser;
let studio: string;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  // The sweep would expire holds before the tests can show a booking expiring them itself.
  service = await startTestService({ env: { EXPIRY_SWEEP_INTERVAL_MS: '3600000' } });
  [owner, renter, stranger] = await Promise.all([signUp(service.app), signUp(service.app), signUp(service.app)]);
  studio = await createStudio(service.app, service.database, owner);
}, 60_000);
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;

/** A day far enough ahead for any notice, at local midnight in Almaty (UTC+5): 10 days from now. */
function almatyDay(daysAhead = 10): number {
  const midnightUtc = Math.floor((Date.now() + daysAhead * DAY) / DAY) * DAY;
  return midnightUtc - 5 * HOUR;
}

async function rent(as: TestUser, hallId: number, startsAt: number, endsAt: number, extra: Record<string, unknown> = {}) {
  return inject({
    method: 'POST',
    url: '/api/rentals',
    headers: as.bearer,
    payload: { hall_id: hallId, starts_at: iso(startsAt), ends_at: iso(endsAt), ...extra },
  });
}

async function liveRentals(hallId: number): Promise<number> {
  const result = await sql<{ count: number }>`
    select count(*)::int as count from rentals.rentals where hall_id = ${hallId} and status in ('PENDING', 'CONFIRMED')`.execute(
    db(),
  );
  return result.rows[0]!.count;
}

describe('POST /api/organizers/:slug/halls', () => {
  it('creates a hall with the documented defaults for the studio team only', async () => {
    const created = await inject({
      method: 'POST',
      url: `/api/organizers/${studio}/halls`,
      headers: owner.bearer,
      payload: {
        name: 'Белый зал',
        timezone: 'Asia/Almaty',
        opening_hours: { mon: { open: '09:00', close: '23:00' }, sun: null },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      buffer_minutes: 0,
      min_minutes: 15,
      max_minutes: 1440,
      min_notice_minutes: 0,
      horizon_days: 365,
      hold_ttl_seconds: 900,
      opening_hours: { mon: { open: '09:00', close: '23:00' }, tue: null, sun: null },
      tariff: null,
    });
    const refused = await inject({
      method: 'POST',
      url: `/api/organizers/${studio}/halls`,
      headers: stranger.bearer,
      payload: { name: 'Чужой', timezone: 'Asia/Almaty', opening_hours: {} },
    });
    expect(refused.statusCode).toBe(403);
    const badZone = await inject({
      method: 'POST',
      url: `/api/organizers/${studio}/halls`,
      headers: owner.bearer,
      payload: { name: 'X', timezone: 'Mars/Olympus', opening_hours: {} },
    });
    expect(badZone.json()).toMatchObject({ status: 400, type: 'https://sbor.dev/problems/invalid-timezone' });
    const list = await inject({ method: 'GET', url: `/api/organizers/${studio}/halls` });
    expect(list.json<{ name: string }[]>().map((hall) => hall.name)).toContain('Белый зал');
  });

  it('lets only the team change a hall', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const stranger403 = await inject({
      method: 'PATCH',
      url: `/api/halls/${hallId}`,
      headers: stranger.bearer,
      payload: { buffer_minutes: 30 },
    });
    expect(stranger403.statusCode).toBe(403);
    const patched = await inject({
      method: 'PATCH',
      url: `/api/halls/${hallId}`,
      headers: owner.bearer,
      payload: { buffer_minutes: 30 },
    });
    expect(patched.json()).toMatchObject({ buffer_minutes: 30 });
  });
});

describe('POST /api/rentals', () => {
  it('gives one of 200 concurrent overlapping requests the slot, and the rest a 409', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const base = almatyDay() + 10 * HOUR;
    const renters = await Promise.all(Array.from({ length: 5 }, () => signUp(service.app)));
    // Starts up to 1¾ hours apart, each 3 hours long: every pair overlaps.
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) => {
        const startsAt = base + (index % 8) * 15 * 60_000;
        return rent(renters[index % renters.length]!, hallId, startsAt, startsAt + 3 * HOUR);
      }),
    );
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(199);
    expect(answers.find((answer) => answer.statusCode === 409)!.json()).toMatchObject({
      type: 'https://sbor.dev/problems/slot-taken',
    });
    expect(await liveRentals(hallId)).toBe(1);
  });

  it('lets [10:00, 11:00) and [11:00, 12:00) both through without a buffer', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const ten = almatyDay() + 10 * HOUR;
    expect((await rent(renter, hallId, ten, ten + HOUR)).statusCode).toBe(201);
    expect((await rent(stranger, hallId, ten + HOUR, ten + 2 * HOUR)).statusCode).toBe(201);
  });

  it('keeps a 15-minute buffer after each rental: [11:00, 12:00) refused, [11:15, 12:00) accepted', async () => {
    const hallId = await createHall(service.app, owner, studio, { buffer_minutes: 15 });
    const ten = almatyDay() + 10 * HOUR;
    expect((await rent(renter, hallId, ten, ten + HOUR)).statusCode).toBe(201);
    const touching = await rent(stranger, hallId, ten + HOUR, ten + 2 * HOUR);
    expect(touching.statusCode, touching.body).toBe(409);
    expect((await rent(stranger, hallId, ten + HOUR + 15 * 60_000, ten + 2 * HOUR)).statusCode).toBe(201);
    // A rental ending where the buffer of the next would have to start is refused as well: its own buffer.
    const before = await rent(stranger, hallId, ten - HOUR, ten);
    expect(before.statusCode, before.body).toBe(409);
    expect((await rent(stranger, hallId, ten - HOUR, ten - 15 * 60_000)).statusCode).toBe(201);
  });

  it('refuses a slot off the quarter-hour grid, inside a closure, outside opening hours, or too long', async () => {
    const hallId = await createHall(service.app, owner, studio, {
      opening_hours: { ...EVERY_DAY_ALL_DAY, wed: { open: '09:00', close: '18:00' } },
      max_minutes: 240,
    });
    const day = almatyDay(12);
    const date = new Date(day + 5 * HOUR).toISOString().slice(0, 10);
    const closure = await inject({
      method: 'POST',
      url: `/api/halls/${hallId}/closures`,
      headers: owner.bearer,
      payload: { starts_on: date, ends_on: date, reason: 'ремонт' },
    });
    expect(closure.statusCode, closure.body).toBe(201);
    const closed = await rent(renter, hallId, day + 10 * HOUR, day + 11 * HOUR);
    expect(closed.json()).toMatchObject({ status: 422, type: 'https://sbor.dev/problems/hall-closed' });
    // The day before the closure ends at 24:00 local: up to its last quarter hour is fine.
    expect((await rent(renter, hallId, day - HOUR, day)).statusCode).toBe(201);
    expect((await rent(renter, hallId, day - 15 * 60_000, day + 15 * 60_000)).json()).toMatchObject({ status: 422 });
    const offGrid = await rent(renter, hallId, day + 2 * DAY + 10 * HOUR + 60_000, day + 2 * DAY + 11 * HOUR);
    expect(offGrid.json()).toMatchObject({ status: 400, type: 'https://sbor.dev/problems/not-on-quarter-hour' });
    // The last instant of year 9999 (+14:00): a day after it is no date; refused before any look-up.
    const farOff = await inject({
      method: 'POST',
      url: '/api/rentals',
      headers: renter.bearer,
      payload: { hall_id: hallId, starts_at: iso(day + 2 * DAY), ends_at: '9999-12-31T23:59:59.999+14:00' },
    });
    expect(farOff.json()).toMatchObject({ status: 400, type: 'https://sbor.dev/problems/invalid-range' });
    const tooLong = await rent(renter, hallId, day + 2 * DAY, day + 2 * DAY + 4 * HOUR + 15 * 60_000);
    expect(tooLong.json()).toMatchObject({ status: 422, type: 'https://sbor.dev/problems/rental-length' });
    const availability = await inject({ method: 'GET', url: `/api/halls/${hallId}/availability?from=${date}&to=${date}` });
    expect(
      new Set(availability.json<{ days: { slots: { status: string }[] }[] }>().days[0]!.slots.map((slot) => slot.status)),
    ).toEqual(new Set(['closed']));
  });

  it('keeps the minimum notice and the horizon to the quarter hour', async () => {
    const hallId = await createHall(service.app, owner, studio, { min_notice_minutes: 120, horizon_days: 2 });
    const earliest = ceilQuarter(Date.now() + 2 * HOUR + 5_000);
    const short = await rent(renter, hallId, earliest - 15 * 60_000, earliest + 45 * 60_000);
    expect(short.json()).toMatchObject({ status: 422, type: 'https://sbor.dev/problems/notice-too-short' });
    expect((await rent(renter, hallId, earliest, earliest + HOUR)).statusCode).toBe(201);
    const latest = Math.floor((Date.now() + 2 * DAY) / (15 * 60_000)) * 15 * 60_000;
    const beyond = await rent(renter, hallId, latest + 15 * 60_000, latest + HOUR);
    expect(beyond.json()).toMatchObject({ status: 422, type: 'https://sbor.dev/problems/beyond-horizon' });
    expect((await rent(renter, hallId, latest - HOUR, latest)).statusCode).toBe(201);
  });

  it('frees an unpaid hold at its second: another renter gets the slot right after', async () => {
    const hallId = await createHall(service.app, owner, studio, { hold_ttl_seconds: 2 });
    const ten = almatyDay() + 10 * HOUR;
    const held = await rent(renter, hallId, ten, ten + HOUR);
    expect(held.statusCode).toBe(201);
    const { id, expires_at: expiresAt } = held.json<{ id: number; expires_at: string }>();
    expect((await rent(stranger, hallId, ten, ten + HOUR)).statusCode).toBe(409);
    // Wait for the database clock (not ours) to reach the hold's second.
    await expect
      .poll(
        async () =>
          (await sql<{ passed: boolean }>`select now() >= ${expiresAt}::timestamptz as passed`.execute(db())).rows[0]!.passed,
        {
          timeout: 5_000,
          interval: 20,
        },
      )
      .toBe(true);
    const taken = await rent(stranger, hallId, ten, ten + HOUR);
    expect(taken.statusCode, taken.body).toBe(201);
    const expired = await inject({ method: 'GET', url: `/api/rentals/${id}`, headers: renter.bearer });
    expect(expired.json()).toMatchObject({ status: 'EXPIRED', expires_at: null });
    expect(expired.json<{ audit: { to_status: string }[] }>().audit.map((entry) => entry.to_status)).toEqual([
      'PENDING',
      'EXPIRED',
    ]);
  });

  it('replays a creation retried with the same Idempotency-Key', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const ten = almatyDay() + 10 * HOUR;
    const headers = { ...renter.bearer, 'idempotency-key': `rent-${hallId}` };
    const payload = { hall_id: hallId, starts_at: iso(ten), ends_at: iso(ten + HOUR) };
    const first = await inject({ method: 'POST', url: '/api/rentals', headers, payload });
    const second = await inject({ method: 'POST', url: '/api/rentals', headers, payload });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json<{ id: number }>().id).toBe(first.json<{ id: number }>().id);
    expect(await liveRentals(hallId)).toBe(1);
  });
});

describe('GET /api/halls/:id/availability', () => {
  const count = async (hallId: number, date: string) =>
    (await inject({ method: 'GET', url: `/api/halls/${hallId}/availability?from=${date}&to=${date}` })).json<{
      days: { slots: unknown[] }[];
    }>().days[0]!.slots.length;

  it('shows 92 quarter hours on 2027-03-28 and 100 on 2027-10-31 in Berlin, and 96 once the hall is in Almaty', async () => {
    const hallId = await createHall(service.app, owner, studio, { timezone: 'Europe/Berlin' });
    expect([await count(hallId, '2027-03-28'), await count(hallId, '2027-10-31')]).toEqual([92, 100]);
    await inject({ method: 'PATCH', url: `/api/halls/${hallId}`, headers: owner.bearer, payload: { timezone: 'Asia/Almaty' } });
    expect([await count(hallId, '2027-03-28'), await count(hallId, '2027-10-31')]).toEqual([96, 96]);
  });

  it('refuses more than 31 days at once', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const answer = await inject({ method: 'GET', url: `/api/halls/${hallId}/availability?from=2027-01-01&to=2027-02-01` });
    expect(answer.json()).toMatchObject({ status: 400, type: 'https://sbor.dev/problems/invalid-range' });
    const month = await inject({ method: 'GET', url: `/api/halls/${hallId}/availability?from=2027-01-01&to=2027-01-31` });
    expect(month.json<{ days: unknown[] }>().days).toHaveLength(31);
  });
});

describe('stock of extras shared by the studio’s halls', () => {
  it('never lets the only light kit out twice at any quarter hour, with 20 concurrent rentals asking for it', async () => {
    const kit = await inject({
      method: 'POST',
      url: `/api/organizers/${studio}/extras`,
      headers: owner.bearer,
      payload: { name: 'Комплект света', pricing: 'per_hour', price: 150_000, currency: 'KZT', stock: 1 },
    });
    expect(kit.statusCode, kit.body).toBe(201);
    const kitId = kit.json<{ id: number }>().id;
    const hallIds = await Promise.all(Array.from({ length: 20 }, () => createHall(service.app, owner, studio)));
    const base = almatyDay(20) + 10 * HOUR;
    const answers = await Promise.all(
      hallIds.map((hallId, index) =>
        rent(renter, hallId, base + index * 15 * 60_000, base + index * 15 * 60_000 + 2 * HOUR, {
          extras: [{ extra_id: kitId, quantity: 1 }],
        }),
      ),
    );
    for (const answer of answers) expect([201, 409], answer.body).toContain(answer.statusCode);
    expect(answers.filter((answer) => answer.statusCode === 201).length).toBeGreaterThanOrEqual(1);
    for (const answer of answers.filter((answer) => answer.statusCode === 409)) {
      expect(answer.json()).toMatchObject({ type: 'https://sbor.dev/problems/extra-out-of-stock' });
    }
    const peak = await sql<{ out: number }>`
      select coalesce(max(out), 0)::int as out from (
        select q.at, sum(re.quantity) as out
        from generate_series(${iso(base)}::timestamptz, ${iso(base + 7 * HOUR)}::timestamptz, interval '15 minutes') q (at)
        join rentals.rentals r on r.starts_at <= q.at and r.ends_at > q.at and r.status in ('PENDING', 'CONFIRMED')
        join rentals.rental_extras re on re.rental_id = r.id and re.extra_id = ${kitId}
        group by q.at) per_quarter`.execute(db());
    expect(peak.rows[0]!.out).toBe(1);
  });
});

describe('rentals of a renter and of a studio', () => {
  it('shows a rental to its renter and the studio team, and is a 404 to anyone else', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const ten = almatyDay() + 10 * HOUR;
    const { id } = (await rent(renter, hallId, ten, ten + HOUR)).json<{ id: number }>();
    expect((await inject({ method: 'GET', url: `/api/rentals/${id}`, headers: renter.bearer })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: `/api/rentals/${id}`, headers: owner.bearer })).statusCode).toBe(200);
    const hidden = await inject({ method: 'GET', url: `/api/rentals/${id}`, headers: stranger.bearer });
    expect(hidden.json()).toMatchObject({ status: 404, type: 'https://sbor.dev/problems/rental-not-found' });
    const cancelByStranger = await inject({
      method: 'POST',
      url: `/api/rentals/${id}/cancel`,
      headers: stranger.bearer,
      payload: {},
    });
    expect(cancelByStranger.statusCode).toBe(404);
    const mine = await inject({ method: 'GET', url: '/api/rentals', headers: renter.bearer });
    expect(mine.json<{ id: number }[]>().map((rental) => rental.id)).toContain(id);
    const date = new Date(ten + 5 * HOUR).toISOString().slice(0, 10);
    const ofHall = await inject({
      method: 'GET',
      url: `/api/halls/${hallId}/rentals?from=${date}&to=${date}`,
      headers: owner.bearer,
    });
    expect(ofHall.json<{ id: number }[]>().map((rental) => rental.id)).toEqual([id]);
    const ofHallStranger = await inject({
      method: 'GET',
      url: `/api/halls/${hallId}/rentals?from=${date}&to=${date}`,
      headers: stranger.bearer,
    });
    expect(ofHallStranger.statusCode).toBe(403);
  });

  it('refunds a renter by the hall’s policy and the studio in full, with an audit row and an event for each step', async () => {
    const hallId = await createHall(service.app, owner, studio, {
      cancellation: { full_refund_hours: 72, partial_refund_hours: 24, partial_refund_percent: 50 },
      min_minutes: 60,
    });
    // 48 hours ahead: between the full (72 h) and partial (24 h) limits → 50 %.
    const soon = ceilQuarter(Date.now() + 48 * HOUR);
    const first = (await rent(renter, hallId, soon, soon + HOUR)).json<{ id: number; total: number }>();
    expect(first.total).toBe(400_000);
    const confirmed = await inject({ method: 'POST', url: `/api/rentals/${first.id}/confirm`, headers: owner.bearer });
    expect(confirmed.json()).toMatchObject({ status: 'CONFIRMED', paid_offline: true, expires_at: null });
    expect((await inject({ method: 'POST', url: `/api/rentals/${first.id}/confirm`, headers: renter.bearer })).statusCode).toBe(
      403,
    );
    const cancelled = await inject({
      method: 'POST',
      url: `/api/rentals/${first.id}/cancel`,
      headers: renter.bearer,
      payload: {},
    });
    expect(cancelled.json()).toMatchObject({ status: 'CANCELLED', cancelled_by: 'renter', refund_amount: 200_000 });
    const again = await inject({ method: 'POST', url: `/api/rentals/${first.id}/cancel`, headers: renter.bearer, payload: {} });
    expect(again.json()).toMatchObject({ status: 409, type: 'https://sbor.dev/problems/illegal-rental-transition' });

    const second = (await rent(renter, hallId, soon, soon + HOUR)).json<{ id: number }>();
    await inject({ method: 'POST', url: `/api/rentals/${second.id}/confirm`, headers: owner.bearer });
    const byStudio = await inject({
      method: 'POST',
      url: `/api/rentals/${second.id}/cancel`,
      headers: owner.bearer,
      payload: { reason: 'авария' },
    });
    expect(byStudio.json()).toMatchObject({ status: 'CANCELLED', cancelled_by: 'studio', refund_amount: 400_000 });

    const third = (await rent(renter, hallId, soon, soon + HOUR)).json<{ id: number }>();
    const unpaid = await inject({ method: 'POST', url: `/api/rentals/${third.id}/cancel`, headers: renter.bearer, payload: {} });
    expect(unpaid.json()).toMatchObject({ status: 'CANCELLED', refund_amount: 0 });

    const audit = await sql<{ rental_id: number; from_status: string | null; to_status: string }>`
      select rental_id, from_status, to_status from rentals.audit where rental_id in (${first.id}, ${second.id}, ${third.id}) order by id`.execute(
      db(),
    );
    expect(audit.rows.map((row) => `${row.rental_id}:${row.from_status ?? '-'}>${row.to_status}`)).toEqual([
      `${first.id}:->PENDING`,
      `${first.id}:PENDING>CONFIRMED`,
      `${first.id}:CONFIRMED>CANCELLED`,
      `${second.id}:->PENDING`,
      `${second.id}:PENDING>CONFIRMED`,
      `${second.id}:CONFIRMED>CANCELLED`,
      `${third.id}:->PENDING`,
      `${third.id}:PENDING>CANCELLED`,
    ]);
    const events = await sql<{ type: string; aggregate_id: string }>`
      select type, aggregate_id from platform.outbox where aggregate_id in (${String(first.id)}, ${String(third.id)}) and type like 'rental.%' order by id`.execute(
      db(),
    );
    expect(events.rows.map((row) => `${row.aggregate_id}:${row.type}`)).toEqual([
      `${first.id}:rental.created`,
      `${first.id}:rental.confirmed`,
      `${first.id}:rental.cancelled`,
      `${third.id}:rental.created`,
      `${third.id}:rental.cancelled`,
    ]);
  });

  it('completes a confirmed rental after its end and expires overdue holds by the sweep', async () => {
    const hallId = await createHall(service.app, owner, studio, { hold_ttl_seconds: 1 });
    const ten = almatyDay() + 10 * HOUR;
    const done = (await rent(renter, hallId, ten, ten + HOUR)).json<{ id: number }>();
    await inject({ method: 'POST', url: `/api/rentals/${done.id}/confirm`, headers: owner.bearer });
    // Moved into the past directly: a rental cannot be booked there.
    await sql`update rentals.rentals set starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour',
      occupied_until = now() - interval '1 hour' where id = ${done.id}`.execute(db());
    const overdue = (await rent(renter, hallId, ten + 2 * HOUR, ten + 3 * HOUR)).json<{ id: number }>();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await service.rentals.rentals.completeEnded();
    await service.rentals.rentals.expireDue();
    const rows = await sql<{ id: number; status: string }>`
      select id, status from rentals.rentals where id in (${done.id}, ${overdue.id}) order by id`.execute(db());
    expect(rows.rows).toEqual([
      { id: done.id, status: 'COMPLETED' },
      { id: overdue.id, status: 'EXPIRED' },
    ]);
    const events = await sql<{ type: string }>`
      select type from platform.outbox where aggregate_id in (${String(done.id)}, ${String(overdue.id)}) order by id`.execute(
      db(),
    );
    expect(events.rows.map((row) => row.type)).toEqual([
      'rental.created',
      'rental.confirmed',
      'rental.created',
      'rental.completed',
      'rental.expired',
    ]);
  });

  it('lets the studio block time that no rental may overlap, and shows it in availability', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const ten = almatyDay() + 10 * HOUR;
    const block = await inject({
      method: 'POST',
      url: `/api/halls/${hallId}/blocks`,
      headers: owner.bearer,
      payload: { starts_at: iso(ten), ends_at: iso(ten + HOUR), note: 'уборка' },
    });
    expect(block.json()).toMatchObject({ kind: 'block', status: 'CONFIRMED' });
    expect((await rent(renter, hallId, ten + 30 * 60_000, ten + 2 * HOUR)).statusCode).toBe(409);
    const strangerBlock = await inject({
      method: 'POST',
      url: `/api/halls/${hallId}/blocks`,
      headers: stranger.bearer,
      payload: { starts_at: iso(ten + 3 * HOUR), ends_at: iso(ten + 4 * HOUR) },
    });
    expect(strangerBlock.statusCode).toBe(403);
    expect((await rent(renter, hallId, ten + HOUR, ten + 2 * HOUR)).statusCode).toBe(201);
    const date = new Date(ten + 5 * HOUR).toISOString().slice(0, 10);
    const day = (await inject({ method: 'GET', url: `/api/halls/${hallId}/availability?from=${date}&to=${date}` })).json<{
      days: { slots: { starts_at: string; status: string }[] }[];
    }>().days[0]!;
    expect(day.slots).toHaveLength(96);
    const at = (ms: number) => day.slots.find((slot) => slot.starts_at === iso(ms))?.status;
    expect([at(ten - 15 * 60_000), at(ten), at(ten + 45 * 60_000), at(ten + HOUR), at(ten + 2 * HOUR)]).toEqual([
      'free',
      'blocked',
      'blocked',
      'held',
      'free',
    ]);
  });
});

describe('sbor seed', () => {
  it('adds a studio with two priced halls and its extras, once however often it runs', async () => {
    await seedDemoData(service.database, pino({ level: 'silent' }));
    await seedDemoData(service.database, pino({ level: 'silent' }));
    const halls = (await inject({ method: 'GET', url: '/api/organizers/svet-studio/halls' })).json<
      { name: string; tariff: { bands: unknown[] } | null }[]
    >();
    expect(halls.map((hall) => [hall.name, hall.tariff?.bands.length])).toEqual([
      ['Белый зал', 3],
      ['Лофт', 3],
    ]);
    const extras = (await inject({ method: 'GET', url: '/api/organizers/svet-studio/extras' })).json<
      { name: string; stock: number | null }[]
    >();
    expect(extras.map((extra) => [extra.name, extra.stock])).toEqual([
      ['Комплект света', 1],
      ['Ассистент', null],
    ]);
  });
});
