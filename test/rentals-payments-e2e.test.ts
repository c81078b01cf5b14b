import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startService, type Service } from '../src/main.ts';
import { TEST_CARDS } from '../src/modules/payments/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { networkHttp, payWithCard } from './support/payments.ts';
import { freePort } from './support/ports.ts';
import { ceilQuarter, createHall, createStudio, iso } from './support/rentals.ts';
import { runSbor, type SborProcess } from './support/sbor-process.ts';
import { basicHeader, signUp, type TestUser } from './support/users.ts';

/**
 * Paying for a hall rental across real HTTP, as test/payments-e2e.test.ts does for bookings: the
 * sandbox gateway is its own process (`sbor sandbox-gateway`), the service listens on a port, and
 * the renter's requests, the card form, the redirects, the gateway calls, the webhooks and the
 * refund all cross sockets.
 */
const SECRET = 'e2e-webhook-secret-0123456789';
const MERCHANT = { PAYMENT_TERMINAL_KEY: 'e2e-studio', PAYMENT_PASSWORD: 'e2e-password' };
const HOUR = 3_600_000;

let gateway: SborProcess;
let gatewayUrl: string;
let database: TestDatabase;
let service: Service;
let port: number;
let owner: TestUser;
let renter: TestUser;
let studio: string;

beforeAll(async () => {
  gateway = runSbor(['sandbox-gateway'], {
    ...process.env,
    ...MERCHANT,
    SANDBOX_PORT: '0',
    HOST: '127.0.0.1',
    SANDBOX_DELAY_MS: '1-5',
    PAYMENT_WEBHOOK_SECRET: SECRET,
    SANDBOX_FAULTS: 'on',
    LOG_LEVEL: 'info',
  });
  gatewayUrl = (await gateway.waitFor('sandbox gateway listening')).url as string;
  database = await createTestDatabase();
  port = await freePort();
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
  });
  service = await startService(config, { database, logger: pino({ level: 'silent' }) });
  [owner, renter] = await Promise.all([signUp(service.app), signUp(service.app)]);
  studio = await createStudio(service.app, service.database, owner);
}, 60_000);
afterAll(async () => {
  try {
    await service.stop();
    await database.close();
  } finally {
    await gateway.stop();
  }
});

async function call(as: TestUser, method: string, path: string, body?: unknown) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { ...as.basic, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    redirect: 'manual',
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

async function gatewayView(paymentId: string) {
  const response = await fetch(`${gatewayUrl}/payments/${paymentId}`, {
    headers: basicHeader(MERCHANT.PAYMENT_TERMINAL_KEY, MERCHANT.PAYMENT_PASSWORD),
  });
  return (await response.json()) as { status: string; webhooks: { status: string; delivered: boolean }[] };
}

async function gatewayPaymentId(rentalId: number): Promise<string> {
  const rows = await sql<{ id: string }>`
    select gateway_payment_id as id from payments.payments where order_kind = 'rental' and booking_id = ${rentalId}`.execute(
    database.db,
  );
  return rows.rows[0]!.id;
}

/** Over the network: hold an hour of a new hall 10 days ahead and start paying; the page's URL. */
async function holdAndPay() {
  const hallId = await createHall(service.app, owner, studio);
  const startsAt = ceilQuarter(Date.now() + 240 * HOUR);
  const slot = { hall_id: hallId, starts_at: iso(startsAt), ends_at: iso(startsAt + HOUR) };
  const created = await call(renter, 'POST', '/api/rentals', slot);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const rentalId = created.body.id as number;
  const started = await call(renter, 'POST', `/api/rentals/${rentalId}/payments`);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  expect(started.body.payment_url).toMatch(new RegExp(`^${gatewayUrl}/api/v1/PaymentForm/render/`));
  expect(Date.parse(started.body.expires_at as string)).toBeLessThanOrEqual(Date.parse(created.body.expires_at as string));
  return { rentalId, slot, paymentUrl: started.body.payment_url as string };
}

const statusOf = async (rentalId: number) => (await call(renter, 'GET', `/api/rentals/${rentalId}`)).body.status;

describe('paying for a rental across real HTTP with the sandbox gateway in its own process', () => {
  it('confirms it once through the card form, the success redirect and the webhooks; the studio’s cancel refunds it all', async () => {
    const { rentalId, paymentUrl } = await holdAndPay();
    const submitted = await payWithCard(networkHttp, paymentUrl, TEST_CARDS.success);
    expect(submitted.status).toBe(303);
    expect(submitted.location).toContain('/api/payments/success?orderId=rental-');
    expect((await networkHttp('GET', submitted.location!)).status).toBe(200);
    const paymentId = await gatewayPaymentId(rentalId);
    await expect
      .poll(async () => (await gatewayView(paymentId)).webhooks.map((hook) => `${hook.status}:${hook.delivered}`), {
        timeout: 15_000,
      })
      .toEqual(['FORM_SHOWED:true', 'AUTHORIZED:true', 'completed:true']);
    expect(await statusOf(rentalId)).toBe('CONFIRMED');
    const confirmed = await sql<{ n: number }>`select count(*)::int as n from platform.outbox
      where type = 'rental.confirmed' and aggregate_id = ${String(rentalId)}`.execute(database.db);
    expect(confirmed.rows[0]!.n).toBe(1);

    const cancelled = await call(owner, 'POST', `/api/rentals/${rentalId}/cancel`, { reason: 'flooded' });
    expect(cancelled.status).toBe(200);
    // The bus records the refund; the refund job (run here, at once) sends it to the gateway.
    await expect
      .poll(async () => {
        await service.payments.service.processRefunds();
        return (await gatewayView(paymentId)).status;
      })
      .toBe('REFUNDED');
  });

  it('releases the hold when the card is declined, and the slot can be rented again', async () => {
    const { rentalId, slot, paymentUrl } = await holdAndPay();
    const submitted = await payWithCard(networkHttp, paymentUrl, TEST_CARDS.declined);
    expect(submitted.location).toContain('/api/payments/fail?orderId=');
    expect((await networkHttp('GET', submitted.location!)).status).toBe(200);
    expect(await statusOf(rentalId)).toBe('EXPIRED');
    expect((await call(owner, 'POST', '/api/rentals', slot)).status).toBe(201);
  });
});
