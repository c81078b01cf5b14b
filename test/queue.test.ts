import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionTokens } from '../src/modules/queue/index.ts';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

let service: TestService;
let owner: TestUser;
let buyer: TestUser;
let other: TestUser;
/** Event 1, HackLoad's: no room is configured for it. */
let hackloadEvent: number;

const MANY = { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false };
const ZONES = [{ name: 'A', price: 1000, rows: 2, seats_per_row: 10 }];
const problem = (code: string) => `https://sbor.dev/problems/${code}`;

beforeAll(async () => {
  service = await startTestService({ env: { QUEUE_JOIN_RATE_LIMIT: '30/60', QUEUE_ADMIT_INTERVAL_MS: '60000' } });
  [owner, buyer, other] = await Promise.all([signUp(service.app), signUp(service.app), signUp(service.app)]);
  ({ eventId: hackloadEvent } = await createPublishedEvent(service.app, service.database, owner, { zones: ZONES, policy: MANY }));
});
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;

interface Place {
  status: string;
  position: number | null;
  ahead: number | null;
  eta_seconds: number | null;
  progress: number;
  token: string | null;
  token_expires_at: string | null;
}

async function eventWithRoom(room: Record<string, unknown> = {}) {
  const { eventId, ticketTypeIds } = await createPublishedEvent(service.app, service.database, owner, {
    zones: ZONES,
    ticketTypes: [{ type: 'standard', name: 'Входной', price: 1000, quantity: 100 }],
    policy: MANY,
  });
  const settings = await inject({
    method: 'PUT',
    url: `/api/events/${eventId}/queue/settings`,
    headers: owner.bearer,
    payload: { enabled: true, on_sale_at: new Date(Date.now() - 1000).toISOString(), rate_per_minute: 600, ...room },
  });
  expect(settings.statusCode, settings.body).toBe(200);
  return { eventId, ticketTypeId: ticketTypeIds[0]! };
}

const join = (eventId: number, user: TestUser) =>
  inject({ method: 'POST', url: `/api/events/${eventId}/queue`, headers: user.bearer });
async function placeOf(eventId: number, user: TestUser): Promise<Place> {
  const response = await inject({ method: 'GET', url: `/api/events/${eventId}/queue`, headers: user.bearer });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Place>();
}
/** Lets admission's allowance grow as if `seconds` had passed since the rate started. */
async function backdateRate(eventId: number, seconds: number): Promise<void> {
  await sql`update queue.rooms set rate_since = now() - make_interval(secs => ${seconds}), credited = 0
    where event_id = ${eventId}`.execute(db());
}
/** Adds accounts straight to the pre-queue (ids no account has; the queue never reads identity). */
async function fillPreQueue(eventId: number, count: number, firstUserId: number): Promise<void> {
  await sql`insert into queue.entries (event_id, user_id, joined_at)
    select ${eventId}, ${firstUserId} + n, now() + make_interval(secs => n / 1000.0)
    from generate_series(1, ${count}) n`.execute(db());
}
async function admittedToken(eventId: number, user: TestUser): Promise<string> {
  expect((await join(eventId, user)).statusCode).toBe(200);
  await backdateRate(eventId, 600);
  await service.queue.service.admit(eventId);
  const place = await placeOf(eventId, user);
  expect(place.status).toBe('admitted');
  return place.token!;
}
const buy = (eventId: number, ticketTypeId: number, user: TestUser, token?: string) =>
  inject({
    method: 'POST',
    url: `/api/events/${eventId}/tickets`,
    headers: { ...user.bearer, ...(token === undefined ? {} : { 'queue-token': token }) },
    payload: { ticket_type_id: ticketTypeId, quantity: 1 },
  });

