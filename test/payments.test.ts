import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CARDS, webhookSignature } from '../src/modules/payments/index.ts';
import { createPublishedEvent } from './support/events.ts';
import { injectHttp, payWithCard, type Http } from './support/payments.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

const SECRET = 'test-webhook-secret-0123456789';
let service: TestService;
let owner: TestUser;
let buyer: TestUser;
let rival: TestUser;
let http: Http;

beforeAll(async () => {
  service = await startTestService({
    env: {
      SANDBOX_DELAY_MS: '1-5',
      PAYMENT_WEBHOOK_SECRET: SECRET,
      // Tests run reconciliation and refunds themselves, at the moments they choose.
      PAYMENT_RECONCILE_INTERVAL_MS: '3600000',
    },
  });
  http = injectHttp(service.app);
  [owner, buyer, rival] = await Promise.all([signUp(service.app), signUp(service.app), signUp(service.app)]);
});
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
const HALL = [{ name: 'Партер', price: 500_000, rows: 5, seats_per_row: 20 }];
const MANY = { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false };

async function hall() {
  const { eventId } = await createPublishedEvent(service.app, service.database, owner, { zones: HALL, policy: MANY });
  const rows = await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by row, number`.execute(
    db(),
  );
  return { eventId, seats: rows.rows.map((row) => row.id) };
}

/** HackLoad's steps: create a booking, select seats. */
async function bookSeats(user: TestUser, eventId: number, seatIds: number[]): Promise<number> {
  const created = await inject({ method: 'POST', url: '/api/bookings', headers: user.basic, payload: { event_id: eventId } });
  expect(created.statusCode, created.body).toBe(201);
  const bookingId = created.json<{ id: number }>().id;
  for (const seatId of seatIds) {
    const selected = await inject({
      method: 'PATCH',
      url: '/api/seats/select',
      headers: user.basic,
      payload: { booking_id: bookingId, seat_id: seatId },
    });
    expect(selected.statusCode, selected.body).toBe(200);
  }
  return bookingId;
}

async function initiate(user: TestUser, bookingId: number): Promise<string> {
  const response = await inject({
    method: 'PATCH',
    url: '/api/bookings/initiatePayment',
    headers: user.basic,
    payload: { booking_id: bookingId },
  });
  expect(response.statusCode, response.body).toBe(302);
  return response.headers.location as string;
}

async function booking(user: TestUser, bookingId: number) {
  const response = await inject({ method: 'GET', url: `/api/bookings/${bookingId}`, headers: user.bearer });
  return response.json<{
    status: string;
    total_amount: number;
    expires_at: string | null;
    seats: { id: number }[];
    audit: { to_status: string }[];
  }>();
}

async function seatStatuses(seatIds: number[]) {
  const rows = await sql<{
    status: string;
  }>`select status from sales.seats where id in (${sql.join(seatIds)}) order by id`.execute(db());
  return rows.rows.map((row) => row.status);
}

async function outboxCount(type: string, aggregateId: number): Promise<number> {
  const rows = await sql<{
    n: number;
  }>`select count(*)::int as n from platform.outbox where type = ${type} and aggregate_id = ${String(aggregateId)}`.execute(db());
  return rows.rows[0]?.n ?? 0;
}

async function paymentOf(bookingId: number) {
  const rows = await sql<{ id: number; status: string; gateway_payment_id: string; refunded_amount: number; amount: number }>`
    select id, status, gateway_payment_id, refunded_amount, amount from payments.payments where booking_id = ${bookingId} order by id desc limit 1`.execute(
    db(),
  );
  return rows.rows[0]!;
}

async function refundsOf(bookingId: number) {
  const rows = await sql<{
    amount: number;
    status: string;
  }>`select amount, status from payments.refunds where booking_id = ${bookingId} order by id`.execute(db());
  return rows.rows;
}

async function signedWebhook(body: Record<string, unknown>, deliveryId: string, signature?: string) {
  const raw = JSON.stringify(body);
  return inject({
    method: 'POST',
    url: '/api/payments/notifications',
    headers: {
      'content-type': 'application/json',
      'x-webhook-delivery': deliveryId,
      'x-webhook-signature': signature ?? webhookSignature(SECRET, raw),
    },
    payload: raw,
  });
}

/** Pays through the page and comes back through the success URL, as a browser does. */
async function payAndReturn(paymentUrl: string, card: string = TEST_CARDS.success) {
  const submitted = await payWithCard(http, paymentUrl, card);
  expect(submitted.status, submitted.text).toBe(303);
  const back = await http('GET', submitted.location!);
  expect(back.status, back.text).toBe(200);
  return { submitted, back: JSON.parse(back.text) as { status: string; booking_id: number } };
}

describe('paying for a booking', () => {
  it('takes the HackLoad path: 302 to the page, a card, the success redirect and the webhook confirm it once', async () => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!, seats[1]!]);
    const paymentUrl = await initiate(buyer, bookingId);
    expect(paymentUrl).toMatch(/\/sandbox\/api\/v1\/PaymentForm\/render\/sbx_/);
    const awaiting = await booking(buyer, bookingId);
    expect(awaiting.status).toBe('PENDING');

    const { submitted, back } = await payAndReturn(paymentUrl);
    expect(submitted.location).toMatch(/\/api\/payments\/success\?orderId=/);
    expect(back).toMatchObject({ status: 'CONFIRMED', booking_id: bookingId });
    // The webhooks (FORM_SHOWED, AUTHORIZED, completed) arrive too; none confirms twice.
    await expect
      .poll(async () =>
        sql<{ n: number }>`select count(*)::int as n from payments.webhook_deliveries
      where gateway_payment_id = ${(await paymentOf(bookingId)).gateway_payment_id}`
          .execute(db())
          .then((r) => r.rows[0]?.n),
      )
      .toBe(3);
    expect((await booking(buyer, bookingId)).status).toBe('CONFIRMED');
    expect(await seatStatuses([seats[0]!, seats[1]!])).toEqual(['SOLD', 'SOLD']);
    expect(await outboxCount('booking.confirmed', bookingId)).toBe(1);
    expect(await outboxCount('payment.succeeded', (await paymentOf(bookingId)).id)).toBe(1);

    const listed = await inject({ method: 'GET', url: `/api/bookings/${bookingId}/payments`, headers: buyer.bearer });
    expect(listed.statusCode, listed.body).toBe(200);
    const [payment] = listed.json<{
      payments: { status: string; amount: number; currency: string; history: { to_status: string }[] }[];
    }>().payments;
    expect(payment).toMatchObject({ status: 'CONFIRMED', amount: 1_000_000, currency: 'KZT' });
    expect(payment!.history.map((entry) => entry.to_status)).toEqual(['NEW', 'CONFIRMED']);
    const other = await inject({ method: 'GET', url: `/api/bookings/${bookingId}/payments`, headers: rival.bearer });
    expect(other.statusCode).toBe(404);
  });

  it.each([
    ['declined', TEST_CARDS.declined],
    ['insufficient funds', TEST_CARDS.insufficientFunds],
  ])('cancels the booking and frees its seats at once when the card is %s on the Billetter door', async (_name, card) => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    const { submitted, back } = await payAndReturn(await initiate(buyer, bookingId), card);
    expect(submitted.location).toMatch(/\/api\/payments\/fail\?orderId=/);
    expect(back.status).toBe('REJECTED');
    expect((await booking(buyer, bookingId)).status).toBe('CANCELLED');
    expect(await seatStatuses([seats[0]!])).toEqual(['FREE']);
    expect(await outboxCount('payment.failed', (await paymentOf(bookingId)).id)).toBe(1);
    expect(await outboxCount('booking.confirmed', bookingId)).toBe(0);
  });

  it.each([
    ['declined', TEST_CARDS.declined],
    ['insufficient funds', TEST_CARDS.insufficientFunds],
  ])('keeps the hold when the card is %s on the native door, says why, and takes a second try', async (why, card) => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    const first = await inject({ method: 'POST', url: `/api/bookings/${bookingId}/payments`, headers: buyer.bearer });
    expect(first.statusCode, first.body).toBe(201);
    const heldUntil = (await booking(buyer, bookingId)).expires_at;
    const { submitted, back } = await payAndReturn(first.json<{ payment_url: string }>().payment_url, card);
    expect(submitted.location).toMatch(/\/api\/payments\/fail\?orderId=/);
    expect(back.status).toBe('REJECTED');
    const held = await booking(buyer, bookingId);
    expect(held).toMatchObject({ status: 'PENDING', expires_at: heldUntil });
    expect(held.audit.at(-1)).toMatchObject({ to_status: 'PENDING', reason: `payment rejected: ${why}; held for another try` });
    expect(await seatStatuses([seats[0]!])).toEqual(['RESERVED']);
    const failed = await inject({ method: 'GET', url: `/api/bookings/${bookingId}/payments`, headers: buyer.bearer });
    expect(failed.json()).toMatchObject({ payments: [{ status: 'REJECTED', failure_reason: `payment rejected: ${why}` }] });
    const told = await sql<{ payload: { reason: string; heldUntil: string | null } }>`
      select payload from platform.outbox where type = 'payment.failed' and aggregate_id = ${String((await paymentOf(bookingId)).id)}`.execute(
      db(),
    );
    expect(told.rows.map((row) => row.payload)).toEqual([
      expect.objectContaining({ reason: `payment rejected: ${why}`, heldUntil }),
    ]);
    const second = await inject({ method: 'POST', url: `/api/bookings/${bookingId}/payments`, headers: buyer.bearer });
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json<{ payment_url: string }>().payment_url).not.toBe(first.json<{ payment_url: string }>().payment_url);
    await payAndReturn(second.json<{ payment_url: string }>().payment_url);
    expect((await booking(buyer, bookingId)).status).toBe('CONFIRMED');
    expect(await seatStatuses([seats[0]!])).toEqual(['SOLD']);
  });

  it("ends the payment with the organizer's hold, not PAYMENT_TTL_SECONDS later: the seat is free again at the hold's second", async () => {
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, {
      zones: HALL,
      policy: MANY,
      ttlSeconds: 3,
    });
    const seat = (
      await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by id limit 1`.execute(db())
    ).rows[0]!.id;
    const bookingId = await bookSeats(buyer, eventId, [seat]);
    const heldUntil = (await booking(buyer, bookingId)).expires_at!;
    const started = await inject({ method: 'POST', url: `/api/bookings/${bookingId}/payments`, headers: buyer.bearer });
    expect(started.statusCode, started.body).toBe(201);
    const payment = started.json<{ payment_url: string; expires_at: string }>();
    expect(Date.parse(payment.expires_at)).toBeLessThanOrEqual(Date.parse(heldUntil));
    expect((await booking(buyer, bookingId)).expires_at).toBe(heldUntil);
    const stored = await sql<{ held_until: Date }>`select held_until from sales.seats where id = ${seat}`.execute(db());
    expect(stored.rows[0]!.held_until.getTime()).toBeLessThanOrEqual(Date.parse(heldUntil));
    // The hold's second passes while the payment page is still open: someone else may take the seat.
    await new Promise((resolve) => setTimeout(resolve, Date.parse(heldUntil) - Date.now() + 50));
    const rivalBooking = await bookSeats(rival, eventId, [seat]);
    expect((await booking(rival, rivalBooking)).seats.map((taken) => taken.id)).toEqual([seat]);
    expect((await booking(buyer, bookingId)).status).toBe('EXPIRED');
    // The payment ended with the hold: reconciliation closes its page at the gateway, so no card is taken for it.
    await payments().reconcile();
    const ended = await paymentOf(bookingId);
    expect(ended.status).toBe('EXPIRED');
    expect(service.payments.sandbox?.inspect(ended.gateway_payment_id)).toMatchObject({ status: 'CANCELLED' });
  });

  it('shows the payments of a booking only to its owner, also before the first payment', async () => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    const mine = await inject({ method: 'GET', url: `/api/bookings/${bookingId}/payments`, headers: buyer.bearer });
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json()).toMatchObject({ payments: [] });
    const theirs = await inject({ method: 'GET', url: `/api/bookings/${bookingId}/payments`, headers: rival.bearer });
    expect(theirs.statusCode).toBe(404);
    const none = await inject({ method: 'GET', url: '/api/bookings/2000000000/payments', headers: buyer.bearer });
    expect(none.statusCode).toBe(404);
  });

  it('refuses an invalid card number on the page and lets the buyer try again', async () => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    const paymentUrl = await initiate(buyer, bookingId);
    const wrong = await payWithCard(http, paymentUrl, '4111111111111112');
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('invalid card number');
    await payAndReturn(paymentUrl);
    expect((await booking(buyer, bookingId)).status).toBe('CONFIRMED');
  });

  it('answers the native door with the page and the hold, and gives the same page to a second call', async () => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    const first = await inject({ method: 'POST', url: `/api/bookings/${bookingId}/payments`, headers: buyer.bearer });
    expect(first.statusCode, first.body).toBe(201);
    const payment = first.json<{ payment_url: string; expires_at: string; amount: number; status: string }>();
    expect(payment).toMatchObject({ amount: 500_000, status: 'NEW' });
    const held = await booking(buyer, bookingId);
    expect(held.status).toBe('PENDING');
    expect(held.expires_at).toBe(payment.expires_at);
    const heldUntil = await sql<{ held_until: Date }>`select held_until from sales.seats where id = ${seats[0]!}`.execute(db());
    expect(heldUntil.rows[0]?.held_until.toISOString()).toBe(payment.expires_at);
    const again = await inject({ method: 'POST', url: `/api/bookings/${bookingId}/payments`, headers: buyer.bearer });
    expect(again.json<{ payment_url: string }>().payment_url).toBe(payment.payment_url);
    const stranger = await inject({
      method: 'PATCH',
      url: '/api/bookings/initiatePayment',
      headers: rival.basic,
      payload: { booking_id: bookingId },
    });
    expect(stranger.statusCode).toBe(403);
  });

  it('pays for general-admission tickets bought straight to payment', async () => {
    const { eventId, ticketTypeIds } = await createPublishedEvent(service.app, service.database, owner, {
      ticketTypes: [{ type: 'standard', name: 'Входной', price: 300_000, quantity: 10 }],
      policy: MANY,
    });
    const bought = await inject({
      method: 'POST',
      url: `/api/events/${eventId}/tickets`,
      headers: buyer.bearer,
      payload: { ticket_type_id: ticketTypeIds[0], quantity: 2 },
    });
    expect(bought.statusCode, bought.body).toBe(201);
    const bookingId = bought.json<{ id: number; status: string }>().id;
    const started = await inject({ method: 'POST', url: `/api/bookings/${bookingId}/payments`, headers: buyer.bearer });
    expect(started.json()).toMatchObject({ amount: 600_000 });
    await payAndReturn(started.json<{ payment_url: string }>().payment_url);
    expect((await booking(buyer, bookingId)).status).toBe('CONFIRMED');
    const types = await inject({ method: 'GET', url: `/api/events/${eventId}/ticket-types` });
    expect(types.json()).toEqual([expect.objectContaining({ sold: 2, held: 0, available: 8 })]);
  });
});

