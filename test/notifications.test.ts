import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from './support/events.ts';
import { TEST_CARDS } from '../src/modules/payments/index.ts';
import { injectHttp, payWithCard } from './support/payments.ts';
import { notificationsSettled } from './support/notifications.ts';
import { startTestService, type TestService } from './support/service.ts';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.ts';
import { grantRole, signUp, type TestUser } from './support/users.ts';

let smtp: TestSmtpServer;
let service: TestService;
let owner: TestUser;

beforeAll(async () => {
  smtp = await startSmtpServer();
  service = await startTestService({
    env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://tickets.example', SANDBOX_DELAY_MS: '1-5' },
  });
  owner = await signUp(service.app);
});
afterAll(async () => {
  await service.stop();
  await smtp.close();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;
const HALL = [{ name: 'Партер', price: 500_000, rows: 3, seats_per_row: 10 }];
const MANY = { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false };

async function seatIds(eventId: number): Promise<number[]> {
  const rows = await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by row, number`.execute(
    db(),
  );
  return rows.rows.map((row) => row.id);
}

async function book(user: TestUser, eventId: number, seatIdsToHold: number[]) {
  const response = await inject({
    method: 'POST',
    url: '/api/bookings',
    headers: user.bearer,
    payload: { event_id: eventId, seat_ids: seatIdsToHold },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: number }>();
}

async function confirm(bookingId: number) {
  const response = await inject({ method: 'POST', url: `/api/bookings/${bookingId}/confirm`, headers: owner.bearer });
  expect(response.statusCode, response.body).toBe(200);
}

const settled = () => notificationsSettled(db());

describe('email over a real SMTP server', () => {
  it('sends exactly one email for a confirmed booking, with seats, amount and link, in Russian', async () => {
    const buyer = await signUp(service.app);
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, { zones: HALL, policy: MANY });
    const seats = await seatIds(eventId);
    const booking = await book(buyer, eventId, [seats[0]!, seats[1]!]);
    await confirm(booking.id);
    await settled();

    const mails = smtp.to(buyer.email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toMatch(/^Ваши билеты на «Событие org-/);
    expect(mail!.text).toContain(`Бронь №${booking.id} подтверждена: ряд 1, место 1; ряд 1, место 2.`);
    expect(mail!.text).toMatch(/Сумма: 10\s000,00\s₸/);
    expect(mail!.text).toContain('https://tickets.example/tickets');
    // The email is sent when the tickets exist, and carries their codes.
    const tickets = await inject({ method: 'GET', url: '/api/tickets', headers: buyer.bearer });
    const list = tickets.json<{ code: string }[]>();
    expect(list).toHaveLength(2);
    for (const ticket of list) expect(mail!.text).toContain(ticket.code);
    expect(mail!.html).toContain('<h1');
    expect(mail!.messageId).toMatch(/^<delivery-\d+@tickets\.example>$/);

    // The same message is in the app, unread until marked.
    const inbox = await inject({ method: 'GET', url: '/api/notifications', headers: buyer.bearer });
    expect(inbox.statusCode).toBe(200);
    const page = inbox.json<{ items: { id: number; kind: string; read: boolean }[]; unread: number }>();
    expect(page.items.map((item) => item.kind)).toEqual(['booking.confirmed', 'booking.created']);
    expect(page.unread).toBe(2);
    const read = await inject({ method: 'POST', url: `/api/notifications/${page.items[0]!.id}/read`, headers: buyer.bearer });
    expect(read.statusCode).toBe(204);
    const count = await inject({ method: 'GET', url: '/api/notifications/unread-count', headers: buyer.bearer });
    expect(count.json()).toEqual({ unread: 1 });
    const all = await inject({ method: 'POST', url: '/api/notifications/read-all', headers: buyer.bearer });
    expect(all.json()).toEqual({ updated: 1 });
    // Someone else cannot mark it.
    const stranger = await signUp(service.app);
    const refused = await inject({
      method: 'POST',
      url: `/api/notifications/${page.items[0]!.id}/read`,
      headers: stranger.bearer,
    });
    expect(refused.statusCode).toBe(404);
  });

  it('writes in English to a user whose locale is en', async () => {
    const buyer = await signUp(service.app, { locale: 'en' });
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, { zones: HALL, policy: MANY });
    const booking = await book(buyer, eventId, [(await seatIds(eventId))[4]!]);
    await confirm(booking.id);
    await settled();
    const [mail] = smtp.to(buyer.email);
    expect(mail!.subject).toMatch(/^Your tickets for “/);
    expect(mail!.text).toContain(`Booking #${booking.id} is confirmed: row 1, seat 5.`);
    expect(mail!.text).toContain('Total: ₸5,000.00');
  });

  it('tells every holder of a cancelled event once, and nobody twice for their several bookings', async () => {
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, { zones: HALL, policy: MANY });
    const seats = await seatIds(eventId);
    const [paid, twice, holding, bystander] = await Promise.all([
      signUp(service.app),
      signUp(service.app),
      signUp(service.app),
      signUp(service.app),
    ]);
    await confirm((await book(paid, eventId, [seats[0]!])).id);
    await confirm((await book(twice, eventId, [seats[1]!])).id);
    await confirm((await book(twice, eventId, [seats[2]!])).id);
    await book(holding, eventId, [seats[3]!]);
    await settled();
    const before = smtp.messages.length;

    const cancelled = await inject({
      method: 'POST',
      url: `/api/events/${eventId}/cancel`,
      headers: owner.bearer,
      payload: { reason: 'Гроза' },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await expect
      .poll(
        async () =>
          (await sql`select 1 from sales.bookings where event_id = ${eventId} and status <> 'CANCELLED'`.execute(db())).rows,
        {
          timeout: 10_000,
        },
      )
      .toEqual([]);
    await settled();

    const sent = smtp.messages.slice(before);
    for (const user of [paid, twice, holding]) {
      const mails = sent.filter((mail) => JSON.stringify(mail.to).includes(user.email));
      expect(mails.map((mail) => mail.subject)).toEqual([expect.stringMatching(/^Событие «.*» отменено$/)]);
      expect(mails[0]!.text).toContain('Гроза');
    }
    expect(sent).toHaveLength(3);
    expect(smtp.to(bystander.email)).toEqual([]);
  });

  it('tells a buyer whose card was declined once, by the payment message, not also by a cancellation', async () => {
    const buyer = await signUp(service.app);
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, { zones: HALL, policy: MANY });
    const booking = await book(buyer, eventId, [(await seatIds(eventId))[9]!]);
    const initiated = await inject({
      method: 'PATCH',
      url: '/api/bookings/initiatePayment',
      headers: buyer.basic,
      payload: { booking_id: booking.id },
    });
    expect(initiated.statusCode, initiated.body).toBe(302);
    const submitted = await payWithCard(injectHttp(service.app), initiated.headers.location as string, TEST_CARDS.declined);
    expect(submitted.status, submitted.text).toBe(303);
    await injectHttp(service.app)('GET', submitted.location!);
    await settled();

    const mails = smtp.to(buyer.email);
    expect(mails.map((mail) => mail.subject)).toEqual([`Оплата брони №${booking.id} не прошла`]);
    expect(mails[0]!.text).toContain('Бронь отменена');
  });

  it('tells a buyer whose card was declined on the native door that the seats stay held, and until when', async () => {
    const buyer = await signUp(service.app);
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, { zones: HALL, policy: MANY });
    const booking = await book(buyer, eventId, [(await seatIds(eventId))[8]!]);
    const started = await inject({ method: 'POST', url: `/api/bookings/${booking.id}/payments`, headers: buyer.bearer });
    expect(started.statusCode, started.body).toBe(201);
    const submitted = await payWithCard(
      injectHttp(service.app),
      started.json<{ payment_url: string }>().payment_url,
      TEST_CARDS.declined,
    );
    expect(submitted.status, submitted.text).toBe(303);
    await injectHttp(service.app)('GET', submitted.location!);
    await settled();

    const mails = smtp.to(buyer.email);
    expect(mails.map((mail) => mail.subject)).toEqual([`Оплата брони №${booking.id} не прошла`]);
    expect(mails[0]!.text).toContain('(payment rejected: declined)');
    expect(mails[0]!.text).toMatch(/Места остаются за вами до .+ — попробуйте оплатить ещё раз/);
    expect(mails[0]!.text).toContain(`/bookings/${booking.id}`);
  });

  it('sends nothing twice when the bus redelivers an event, even after the dispatcher runs again', async () => {
    const buyer = await signUp(service.app);
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, { zones: HALL, policy: MANY });
    const booking = await book(buyer, eventId, [(await seatIds(eventId))[5]!]);
    await confirm(booking.id);
    await settled();
    expect(smtp.to(buyer.email)).toHaveLength(1);
    const event = await sql<{ id: number }>`
      select id from platform.outbox where type = 'ticket.purchased' and aggregate_id = ${`booking:${String(booking.id)}`}`.execute(
      db(),
    );
    const eventId_ = event.rows[0]!.id;

    // The bus delivers it again (the consumer's inbox forgot it) …
    await sql`delete from platform.inbox where event_id = ${eventId_}`.execute(db());
    await sql`update platform.outbox set published_at = null where id = ${eventId_}`.execute(db());
    await settled();
    // … and the dispatcher is made to handle it once more, as after a crash before it recorded success.
    await sql`update notifications.source_events set processed_at = null where event_id = ${eventId_}`.execute(db());
    await settled();
    await service.notifications.service.runDue();

    expect(smtp.to(buyer.email)).toHaveLength(1);
    const deliveries = await sql<{ channel: string; status: string }>`
      select channel, status from notifications.deliveries where source_event_id = ${eventId_} order by channel`.execute(db());
    expect(deliveries.rows).toEqual([
      { channel: 'email', status: 'sent' },
      { channel: 'in_app', status: 'sent' },
    ]);
  });

  it('retries an email the SMTP server refused and then delivers it, while in-app is not held back', async () => {
    const buyer = await signUp(service.app, { phone: '+77011234567' });
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, { zones: HALL, policy: MANY });
    const booking = await book(buyer, eventId, [(await seatIds(eventId))[6]!]);
    smtp.failing = true;
    try {
      await confirm(booking.id);
      await settled();
    } finally {
      smtp.failing = false;
    }
    const failed = await sql<{ channel: string; status: string; attempts: number; last_error: string | null; later: boolean }>`
      select channel, status, attempts, last_error, next_attempt_at > now() as later from notifications.deliveries
      where user_id = ${buyer.id} and message_id = (select max(id) from notifications.messages where user_id = ${buyer.id})
      order by channel`.execute(db());
    expect(failed.rows).toEqual([
      { channel: 'email', status: 'pending', attempts: 1, last_error: expect.stringContaining('451') as unknown, later: true },
      { channel: 'in_app', status: 'sent', attempts: 0, last_error: null, later: false },
      // No SMS_URL: the built-in mailbox took the SMS.
      { channel: 'sms', status: 'sent', attempts: 1, last_error: null, later: false },
    ]);
    expect(smtp.to(buyer.email)).toEqual([]);

    // The backoff has passed (30 s): the next pass delivers it.
    await sql`update notifications.deliveries set next_attempt_at = now() where user_id = ${buyer.id} and status = 'pending'`.execute(
      db(),
    );
    await settled();
    expect(smtp.to(buyer.email)).toHaveLength(1);
    const delivered = await sql<{ status: string; attempts: number }>`
      select status, attempts from notifications.deliveries where user_id = ${buyer.id} and channel = 'email'
      and message_id = (select max(id) from notifications.messages where user_id = ${buyer.id})`.execute(db());
    expect(delivered.rows).toEqual([{ status: 'sent', attempts: 2 }]);
  });

  it('keeps transactional messages going when the user turns a channel off', async () => {
    const buyer = await signUp(service.app);
    const initial = await inject({ method: 'GET', url: '/api/users/me/notification-preferences', headers: buyer.bearer });
    expect(initial.json()).toEqual({ email: true, sms: false, in_app: true });
    const off = { email: false, sms: false, in_app: false };
    const put = await inject({
      method: 'PUT',
      url: '/api/users/me/notification-preferences',
      headers: buyer.bearer,
      payload: off,
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual(off);

    const { eventId } = await createPublishedEvent(service.app, service.database, owner, { zones: HALL, policy: MANY });
    const booking = await book(buyer, eventId, [(await seatIds(eventId))[7]!]);
    await confirm(booking.id);
    await settled();
    // The hold notice is optional (in-app only, now off); the tickets are transactional.
    expect(smtp.to(buyer.email).map((mail) => mail.subject)).toEqual([expect.stringMatching(/^Ваши билеты/)]);
    const inbox = await inject({ method: 'GET', url: '/api/notifications', headers: buyer.bearer });
    expect(inbox.json<{ items: { kind: string }[] }>().items.map((item) => item.kind)).toEqual(['booking.confirmed']);
  });
});