describe('PUT /api/events/:id/queue/settings', () => {
  it('lets the event owner set up the room and refuses everyone else', async () => {
    const { eventId } = await eventWithRoom({ max_active: 50, token_ttl_seconds: 600, failure_mode: 'open' });
    const read = await inject({ method: 'GET', url: `/api/events/${eventId}/queue/settings`, headers: owner.bearer });
    expect(read.json()).toMatchObject({
      enabled: true,
      rate_per_minute: 600,
      max_active: 50,
      token_ttl_seconds: 600,
      failure_mode: 'open',
    });
    const payload = { enabled: true, on_sale_at: new Date().toISOString(), rate_per_minute: 5 };
    const stranger = await inject({
      method: 'PUT',
      url: `/api/events/${eventId}/queue/settings`,
      headers: buyer.bearer,
      payload,
    });
    expect(stranger.statusCode).toBe(403);
    expect(
      (await inject({ method: 'GET', url: `/api/events/${eventId}/queue/settings`, headers: buyer.bearer })).statusCode,
    ).toBe(403);
    const noLimit = await inject({
      method: 'PUT',
      url: `/api/events/${eventId}/queue/settings`,
      headers: owner.bearer,
      payload: { enabled: true, on_sale_at: new Date().toISOString(), rate_per_minute: null },
    });
    expect(noLimit.json()).toMatchObject({ type: problem('room-needs-a-limit') });
  });
});

describe('the on-sale shuffle', () => {
  it('gives every pre-queue entry a distinct place, in one write, in an order that is not arrival order', async () => {
    const { eventId } = await eventWithRoom({ on_sale_at: new Date(Date.now() + 3_600_000).toISOString(), rate_per_minute: 1 });
    const count = 40;
    await fillPreQueue(eventId, count, 1_000_000);
    // On sale from now on; at one a minute, admission lets nobody in during the test.
    await sql`update queue.rooms set on_sale_at = now(), rate_since = now() where event_id = ${eventId}`.execute(db());
    const orders = new Set<string>();
    const firstInArrivalOrderFirst: boolean[] = [];
    for (let run = 0; run < 20; run += 1) {
      await sql`update queue.entries set position = null, ahead_at_start = null where event_id = ${eventId}`.execute(db());
      await sql`update queue.rooms set shuffled_at = null where event_id = ${eventId}`.execute(db());
      expect(await service.queue.service.admit(eventId)).toBe(0);
      const { rows } = await sql<{ position: number; writer: string }>`
        select position, xmin::text as writer from queue.entries where event_id = ${eventId} order by joined_at, id`.execute(
        db(),
      );
      const positions = rows.map((row) => row.position);
      // A permutation of 1..count: distinct places, nobody left out.
      expect([...positions].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, index) => index + 1));
      // Written by one statement of one transaction: every row carries the same writer.
      expect(new Set(rows.map((row) => row.writer)).size).toBe(1);
      orders.add(positions.join(','));
      firstInArrivalOrderFirst.push(positions[0] === 1);
    }
    // 20 draws of 40! orders: all different (a fixed or arrival-based order would repeat).
    expect(orders.size).toBe(20);
    expect(orders.has(Array.from({ length: count }, (_, index) => index + 1).join(','))).toBe(false);
    // The earliest arrival is not favoured (1 in 40 per draw; all 20 would be 40^-20).
    expect(firstInArrivalOrderFirst.filter(Boolean).length).toBeLessThan(5);
  });

  it('happens at the on-sale, and later arrivals queue behind the shuffled pre-queue', async () => {
    const { eventId } = await eventWithRoom({ on_sale_at: new Date(Date.now() + 3_600_000).toISOString(), rate_per_minute: 1 });
    await fillPreQueue(eventId, 10, 2_000_000);
    expect((await join(eventId, buyer)).json<Place>()).toMatchObject({ status: 'pre-queue', position: null });
    expect(await service.queue.service.admit(eventId)).toBe(0);
    await sql`update queue.rooms set on_sale_at = now() - interval '1 second', rate_since = now() where event_id = ${eventId}`.execute(
      db(),
    );
    await service.queue.service.admit(eventId);
    const early = await placeOf(eventId, buyer);
    expect(early.status).toBe('waiting');
    expect(early.position).toBeGreaterThanOrEqual(1);
    expect(early.position).toBeLessThanOrEqual(11);
    const late = (await join(eventId, other)).json<Place>();
    expect(late).toMatchObject({ status: 'waiting', position: 12, ahead: 11 });
    expect(late.eta_seconds).toBe(12 * 60);
  });
});

