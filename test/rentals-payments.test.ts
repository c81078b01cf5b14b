import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../src/modules/payments/index.ts';
import { injectHttp, payWithCard, type Http } from './support/payments.ts';
import { ceilQuarter, createHall, createStudio, iso } from './support/rentals.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

let service: TestService;
let owner: TestUser;
let renter: TestUser;
let stranger: TestUser;
let studio: string;
let http: Http;

const HOUR = 3_600_000;
const POLICY = { full_refund_hours: 72, partial_refund_hours: 24, partial_refund_percent: 50 };

beforeAll(async () => {
  service = await startTestService({
    env: { SANDBOX_DELAY_MS: '1-5', PAYMENT_RECONCILE_INTERVAL_MS: '3600000', EXPIRY_SWEEP_INTERVAL_MS: '3600000' },
  });
  http = injectHttp(service.app);
  [owner, renter, stranger] = await Promise.all([signUp(service.app), signUp(service.app), signUp(service.app)]);
  studio = await createStudio(service.app, service.database, owner);
}, 60_000);
afterAll(async () => {
  await service.stop();
});
beforeEach(() => {
  service.payments.sandbox?.setFaults({
    dropWebhooks: false,
    webhookDelayMs: 0,
    webhookCopies: 1,
    down: false,
    answerDelayMs: 0,
  });
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;
const payments = () => service.payments.service;

/** A held rental of one hour (4,000.00 KZT) starting `hoursAhead` from now; its id and hold end. */
async function hold(hallId: number, hoursAhead: number, as: TestUser = renter) {
  const startsAt = ceilQuarter(Date.now() + hoursAhead * HOUR);
  const created = await inject({
    method: 'POST',
    url: '/api/rentals',
    headers: as.bearer,
    payload: { hall_id: hallId, starts_at: iso(startsAt), ends_at: iso(startsAt + HOUR) },
  });
  expect(created.statusCode, created.body).toBe(201);
  const rental = created.json<{ id: number; expires_at: string; total: number }>();
  return { ...rental, startsAt };
}

async function pay(rentalId: number, as: TestUser = renter) {
  return inject({ method: 'POST', url: `/api/rentals/${rentalId}/payments`, headers: as.bearer });
}

async function statusOf(rentalId: number): Promise<string> {
  const response = await inject({ method: 'GET', url: `/api/rentals/${rentalId}`, headers: renter.bearer });
  return response.json<{ status: string }>().status;
}

async function outboxCount(type: string, aggregateId: number): Promise<number> {
  const rows = await sql<{ n: number }>`
    select count(*)::int as n from platform.outbox where type = ${type} and aggregate_id = ${String(aggregateId)}`.execute(db());
  return rows.rows[0]?.n ?? 0;
}

async function paymentOf(rentalId: number) {
  const rows = await sql<{ id: number; status: string; gateway_payment_id: string; amount: number; refunded_amount: number }>`
    select id, status, gateway_payment_id, amount, refunded_amount from payments.payments
    where order_kind = 'rental' and booking_id = ${rentalId} order by id desc limit 1`.execute(db());
  return rows.rows[0]!;
}

async function refundsOf(rentalId: number) {
  const rows = await sql<{ amount: number; status: string }>`
    select amount, status from payments.refunds where order_kind = 'rental' and booking_id = ${rentalId} order by id`.execute(
    db(),
  );
  return rows.rows;
}

describe('paying for a rental', () => {
  it('gives the renter a page that expires with the hold, and no one else any', async () => {
    const hallId = await createHall(service.app, owner, studio, { hold_ttl_seconds: 120 });
    const rental = await hold(hallId, 24 * 10);
    const started = await pay(rental.id);
    expect(started.statusCode, started.body).toBe(201);
    const payment = started.json<{ payment_url: string; expires_at: string; amount: number; currency: string }>();
    expect(payment).toMatchObject({ amount: rental.total, currency: 'KZT' });
    expect(payment.payment_url).toMatch(/\/sandbox\/api\/v1\/PaymentForm\/render\//);
    // The hold (120 s) is shorter than PAYMENT_TTL_SECONDS: the page ends with it, never later.
    expect(Date.parse(payment.expires_at)).toBeLessThanOrEqual(Date.parse(rental.expires_at));
    // Asked again: the same page.
    expect((await pay(rental.id)).json<{ payment_url: string }>().payment_url).toBe(payment.payment_url);
    expect((await pay(rental.id, stranger)).json()).toMatchObject({
      status: 404,
      type: 'https://sbor.dev/problems/rental-not-found',
    });
    expect((await pay(rental.id, owner)).statusCode).toBe(404);
    expect((await pay(9_000_000_000)).statusCode).toBe(404);
  });

  it('confirms a paid rental once, though the webhook comes five times', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const rental = await hold(hallId, 24 * 10);
    service.payments.sandbox?.setFaults({ webhookCopies: 5 });
    const submitted = await payWithCard(
      http,
      (await pay(rental.id)).json<{ payment_url: string }>().payment_url,
      TEST_CARDS.success,
    );
    expect(submitted.status).toBe(303); // the browser does not come back: only webhooks tell us
    const payment = await paymentOf(rental.id);
    await expect
      .poll(async () => {
        const rows = await sql<{ status: string; received_count: number }>`
          select status, received_count from payments.webhook_deliveries
          where gateway_payment_id = ${payment.gateway_payment_id} order by status`.execute(db());
        return rows.rows;
      })
      .toEqual([
        { status: 'AUTHORIZED', received_count: 5 },
        { status: 'FORM_SHOWED', received_count: 5 },
        { status: 'completed', received_count: 5 },
      ]);
    expect(await statusOf(rental.id)).toBe('CONFIRMED');
    expect((await paymentOf(rental.id)).status).toBe('CONFIRMED');
    expect(await outboxCount('rental.confirmed', rental.id)).toBe(1);
    expect(await outboxCount('payment.succeeded', payment.id)).toBe(1);
    // The success URL, later, changes nothing more.
    const back = await http('GET', submitted.location!);
    expect(back.status).toBe(200);
    expect(JSON.parse(back.text)).toMatchObject({
      status: 'CONFIRMED',
      order_kind: 'rental',
      order_ref: rental.id,
      booking_id: null,
    });
    expect(await outboxCount('rental.confirmed', rental.id)).toBe(1);
  });

  it('releases the hold when the card is declined: the slot is free again', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const rental = await hold(hallId, 24 * 10);
    const submitted = await payWithCard(
      http,
      (await pay(rental.id)).json<{ payment_url: string }>().payment_url,
      TEST_CARDS.declined,
    );
    expect(submitted.status).toBe(303);
    expect((await http('GET', submitted.location!)).status).toBe(200);
    expect(await statusOf(rental.id)).toBe('EXPIRED');
    expect((await paymentOf(rental.id)).status).toBe('REJECTED');
    expect(await outboxCount('rental.expired', rental.id)).toBe(1);
    const again = await inject({
      method: 'POST',
      url: '/api/rentals',
      headers: stranger.bearer,
      payload: { hall_id: hallId, starts_at: iso(rental.startsAt), ends_at: iso(rental.startsAt + HOUR) },
    });
    expect(again.statusCode, again.body).toBe(201);
    // Nothing to pay for any more.
    expect((await pay(rental.id)).statusCode).toBe(409);
  });

  it('settles through reconciliation when every webhook was dropped and the browser never came back', async () => {
    const hallId = await createHall(service.app, owner, studio);
    const rental = await hold(hallId, 24 * 10);
    service.payments.sandbox?.setFaults({ dropWebhooks: true });
    const submitted = await payWithCard(
      http,
      (await pay(rental.id)).json<{ payment_url: string }>().payment_url,
      TEST_CARDS.success,
    );
    expect(submitted.status).toBe(303);
    expect(await statusOf(rental.id)).toBe('PENDING');
    await sql`update payments.payments set last_checked_at = now() - interval '1 hour'
      where order_kind = 'rental' and booking_id = ${rental.id}`.execute(db());
    expect(await payments().reconcile()).toBeGreaterThanOrEqual(1);
    expect(await statusOf(rental.id)).toBe('CONFIRMED');
  });
});

describe('cancelling a paid rental', () => {
  async function paidRental(hoursAhead: number) {
    const hallId = await createHall(service.app, owner, studio, { cancellation: POLICY });
    const rental = await hold(hallId, hoursAhead);
    const submitted = await payWithCard(
      http,
      (await pay(rental.id)).json<{ payment_url: string }>().payment_url,
      TEST_CARDS.success,
    );
    expect((await http('GET', submitted.location!)).status).toBe(200);
    expect(await statusOf(rental.id)).toBe('CONFIRMED');
    return rental;
  }

  it('refunds the renter by the policy through the gateway (48 h before: 50 %)', async () => {
    const rental = await paidRental(48);
    const cancelled = await inject({
      method: 'POST',
      url: `/api/rentals/${rental.id}/cancel`,
      headers: renter.bearer,
      payload: {},
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await expect.poll(() => refundsOf(rental.id)).toEqual([{ amount: rental.total / 2, status: 'PENDING' }]);
    await payments().processRefunds();
    expect(await refundsOf(rental.id)).toEqual([{ amount: rental.total / 2, status: 'SUCCEEDED' }]);
    expect(await paymentOf(rental.id)).toMatchObject({ status: 'PARTIALLY_REFUNDED', refunded_amount: rental.total / 2 });
  });

  it('refunds in full when the studio cancels', async () => {
    const rental = await paidRental(12);
    const cancelled = await inject({
      method: 'POST',
      url: `/api/rentals/${rental.id}/cancel`,
      headers: owner.bearer,
      payload: { reason: 'flooded' },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await expect.poll(() => refundsOf(rental.id)).toEqual([{ amount: rental.total, status: 'PENDING' }]);
    await payments().processRefunds();
    expect(await paymentOf(rental.id)).toMatchObject({ status: 'REFUNDED', refunded_amount: rental.total });
  });
});