describe('the built-in mailbox (no SMTP_URL)', () => {
  let embedded: TestService;
  beforeAll(async () => {
    embedded = await startTestService();
  });
  afterAll(async () => {
    await embedded.stop();
  });

  it('stores what would have been sent and shows it to an admin as JSON and as a page', async () => {
    const organizer = await signUp(embedded.app);
    const buyer = await signUp(embedded.app);
    const admin = await signUp(embedded.app);
    await grantRole(embedded.database, admin.id, 'admin');
    const { eventId, ticketTypeIds } = await createPublishedEvent(embedded.app, embedded.database, organizer, {
      policy: MANY,
      ticketTypes: [{ type: 'free', name: 'Вход свободный', price: 0, quantity: 10 }],
    });
    const bought = await embedded.app.inject({
      method: 'POST',
      url: `/api/events/${eventId}/tickets`,
      headers: buyer.bearer,
      payload: { ticket_type_id: ticketTypeIds[0], quantity: 2 },
    });
    expect(bought.statusCode, bought.body).toBe(201);
    const query = `?recipient=${encodeURIComponent(buyer.email)}`;
    await expect
      .poll(
        async () =>
          (await embedded.app.inject({ method: 'GET', url: `/api/mailbox${query}`, headers: admin.bearer })).json<
            { subject: string; text: string }[]
          >(),
        { timeout: 15_000 },
      )
      .toEqual([expect.objectContaining({ subject: expect.stringMatching(/^Ваши билеты/) as unknown })]);
    const [mail] = (await embedded.app.inject({ method: 'GET', url: `/api/mailbox${query}`, headers: admin.bearer })).json<
      { text: string }[]
    >();
    expect(mail!.text).toContain('Вход свободный × 2 шт.');
    const page = await embedded.app.inject({ method: 'GET', url: `/mailbox${query}`, headers: admin.basic });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain(buyer.email);
    const refused = await embedded.app.inject({ method: 'GET', url: '/api/mailbox', headers: buyer.bearer });
    expect(refused.statusCode).toBe(403);
  });
});