describe('POST /api/events/:id/queue', () => {
  it('gives an account one place however many times it joins at once', async () => {
    const { eventId } = await eventWithRoom({ rate_per_minute: 1 });
    await service.queue.service.admit(eventId);
    const joins = await Promise.all(Array.from({ length: 20 }, () => join(eventId, buyer)));
    expect(joins.map((response) => response.statusCode)).toEqual(Array(20).fill(200));
    expect(new Set(joins.map((response) => response.json<Place>().position)).size).toBe(1);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from queue.entries where event_id = ${eventId}`.execute(
      db(),
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('keeps a place for someone who comes back within the grace period, and not after it', async () => {
    const { eventId } = await eventWithRoom({ rate_per_minute: 1, grace_seconds: 60 });
    await service.queue.service.admit(eventId);
    const first = (await join(eventId, other)).json<Place>();
    const mine = (await join(eventId, buyer)).json<Place>();
    expect(mine.position).toBe(first.position! + 1);
    await sql`update queue.entries set last_seen_at = now() - interval '50 seconds' where event_id = ${eventId}`.execute(db());
    expect((await join(eventId, buyer)).json<Place>().position).toBe(mine.position);
    await sql`update queue.entries set last_seen_at = now() - interval '61 seconds' where event_id = ${eventId}`.execute(db());
    expect((await placeOf(eventId, buyer)).status).toBe('lapsed');
    const back = (await join(eventId, buyer)).json<Place>();
    expect(back.position).toBeGreaterThan(mine.position!);
  });

  it('refuses joins beyond the per-account limit with 429', async () => {
    const { eventId } = await eventWithRoom({ rate_per_minute: 1 });
    const tryHard = await signUp(service.app);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 31; attempt += 1) statuses.push((await join(eventId, tryHard)).statusCode);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
    expect(statuses[30]).toBe(429);
  });
});

describe('admission', () => {
  it('admits what the rate allows since it started, in place order, and no more when run again at once', async () => {
    const { eventId } = await eventWithRoom({ on_sale_at: new Date(Date.now() + 3_600_000).toISOString(), rate_per_minute: 60 });
    await fillPreQueue(eventId, 30, 3_000_000);
    await sql`update queue.rooms set on_sale_at = now() - interval '10 seconds' where event_id = ${eventId}`.execute(db());
    await backdateRate(eventId, 10);
    const admitted = await service.queue.service.admit(eventId);
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(11);
    expect(await service.queue.service.admit(eventId)).toBe(0);
    const { rows } = await sql<{ position: number }>`select position from queue.entries
      where event_id = ${eventId} and status = 'admitted' order by position`.execute(db());
    expect(rows.map((row) => row.position)).toEqual(Array.from({ length: admitted }, (_, index) => index + 1));
  });

  it('keeps at most max_active admitted people with a valid token at once', async () => {
    const { eventId } = await eventWithRoom({ rate_per_minute: null, max_active: 3 });
    await service.queue.service.admit(eventId);
    await sql`insert into queue.entries (event_id, user_id, position)
      select ${eventId}, 4000000 + n, n from generate_series(1, 10) n`.execute(db());
    await sql`update queue.rooms set last_position = 10 where event_id = ${eventId}`.execute(db());
    expect(await service.queue.service.admit(eventId)).toBe(3);
    expect(await service.queue.service.admit(eventId)).toBe(0);
    await sql`update queue.entries set token_expires_at = now() - interval '1 second'
      where event_id = ${eventId} and position = 1`.execute(db());
    expect(await service.queue.service.admit(eventId)).toBe(1);
  });

  it('does not bank more than a few seconds of unused rate while nobody waits', async () => {
    const { eventId } = await eventWithRoom({ rate_per_minute: 60 });
    await backdateRate(eventId, 600);
    expect(await service.queue.service.admit(eventId)).toBe(0);
    await sql`insert into queue.entries (event_id, user_id, position)
      select ${eventId}, 5000000 + n, n from generate_series(1, 100) n`.execute(db());
    await sql`update queue.rooms set last_position = 100 where event_id = ${eventId}`.execute(db());
    const admitted = await service.queue.service.admit(eventId);
    expect(admitted).toBeGreaterThanOrEqual(5);
    expect(admitted).toBeLessThanOrEqual(7);
  });
});

describe('the admission token on booking and buying', () => {
  it('is required while the room is on, and a forged, other-account, other-event or expired one is refused', async () => {
    const { eventId, ticketTypeId } = await eventWithRoom();
    const second = await eventWithRoom();
    const without = await buy(eventId, ticketTypeId, buyer);
    expect(without.statusCode).toBe(403);
    expect(without.json()).toMatchObject({
      type: problem('queue-required'),
      reason: 'missing',
      queue_url: `/api/events/${eventId}/queue`,
      queue_page: `/events/${eventId}/queue`,
    });
    const token = await admittedToken(eventId, buyer);
    const [version, body, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const refusals = {
      forged: await buy(eventId, ticketTypeId, buyer, `${version}.${body}.${flipped}`),
      'other account': await buy(eventId, ticketTypeId, other, token),
      'other event': await buy(second.eventId, second.ticketTypeId, buyer, token),
      garbage: await buy(eventId, ticketTypeId, buyer, 'not a token'),
    };
    for (const [what, response] of Object.entries(refusals)) {
      expect(response.statusCode, what).toBe(403);
      expect(response.json<{ type: string }>().type, what).toBe(problem('queue-required'));
    }
    // A token rewritten to name another account fails its signature.
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, number>;
    const rewritten = Buffer.from(JSON.stringify({ ...claims, u: other.id })).toString('base64url');
    expect((await buy(eventId, ticketTypeId, other, `${version}.${rewritten}.${signature}`)).json()).toMatchObject({
      reason: 'bad-signature',
    });
    expect((await buy(eventId, ticketTypeId, buyer, token)).statusCode).toBe(201);

    // Expired: signed with the real key, an expiry in the past.
    const { rows } = await sql<{ secret: string }>`select secret from queue.secrets`.execute(db());
    const expired = new AdmissionTokens(rows[0]!.secret).sign({
      eventId,
      userId: buyer.id,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    expect((await buy(eventId, ticketTypeId, buyer, expired)).json()).toMatchObject({
      type: problem('queue-required'),
      reason: 'expired',
    });
    await sql`update queue.entries set token_expires_at = now() - interval '1 second' where event_id = ${eventId}`.execute(db());
    expect(await placeOf(eventId, buyer)).toMatchObject({ status: 'expired', token: null });

    const metrics = (await inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/queue_tokens_rejected_total\{reason="bad-signature"\} [1-9]/);
    expect(metrics).toMatch(/queue_tokens_rejected_total\{reason="expired"\} [1-9]/);
    expect(metrics).toMatch(new RegExp(`queue_length\\{event_id="${eventId}",state="waiting"\\} \\d`));
    expect(metrics).toMatch(/queue_admitted_total\{event_id="\d+"\} [1-9]/);
  });

  it('guards opening a booking and adding seats to it, and leaves HackLoad’s event 1 alone', async () => {
    const { eventId } = await eventWithRoom();
    const { rows: seats } = await sql<{
      id: number;
    }>`select id from sales.seats where event_id = ${eventId} order by id limit 2`.execute(db());
    const open = (token?: string) =>
      inject({
        method: 'POST',
        url: '/api/bookings',
        headers: { ...other.bearer, ...(token ? { 'queue-token': token } : {}) },
        payload: { event_id: eventId, seat_ids: [seats[0]!.id] },
      });
    expect((await open()).statusCode).toBe(403);
    const token = await admittedToken(eventId, other);
    const booking = await open(token);
    expect(booking.statusCode, booking.body).toBe(201);
    const bookingId = booking.json<{ id: number }>().id;
    const add = (headers: Record<string, string>) =>
      inject({
        method: 'POST',
        url: `/api/bookings/${bookingId}/seats`,
        headers: { ...other.bearer, ...headers },
        payload: { seat_ids: [seats[1]!.id] },
      });
    expect((await add({})).json()).toMatchObject({ type: problem('queue-required') });
    expect((await add({ 'queue-token': token })).statusCode).toBe(200);

    expect(hackloadEvent).toBe(1);
    const hackload = await inject({ method: 'POST', url: '/api/bookings', headers: buyer.basic, payload: { event_id: 1 } });
    expect(hackload.statusCode, hackload.body).toBe(201);
  });

  it('is not asked for once the organizer switches the room off', async () => {
    const { eventId, ticketTypeId } = await eventWithRoom();
    expect((await buy(eventId, ticketTypeId, buyer)).statusCode).toBe(403);
    const off = await inject({
      method: 'PUT',
      url: `/api/events/${eventId}/queue/settings`,
      headers: owner.bearer,
      payload: { enabled: false, on_sale_at: new Date().toISOString(), rate_per_minute: 600 },
    });
    expect(off.statusCode).toBe(200);
    expect((await buy(eventId, ticketTypeId, buyer)).statusCode).toBe(201);
    expect((await join(eventId, buyer)).json()).toMatchObject({ type: problem('no-waiting-room') });
  });
});
