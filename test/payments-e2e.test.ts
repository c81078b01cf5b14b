import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startService, type Service } from '../src/main.ts';
import { TEST_CARDS } from '../src/modules/payments/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { createPublishedEvent } from './support/events.ts';
import { networkHttp, payWithCard } from './support/payments.ts';
import { basicHeader, signUp, type TestUser } from './support/users.ts';
import { freePort } from './support/ports.ts';
import { runSbor, type SborProcess } from './support/sbor-process.ts';

/**
 * The whole payment across real HTTP: the sandbox gateway runs as its own process
 * (`sbor sandbox-gateway`), the service listens on a port, and the buyer's requests, the card
 * form, the redirects, the gateway calls and the webhooks all cross sockets.
 */
const SECRET = 'e2e-webhook-secret-0123456789';
const MERCHANT = { PAYMENT_TERMINAL_KEY: 'e2e-shop', PAYMENT_PASSWORD: 'e2e-password' };

let gateway: SborProcess;
let gatewayUrl: string;
let database: TestDatabase;
let service: Service;
let port: number;
let owner: TestUser;
let buyer: TestUser;

async function startOn(env: Record<string, string> = {}): Promise<Service> {
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    RELAY_INTERVAL_MS: '20',
    JOBS_INTERVAL_MS: '50',
    AUTH_RATE_LIMITS: 'off',
    PAYMENT_GATEWAY_URL: `${gatewayUrl}/api/v1`,
    PAYMENT_WEBHOOK_SECRET: SECRET,
    PAYMENT_RECONCILE_INTERVAL_MS: '3600000',
    ...MERCHANT,
    ...env,
  });
  return startService(config, { database, logger: pino({ level: 'silent' }) });
}

const gatewayEnv = {
  ...process.env,
  ...MERCHANT,
  SANDBOX_PORT: '0',
  HOST: '127.0.0.1',
  SANDBOX_DELAY_MS: '1-5',
  PAYMENT_WEBHOOK_SECRET: SECRET,
  // The test switches below (faults, the payment view): off by default, and only for the merchant.
  SANDBOX_FAULTS: 'on',
  LOG_LEVEL: 'info',
};

beforeAll(async () => {
  gateway = runSbor(['sandbox-gateway'], gatewayEnv);
  gatewayUrl = (await gateway.waitFor('sandbox gateway listening')).url as string;
  database = await createTestDatabase();
  port = await freePort();
  service = await startOn();
  [owner, buyer] = await Promise.all([signUp(service.app), signUp(service.app)]);
});
afterAll(async () => {
  try {
    await service.stop();
    await database.close();
  } finally {
    await gateway.stop();
  }
});