describe('faults', () => {
  it('rejects a webhook with a forged signature and changes nothing', async () => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    service.payments.sandbox?.setFaults({ dropWebhooks: true });
    const submitted = await payWithCard(http, await initiate(buyer, bookingId), TEST_CARDS.success);
    expect(submitted.status).toBe(303); // authorized at the gateway; nobody has told us yet
    const payment = await paymentOf(bookingId);
    const body = {
      paymentId: payment.gateway_payment_id,
      status: 'AUTHORIZED',
      teamSlug: 'sbor-sandbox',
      timestamp: new Date().toISOString(),
      data: {},
    };
    const forged = await signedWebhook(body, 'forged-1', webhookSignature('not-the-secret-at-all', JSON.stringify(body)));
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ type: 'https://sbor.dev/problems/invalid-webhook-signature' });
    const unsigned = await inject({ method: 'POST', url: '/api/payments/notifications', payload: body });
    expect(unsigned.statusCode).toBe(401);
    expect((await paymentOf(bookingId)).status).toBe('NEW');
    expect((await booking(buyer, bookingId)).status).toBe('PENDING');
    const deliveries = await sql<{
      n: number;
    }>`select count(*)::int as n from payments.webhook_deliveries where delivery_id = 'forged-1'`.execute(db());
    expect(deliveries.rows[0]?.n).toBe(0);
    // The genuine signature is accepted and settles it.
    expect((await signedWebhook(body, 'genuine-1')).json()).toEqual({ result: 'applied' });
    expect((await booking(buyer, bookingId)).status).toBe('CONFIRMED');
  });

  it('applies a webhook delivered five times once', async () => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    service.payments.sandbox?.setFaults({ webhookCopies: 5 });
    const submitted = await payWithCard(http, await initiate(buyer, bookingId), TEST_CARDS.success);
    expect(submitted.status).toBe(303); // the browser does not come back: only webhooks tell us
    const payment = await paymentOf(bookingId);
    await expect
      .poll(async () => {
        const rows = await sql<{
          status: string;
          received_count: number;
        }>`select status, received_count from payments.webhook_deliveries
          where gateway_payment_id = ${payment.gateway_payment_id} order by status`.execute(db());
        return rows.rows;
      })
      .toEqual([
        { status: 'AUTHORIZED', received_count: 5 },
        { status: 'FORM_SHOWED', received_count: 5 },
        { status: 'completed', received_count: 5 },
      ]);
    expect((await booking(buyer, bookingId)).status).toBe('CONFIRMED');
    expect(await outboxCount('booking.confirmed', bookingId)).toBe(1);
    expect(await outboxCount('payment.succeeded', payment.id)).toBe(1);
    const history = await sql<{
      to_status: string;
    }>`select to_status from payments.status_history where payment_id = ${payment.id} order by id`.execute(db());
    // FORM_SHOWED may or may not be seen (the gateway is asked, and may be past it already); CONFIRMED once.
    expect(history.rows.map((row) => row.to_status).filter((status) => status !== 'FORM_SHOWED')).toEqual(['NEW', 'CONFIRMED']);
    // Sequentially, the same delivery is only counted.
    const body = {
      paymentId: payment.gateway_payment_id,
      status: 'AUTHORIZED',
      teamSlug: 'sbor-sandbox',
      timestamp: '2026-01-01T00:00:00Z',
      data: {},
    };
    const results = [];
    for (let copy = 0; copy < 5; copy += 1)
      results.push((await signedWebhook(body, 'same-delivery')).json<{ result: string }>().result);
    expect(results).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
  });

  it('settles a payment whose webhooks were dropped by reconciliation', async () => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    service.payments.sandbox?.setFaults({ dropWebhooks: true });
    expect((await payWithCard(http, await initiate(buyer, bookingId), TEST_CARDS.success)).status).toBe(303);
    expect((await booking(buyer, bookingId)).status).toBe('PENDING');
    // Time passes without a word from the gateway: the payment is due for a check.
    await sql`update payments.payments set created_at = now() - interval '2 hours' where booking_id = ${bookingId}`.execute(db());
    expect(await payments().reconcile()).toBeGreaterThanOrEqual(1);
    expect((await booking(buyer, bookingId)).status).toBe('CONFIRMED');
    expect(await seatStatuses([seats[0]!])).toEqual(['SOLD']);
    expect(await outboxCount('booking.confirmed', bookingId)).toBe(1);
  });

  it('answers 503 when the gateway is down at initiate, leaves the booking as it was, and takes payment later', async () => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    const before = await booking(buyer, bookingId);
    service.payments.sandbox?.setFaults({ down: true });
    const refused = await inject({
      method: 'PATCH',
      url: '/api/bookings/initiatePayment',
      headers: buyer.basic,
      payload: { booking_id: bookingId },
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ type: 'https://sbor.dev/problems/payment-gateway-unavailable' });
    const after = await booking(buyer, bookingId);
    expect(after).toEqual(before);
    expect(await sql`select 1 from payments.payments where booking_id = ${bookingId}`.execute(db()).then((r) => r.rows)).toEqual(
      [],
    );
    service.payments.sandbox?.setFaults({ down: false });
    await payAndReturn(await initiate(buyer, bookingId));
    expect((await booking(buyer, bookingId)).status).toBe('CONFIRMED');
  });

  it('answers a callback or webhook for an unknown order without changing anything', async () => {
    const callback = await inject({ method: 'GET', url: '/api/payments/success?orderId=no-such-order' });
    expect(callback.statusCode).toBe(200);
    expect(callback.json()).toEqual({ order_id: 'no-such-order', status: 'UNKNOWN', booking_id: null });
    const hook = await signedWebhook(
      { paymentId: 'sbx_unknown', status: 'AUTHORIZED', teamSlug: 'sbor-sandbox', data: {} },
      'unknown-1',
    );
    expect(hook.json()).toEqual({ result: 'ignored' });
  });
});

