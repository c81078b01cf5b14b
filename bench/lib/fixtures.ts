import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ensureHackloadSeats } from '../../src/modules/sales/index.ts';
import type { Database } from '../../src/platform/db/database.ts';

// Helpers for scenario setups: a fresh event 1, registering a user, one JSON call.
//
// Event 1 is the HackLoad concert `sbor seed` creates: seats 1..100000 in 100 rows × 1,000, at
// most 10 seats per booking, any number of open bookings per user.

export const EVENT_ID = 1;
export const SEATS = 100_000;
export const ROWS = 100;
export const SEATS_PER_ROW = 1_000;
export const MAX_SEATS_PER_BOOKING = 10;

/**
 * Event 1 back to all seats free and no bookings, as `POST /api/reset` does (which the bench
 * service keeps off). Requests of the last measurement may still be running in the service (the
 * load generator stops waiting for them, the server does not), so the bookings table is locked
 * first: a late seat select then waits, and finds its booking gone. Only seats that changed are
 * written, so resetting a fresh hall costs nothing.
 */
export async function resetEvent1(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('lock table sales.bookings in exclusive mode');
    await client.query(
      `update sales.seats set status = 'FREE', booking_id = null, held_until = null where event_id = $1 and status <> 'FREE'`,
      [EVENT_ID],
    );
    await client.query('delete from sales.bookings where event_id = $1', [EVENT_ID]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Reset, then VACUUM ANALYZE: every measurement starts on the same hall, without the dead index
 * entries the last run's seat updates left in the partial free-seat index.
 */
export async function freshEvent1(database: Database): Promise<void> {
  await ensureHackloadSeats(database.db, EVENT_ID);
  await resetEvent1(database.pool);
  await database.pool.query('vacuum analyze sales.seats, sales.bookings, sales.booking_audit');
}

export interface BenchUser {
  id: number;
  email: string;
  password: string;
  basic: string;
}

let registered = 0;

/** Registers a fresh user through the API (one register call: fine under AUTH_RATE_LIMITS). */
export async function registerUser(url: string, label: string): Promise<BenchUser> {
  const email = `bench-${label}-${process.pid}-${Date.now()}-${++registered}@example.com`;
  const password = `Bench-${randomUUID()}`;
  const body = { email, password, first_name: 'Bench', surname: 'User' };
  const { id } = (await call(url, 'POST', '/api/auth/register', body, undefined, 201)) as { id: number };
  return { id, email, password, basic: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}` };
}

/** One JSON request that must answer `expected`; returns the parsed body. */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  authorization?: string,
  expected = 200,
): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (authorization) headers.authorization = authorization;
  const response = await fetch(new URL(path, url), {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path}: expected ${expected}, got ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/**
 * A new organizer (signed in with a Bearer token) and a published event of theirs with one ticket
 * type, any number of open bookings per user: what the general-admission scenarios buy from.
 */
export async function publishedGaEvent(
  url: string,
  shape: {
    label: string;
    title: string;
    startsInDays: number;
    maxPerOrder: number;
    ticketType: { name: string; price: number; quantity: number };
  },
): Promise<{ owner: BenchUser; bearer: string; eventId: number; ticketTypeId: number }> {
  const owner = await registerUser(url, shape.label);
  const login = (await call(url, 'POST', '/api/auth/login', { email: owner.email, password: owner.password })) as {
    access_token: string;
  };
  const bearer = `Bearer ${login.access_token}`;
  await call(url, 'POST', '/api/users/me/become-organizer', undefined, bearer);
  const slug = `bench-${shape.label}-${String(Date.now())}`;
  await call(url, 'POST', '/api/organizers', { slug, name: slug }, bearer, 201);
  const policy = {
    max_tickets_per_order: shape.maxPerOrder,
    contact_required: false,
    one_active_booking_per_user: false,
    max_tickets_per_user: null,
  };
  const startsAt = new Date(Date.now() + shape.startsInDays * 86_400_000).toISOString();
  const event = (await call(
    url,
    'POST',
    '/api/events',
    { organizer: slug, title: shape.title, type: 'concert', starts_at: startsAt, policy },
    bearer,
    201,
  )) as { id: number };
  const type = (await call(
    url,
    'POST',
    `/api/events/${String(event.id)}/ticket-types`,
    { type: 'standard', ...shape.ticketType, max_per_order: shape.maxPerOrder },
    bearer,
    201,
  )) as { id: number };
  await call(url, 'POST', `/api/events/${String(event.id)}/publish`, undefined, bearer);
  return { owner, bearer, eventId: event.id, ticketTypeId: type.id };
}