const base = () => `http://127.0.0.1:${port}`;

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; location: string | null }> {
  const response = await fetch(`${base()}${path}`, {
    method,
    headers: { ...buyer.basic, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    redirect: 'manual',
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as unknown) : undefined,
    location: response.headers.get('location'),
  };
}

const asMerchant = basicHeader(MERCHANT.PAYMENT_TERMINAL_KEY, MERCHANT.PAYMENT_PASSWORD);

async function setFaults(faults: Record<string, unknown>) {
  const response = await fetch(`${gatewayUrl}/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...asMerchant },
    body: JSON.stringify(faults),
  });
  expect(response.status).toBe(200);
}

async function gatewayView(paymentId: string) {
  const response = await fetch(`${gatewayUrl}/payments/${paymentId}`, { headers: asMerchant });
  return (await response.json()) as { status: string; webhooks: { status: string; delivered: boolean; attempts: number }[] };
}

/** HackLoad's steps over the network: create a booking, select a seat, initiate (302). */
async function bookAndInitiate(): Promise<{ bookingId: number; seatId: number; paymentUrl: string }> {
  const { eventId } = await createPublishedEvent(service.app, service.database, owner, {
    zones: [{ name: 'Партер', price: 4_000_000, rows: 2, seats_per_row: 5 }],
    policy: { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false },
  });
  const seats = (await call('GET', `/api/seats?event_id=${eventId}&status=FREE&pageSize=5`)).body as { id: number }[];
  const seatId = seats[0]!.id;
  const created = await call('POST', '/api/bookings', { event_id: eventId });
  expect(created.status).toBe(201);
  const bookingId = (created.body as { id: number }).id;
  expect((await call('PATCH', '/api/seats/select', { booking_id: bookingId, seat_id: seatId })).status).toBe(200);
  const initiated = await call('PATCH', '/api/bookings/initiatePayment', { booking_id: bookingId });
  expect(initiated.status).toBe(302);
  expect(initiated.location).toMatch(new RegExp(`^${gatewayUrl}/api/v1/PaymentForm/render/`));
  return { bookingId, seatId, paymentUrl: initiated.location! };
}

async function bookingStatus(bookingId: number): Promise<string> {
  return ((await call('GET', `/api/bookings/${bookingId}`)).body as { status: string }).status;
}

async function seatStatus(seatId: number): Promise<string> {
  const rows = await sql<{ status: string }>`select status from sales.seats where id = ${seatId}`.execute(database.db);
  return rows.rows[0]!.status;
}

async function events(type: string, aggregateId: number): Promise<number> {
  const rows = await sql<{
    n: number;
  }>`select count(*)::int as n from platform.outbox where type = ${type} and aggregate_id = ${String(aggregateId)}`.execute(
    database.db,
  );
  return rows.rows[0]!.n;
}

async function paymentStatus(bookingId: number): Promise<string> {
  const rows = await sql<{ status: string }>`select status from payments.payments where booking_id = ${bookingId}`.execute(
    database.db,
  );
  return rows.rows[0]!.status;
}

async function gatewayPaymentId(bookingId: number): Promise<string> {
  const rows = await sql<{
    id: string;
  }>`select gateway_payment_id as id from payments.payments where booking_id = ${bookingId}`.execute(database.db);
  return rows.rows[0]!.id;
}

describe('a payment across real HTTP with the sandbox gateway in its own process', () => {
  it('confirms the booking once: card form, success redirect and webhooks', async () => {
    const { bookingId, seatId, paymentUrl } = await bookAndInitiate();
    expect(await bookingStatus(bookingId)).toBe('PENDING');
    const submitted = await payWithCard(networkHttp, paymentUrl, TEST_CARDS.success);
    expect(submitted.status).toBe(303);
    expect(submitted.location).toBe(
      `${base()}/api/payments/success?orderId=${encodeURIComponent(submitted.location!.split('orderId=')[1] ?? '')}`,
    );
    const back = await networkHttp('GET', submitted.location!);
    expect(back.status).toBe(200);
    expect(JSON.parse(back.text)).toMatchObject({ status: 'CONFIRMED', booking_id: bookingId });
    // Every webhook (FORM_SHOWED, AUTHORIZED, completed) reached the service and was answered 2xx.
    const paymentId = await gatewayPaymentId(bookingId);
    await expect
      .poll(async () => (await gatewayView(paymentId)).webhooks.map((hook) => `${hook.status}:${hook.delivered}`), {
        timeout: 15_000,
      })
      .toEqual(['FORM_SHOWED:true', 'AUTHORIZED:true', 'completed:true']);
    expect((await gatewayView(paymentId)).status).toBe('CONFIRMED');
    expect(await bookingStatus(bookingId)).toBe('CONFIRMED');
    expect(await seatStatus(seatId)).toBe('SOLD');
    expect(await events('booking.confirmed', bookingId)).toBe(1);
  });

  it('cancels the booking and frees the seat when the card is declined', async () => {
    const { bookingId, seatId, paymentUrl } = await bookAndInitiate();
    const submitted = await payWithCard(networkHttp, paymentUrl, TEST_CARDS.declined);
    expect(submitted.location).toContain('/api/payments/fail?orderId=');
    const back = await networkHttp('GET', submitted.location!);
    expect(JSON.parse(back.text)).toMatchObject({ status: 'REJECTED' });
    const paymentId = await gatewayPaymentId(bookingId);
    await expect
      .poll(async () => (await gatewayView(paymentId)).webhooks.every((hook) => hook.delivered), { timeout: 15_000 })
      .toBe(true);
    expect(await bookingStatus(bookingId)).toBe('CANCELLED');
    expect(await seatStatus(seatId)).toBe('FREE');
    expect(await events('booking.confirmed', bookingId)).toBe(0);
    expect(await events('booking.cancelled', bookingId)).toBe(1);
  });

  it('settles after a restart between authorization and confirm, through the retried webhook', async () => {
    const { bookingId, seatId, paymentUrl } = await bookAndInitiate();
    await setFaults({ webhookDelayMs: 300 });
    const submitted = await payWithCard(networkHttp, paymentUrl, TEST_CARDS.success);
    expect(submitted.status).toBe(303);
    // The browser never comes back, and the service goes down before the AUTHORIZED webhook lands.
    await service.stop();
    const paymentId = await gatewayPaymentId(bookingId);
    await expect.poll(async () => (await gatewayView(paymentId)).webhooks.some((hook) => hook.attempts >= 1)).toBe(true);
    expect((await gatewayView(paymentId)).status).toBe('AUTHORIZED');
    service = await startOn();
    await setFaults({ webhookDelayMs: 0 });
    // The gateway retries with backoff (1 s, 2 s, 4 s) and reaches the restarted service.
    await expect.poll(() => bookingStatus(bookingId), { timeout: 20_000, interval: 200 }).toBe('CONFIRMED');
    expect((await gatewayView(paymentId)).status).toBe('CONFIRMED');
    expect(await seatStatus(seatId)).toBe('SOLD');
    expect(await events('booking.confirmed', bookingId)).toBe(1);
  });

  it('settles after a restart through reconciliation when every webhook was dropped', async () => {
    const { bookingId, paymentUrl } = await bookAndInitiate();
    await setFaults({ dropWebhooks: true });
    expect((await payWithCard(networkHttp, paymentUrl, TEST_CARDS.success)).status).toBe(303);
    await service.stop();
    const paymentId = await gatewayPaymentId(bookingId);
    expect((await gatewayView(paymentId)).status).toBe('AUTHORIZED');
    // The next scheduled reconciliation run comes around after the restart.
    await sql`update platform.periodic_jobs set next_run_at = now() where name = 'payments.reconcile'`.execute(database.db);
    service = await startOn({ PAYMENT_RECONCILE_INTERVAL_MS: '200' });
    await setFaults({ dropWebhooks: false });
    await expect.poll(() => bookingStatus(bookingId), { timeout: 20_000, interval: 200 }).toBe('CONFIRMED');
    expect((await gatewayView(paymentId)).status).toBe('CONFIRMED');
    expect(await events('booking.confirmed', bookingId)).toBe(1);
  });

  it('fails a payment the restarted gateway no longer knows once it has expired, and frees its seat', async () => {
    const { bookingId, seatId } = await bookAndInitiate();
    const paymentId = await gatewayPaymentId(bookingId);
    // The gateway restarts on its address and has forgotten every payment (the sandbox keeps them in memory).
    await gateway.stop();
    gateway = runSbor(['sandbox-gateway'], { ...gatewayEnv, SANDBOX_PORT: new URL(gatewayUrl).port });
    expect((await gateway.waitFor('sandbox gateway listening')).url).toBe(gatewayUrl);
    expect((await fetch(`${gatewayUrl}/payments/${paymentId}`, { headers: asMerchant })).status).toBe(404);
    const payments = service.payments.service;
    // Before its expiry the payment may still turn up: asking changes nothing.
    const orderId = (
      await sql<{ order_id: string }>`select order_id from payments.payments where booking_id = ${bookingId}`.execute(database.db)
    ).rows[0]!.order_id;
    await payments.settleOrder(orderId, 'test');
    expect(await paymentStatus(bookingId)).toBe('NEW');
    expect(await seatStatus(seatId)).toBe('RESERVED');
    // The payment's time (the booking's hold) passes: nobody can pay it now.
    await sql`update sales.bookings set expires_at = now() - interval '1 second' where id = ${bookingId}`.execute(database.db);
    await sql`update sales.seats set held_until = now() - interval '1 second' where booking_id = ${bookingId}`.execute(
      database.db,
    );
    await sql`update payments.payments set expires_at = now() - interval '1 second' where booking_id = ${bookingId}`.execute(
      database.db,
    );
    expect(await payments.reconcile()).toBeGreaterThanOrEqual(1);
    expect(await paymentStatus(bookingId)).toBe('EXPIRED');
    expect(await bookingStatus(bookingId)).toBe('EXPIRED');
    expect(await seatStatus(seatId)).toBe('FREE');
    // Settled: the next run has nothing more to ask about it.
    const due = await sql<{ n: number }>`
      select count(*)::int as n from payments.payments
      where status in ('NEW', 'FORM_SHOWED', 'AUTHORIZED') and booking_id = ${bookingId}`.execute(database.db);
    expect(due.rows[0]!.n).toBe(0);
  });
});