describe('refunds', () => {
  async function paidBooking(seatCount = 1) {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, seats.slice(0, seatCount));
    await payAndReturn(await initiate(buyer, bookingId));
    expect((await booking(buyer, bookingId)).status).toBe('CONFIRMED');
    return { eventId, seats: seats.slice(0, seatCount), bookingId };
  }

  it('refunds a cancelled paid booking through the gateway and puts its seats back on sale', async () => {
    const { seats, bookingId } = await paidBooking(2);
    const cancelled = await inject({
      method: 'PATCH',
      url: '/api/bookings/cancel',
      headers: buyer.basic,
      payload: { booking_id: bookingId },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(await seatStatuses(seats)).toEqual(['FREE', 'FREE']);
    await expect.poll(() => refundsOf(bookingId)).toEqual([{ amount: 1_000_000, status: 'PENDING' }]);
    expect(await payments().processRefunds()).toBe(1);
    expect(await refundsOf(bookingId)).toEqual([{ amount: 1_000_000, status: 'SUCCEEDED' }]);
    const payment = await paymentOf(bookingId);
    expect(payment).toMatchObject({ status: 'REFUNDED', refunded_amount: 1_000_000 });
    expect(service.payments.sandbox?.inspect(payment.gateway_payment_id)).toMatchObject({
      status: 'REFUNDED',
      refunded: 1_000_000,
    });
    expect(await outboxCount('payment.refunded', payment.id)).toBe(1);
  });

  it('holds a refund it is sending from other instances for the call’s longest time, and no longer', async () => {
    const { bookingId } = await paidBooking();
    const cancelled = await inject({
      method: 'PATCH',
      url: '/api/bookings/cancel',
      headers: buyer.basic,
      payload: { booking_id: bookingId },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await expect.poll(() => refundsOf(bookingId)).toEqual([{ amount: 500_000, status: 'PENDING' }]);

    // A slow gateway: the first instance's call is under way while a second instance looks for work.
    service.payments.sandbox?.setFaults({ answerDelayMs: 1_000 });
    const first = payments().processRefunds();
    await expect
      .poll(
        async () =>
          (await sql<{ attempts: number }>`select attempts from payments.refunds where booking_id = ${bookingId}`.execute(db()))
            .rows[0]?.attempts,
      )
      .toBe(1);
    expect(await payments().processRefunds()).toBe(0);
    // The lease: the call's longest time (three tries of 10 s and the pauses) and a margin. A worker
    // killed mid-call delays the refund by that, not by minutes.
    const lease = await sql<{ seconds: number }>`
      select extract(epoch from next_attempt_at - now())::float8 as seconds from payments.refunds where booking_id = ${bookingId}`.execute(
      db(),
    );
    expect(lease.rows[0]!.seconds).toBeGreaterThan(40);
    expect(lease.rows[0]!.seconds).toBeLessThanOrEqual(46);

    expect(await first).toBe(1);
    expect(await refundsOf(bookingId)).toEqual([{ amount: 500_000, status: 'SUCCEEDED' }]);
    const payment = await paymentOf(bookingId);
    expect(service.payments.sandbox?.inspect(payment.gateway_payment_id)).toMatchObject({
      status: 'REFUNDED',
      refunded: 500_000,
    });
  });

  it('refuses to cancel a paid booking less than 12 hours before the event', async () => {
    const { eventId, bookingId } = await paidBooking();
    await sql`update catalog.events set starts_at = now() + interval '6 hours' where id = ${eventId}`.execute(db());
    const refused = await inject({ method: 'POST', url: `/api/bookings/${bookingId}/cancel`, headers: buyer.bearer });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ type: 'https://sbor.dev/problems/refund-window-closed', cutoff_hours: 12 });
    expect((await booking(buyer, bookingId)).status).toBe('CONFIRMED');
  });

  it('refunds the price of the seats returned from a paid booking', async () => {
    const { seats, bookingId } = await paidBooking(3);
    const returned = await inject({
      method: 'POST',
      url: `/api/bookings/${bookingId}/refunds`,
      headers: buyer.bearer,
      payload: { seat_ids: [seats[1]] },
    });
    expect(returned.statusCode, returned.body).toBe(200);
    expect(returned.json()).toMatchObject({ status: 'CONFIRMED', total_amount: 1_000_000 });
    expect(await seatStatuses(seats)).toEqual(['SOLD', 'FREE', 'SOLD']);
    await expect.poll(() => refundsOf(bookingId)).toEqual([{ amount: 500_000, status: 'PENDING' }]);
    await payments().processRefunds();
    const payment = await paymentOf(bookingId);
    expect(payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refunded_amount: 500_000 });
    expect(service.payments.sandbox?.inspect(payment.gateway_payment_id)).toMatchObject({
      status: 'PARTIAL_REFUNDED',
      refunded: 500_000,
    });
    // Cancelling the rest refunds what is left, and no more.
    await inject({ method: 'POST', url: `/api/bookings/${bookingId}/cancel`, headers: buyer.bearer });
    await expect.poll(() => refundsOf(bookingId)).toHaveLength(2);
    await payments().processRefunds();
    expect(await refundsOf(bookingId)).toEqual([
      { amount: 500_000, status: 'SUCCEEDED' },
      { amount: 1_000_000, status: 'SUCCEEDED' },
    ]);
    expect(await paymentOf(bookingId)).toMatchObject({ status: 'REFUNDED', refunded_amount: 1_500_000 });
  });

  it('refunds every paid booking and voids pending payments when the event is cancelled', async () => {
    const { eventId, seats } = await hall();
    const first = await bookSeats(buyer, eventId, [seats[0]!]);
    const second = await bookSeats(rival, eventId, [seats[1]!, seats[2]!]);
    const pending = await bookSeats(rival, eventId, [seats[3]!]);
    await payAndReturn(await initiate(buyer, first));
    await payAndReturn(await initiate(rival, second));
    const pendingUrl = await initiate(rival, pending);
    const cancelled = await inject({
      method: 'POST',
      url: `/api/events/${eventId}/cancel`,
      headers: owner.bearer,
      payload: { reason: 'артист заболел' },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await expect.poll(async () => [...(await refundsOf(first)), ...(await refundsOf(second))]).toHaveLength(2);
    await payments().processRefunds();
    expect(await paymentOf(first)).toMatchObject({ status: 'REFUNDED' });
    expect(await paymentOf(second)).toMatchObject({ status: 'REFUNDED', refunded_amount: 1_000_000 });
    // The pending one is voided at the gateway at its next check: its page no longer takes cards.
    await expect
      .poll(async () =>
        sql<{ void_requested: boolean }>`select void_requested from payments.payments where booking_id = ${pending}`
          .execute(db())
          .then((r) => r.rows[0]?.void_requested),
      )
      .toBe(true);
    await payments().reconcile();
    expect(await paymentOf(pending)).toMatchObject({ status: 'CANCELLED' });
    expect((await http('GET', pendingUrl)).status).toBe(410);
    expect((await booking(rival, pending)).status).toBe('CANCELLED');
  });
});

describe('late payment', () => {
  /** The hold ends (as if its time ran out) while the payment page is still open at the gateway. */
  async function holdEnds(bookingId: number) {
    await sql`update sales.bookings set expires_at = now() - interval '1 second' where id = ${bookingId}`.execute(db());
    await sql`update sales.seats set held_until = now() - interval '1 second' where booking_id = ${bookingId}`.execute(db());
  }

  it('takes the seats again when they are still free', async () => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    const paymentUrl = await initiate(buyer, bookingId);
    await holdEnds(bookingId);
    expect((await booking(buyer, bookingId)).status).toBe('EXPIRED');
    await payAndReturn(paymentUrl);
    const paid = await booking(buyer, bookingId);
    expect(paid.status).toBe('CONFIRMED');
    expect(paid.audit.map((entry) => entry.to_status)).toEqual(['CREATED', 'PENDING', 'EXPIRED', 'CONFIRMED']);
    expect(await seatStatuses([seats[0]!])).toEqual(['SOLD']);
    expect(await outboxCount('booking.confirmed', bookingId)).toBe(1);
  });

  it('refunds automatically and tells the buyer when the seats were taken meanwhile', async () => {
    const { eventId, seats } = await hall();
    const bookingId = await bookSeats(buyer, eventId, [seats[0]!]);
    const paymentUrl = await initiate(buyer, bookingId);
    await holdEnds(bookingId);
    const rivalBooking = await bookSeats(rival, eventId, [seats[0]!]);
    await payAndReturn(paymentUrl);
    expect((await booking(buyer, bookingId)).status).toBe('EXPIRED');
    const seat = await sql<{
      status: string;
      booking_id: number;
    }>`select status, booking_id from sales.seats where id = ${seats[0]!}`.execute(db());
    expect(seat.rows[0]).toEqual({ status: 'RESERVED', booking_id: rivalBooking });
    const payment = await paymentOf(bookingId);
    expect(await outboxCount('payment.late-refunded', payment.id)).toBe(1);
    expect(await outboxCount('payment.succeeded', payment.id)).toBe(0);
    expect(await refundsOf(bookingId)).toEqual([{ amount: 500_000, status: 'PENDING' }]);
    await payments().processRefunds();
    expect(await paymentOf(bookingId)).toMatchObject({ status: 'REFUNDED' });
  });
  describe('of a booking with a promo code', () => {
    async function promoBooking(user: TestUser) {
      const { eventId, seats } = await hall();
      const promo = await inject({
        method: 'POST',
        url: `/api/events/${eventId}/promo-codes`,
        headers: owner.bearer,
        payload: { code: 'LATE', discount_kind: 'percent', discount_value: 10, max_uses: 1 },
      });
      expect(promo.statusCode, promo.body).toBe(201);
      const opened = await inject({
        method: 'POST',
        url: '/api/bookings',
        headers: user.bearer,
        payload: { event_id: eventId, seat_ids: [seats[0]], promo_code: 'late' },
      });
      expect(opened.json()).toMatchObject({ total_amount: 450_000, discount_amount: 50_000 });
      return { eventId, seats, promoId: promo.json<{ id: number }>().id, bookingId: opened.json<{ id: number }>().id };
    }
    const usesOf = async (id: number) =>
      (await sql<{ uses: number }>`select uses from sales.promo_codes where id = ${id}`.execute(db())).rows[0]!.uses;

    it('takes the code’s use back with the seats, at the discounted price', async () => {
      const { promoId, bookingId, seats } = await promoBooking(buyer);
      const paymentUrl = await initiate(buyer, bookingId);
      await holdEnds(bookingId);
      expect((await booking(buyer, bookingId)).status).toBe('EXPIRED');
      await payAndReturn(paymentUrl);
      expect(await booking(buyer, bookingId)).toMatchObject({ status: 'CONFIRMED', total_amount: 450_000 });
      expect(await seatStatuses([seats[0]!])).toEqual(['SOLD']);
      expect(await usesOf(promoId)).toBe(1);
    });

    it('refunds the late payment when the code’s last use went to someone else meanwhile, and keeps the seat free', async () => {
      const { eventId, seats, promoId, bookingId } = await promoBooking(buyer);
      const paymentUrl = await initiate(buyer, bookingId);
      await holdEnds(bookingId);
      // The sweep records the expiry, which gives the use back; a rival takes it with another seat.
      await service.sales.service.background.expireOverdue();
      expect(await usesOf(promoId)).toBe(0);
      const rivalBooking = await inject({
        method: 'POST',
        url: '/api/bookings',
        headers: rival.bearer,
        payload: { event_id: eventId, seat_ids: [seats[1]], promo_code: 'LATE' },
      });
      expect(rivalBooking.statusCode, rivalBooking.body).toBe(201);
      await payAndReturn(paymentUrl);
      expect((await booking(buyer, bookingId)).status).toBe('EXPIRED');
      expect(await seatStatuses([seats[0]!])).toEqual(['FREE']);
      expect(await usesOf(promoId)).toBe(1);
      expect(await refundsOf(bookingId)).toEqual([{ amount: 450_000, status: 'PENDING' }]);
    });
  });
});
