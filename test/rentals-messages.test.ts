import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/modules/integrations/index.ts';
import { TEST_CARDS } from '../src/modules/payments/index.ts';
import { REMINDER_JOB, remindRenter } from '../src/modules/rentals/index.ts';
import { JobRunner } from '../src/platform/jobs/jobs.ts';
import { injectHttp, payWithCard, type Http } from './support/payments.ts';
import { startReceiver, type TestReceiver } from './support/receiver.ts';
import { ceilQuarter, createHall, createStudio, iso } from './support/rentals.ts';
import { notificationsSettled } from './support/notifications.ts';
import { startTestService, type TestService } from './support/service.ts';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.ts';
import { signUp, type TestUser } from './support/users.ts';

let smtp: TestSmtpServer;
let receiver: TestReceiver;
let service: TestService;
let owner: TestUser;
let studio: string;
let hallId: number;
let http: Http;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  [smtp, receiver] = await Promise.all([startSmtpServer(), startReceiver()]);
  service = await startTestService({
    env: {
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://tickets.example',
      SANDBOX_DELAY_MS: '1-5',
      EXPIRY_SWEEP_INTERVAL_MS: '200',
      PAYMENT_RECONCILE_INTERVAL_MS: '3600000',
      // The receiver listens on 127.0.0.1.
      WEBHOOK_ALLOW_PRIVATE: 'loopback',
    },
  });
  http = injectHttp(service.app);
  owner = await signUp(service.app);
  studio = await createStudio(service.app, service.database, owner);
  hallId = await createHall(service.app, owner, studio, {
    name: 'Большой',
    cancellation: { full_refund_hours: 72, partial_refund_hours: 24, partial_refund_percent: 50 },
  });
}, 60_000);
afterAll(async () => {
  await service.stop();
  await Promise.all([smtp.close(), receiver.close()]);
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;

const settled = () => notificationsSettled(db());

/** A held rental of one hour (4,000.00 KZT) starting `hoursAhead` from now, on the quarter hour. */
async function hold(renter: TestUser, hoursAhead: number, hall = hallId) {
  const startsAt = ceilQuarter(Date.now() + hoursAhead * HOUR);
  const created = await inject({
    method: 'POST',
    url: '/api/rentals',
    headers: renter.bearer,
    payload: { hall_id: hall, starts_at: iso(startsAt), ends_at: iso(startsAt + HOUR) },
  });
  expect(created.statusCode, created.body).toBe(201);
  return { ...created.json<{ id: number; total: number }>(), startsAt };
}

async function confirmOffline(rentalId: number) {
  const confirmed = await inject({ method: 'POST', url: `/api/rentals/${rentalId}/confirm`, headers: owner.bearer });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
}

async function cancel(rentalId: number, as: TestUser) {
  const cancelled = await inject({ method: 'POST', url: `/api/rentals/${rentalId}/cancel`, headers: as.bearer, payload: {} });
  expect(cancelled.statusCode, cancelled.body).toBe(200);
}

async function outboxCount(type: string, rentalId: number): Promise<number> {
  const rows = await sql<{ n: number }>`
    select count(*)::int as n from platform.outbox where type = ${type} and aggregate_id = ${String(rentalId)}`.execute(db());
  return rows.rows[0]?.n ?? 0;
}

/** The calendar part of an email, unfolded (RFC 5545 3.1), as lines. */
function calendarLines(mail: { attachments: { contentType: string; content: Buffer }[] }): string[] {
  const part = mail.attachments.find((attachment) => attachment.contentType.startsWith('text/calendar'));
  expect(part, 'a text/calendar attachment').toBeDefined();
  const text = part!.content.toString('utf8');
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  return text.replace(/\r\n[ \t]/g, '').split('\r\n');
}

/** "20261224T140000Z" for an instant. */
const icsTime = (ms: number) =>
  iso(ms)
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

describe('messages to the renter and the studio', () => {
  it('emails a paid rental’s renter a confirmation with a calendar invitation, in the hall’s zone, and tells the studio’s owner', async () => {
    const renter = await signUp(service.app, { locale: 'en' });
    const rental = await hold(renter, 24 * 10);
    const started = await inject({ method: 'POST', url: `/api/rentals/${rental.id}/payments`, headers: renter.bearer });
    expect(started.statusCode, started.body).toBe(201);
    await payWithCard(http, started.json<{ payment_url: string }>().payment_url, TEST_CARDS.success);
    await expect.poll(() => outboxCount('rental.confirmed', rental.id)).toBe(1);
    await settled();

    const [mail, ...more] = smtp.to(renter.email);
    expect(more).toHaveLength(0);
    expect(mail!.subject).toBe(`Rental #${rental.id} confirmed: hall “Большой”`);
    const start = new Intl.DateTimeFormat('en-GB', { timeStyle: 'short', timeZone: 'Asia/Almaty' }).format(rental.startsAt);
    expect(mail!.text).toContain(`${start}–`);
    expect(mail!.text).toContain('(Asia/Almaty)');
    expect(mail!.text).toMatch(/Paid: ₸4,000\.00/);
    expect(mail!.text).toContain(`https://tickets.example/rentals/${rental.id}`);
    const lines = calendarLines(mail!);
    expect(lines).toContain('METHOD:REQUEST');
    expect(lines).toContain(`UID:rental-${rental.id}@tickets.example`);
    expect(lines).toContain('SEQUENCE:0');
    expect(lines).toContain(`DTSTART:${icsTime(rental.startsAt)}`);
    expect(lines).toContain(`DTEND:${icsTime(rental.startsAt + HOUR)}`);
    expect(lines).toContain(`SUMMARY:Большой — ${studio}`);

    // The owner (Russian by default) hears of it, without an invitation to someone else's rental.
    const told = smtp.to(owner.email).filter((message) => message.subject?.includes(`№${rental.id}`));
    expect(told.map((message) => message.subject)).toEqual([`Новая аренда №${rental.id}: зал «Большой»`]);
    expect(told[0]!.attachments).toHaveLength(0);
    const inbox = await inject({ method: 'GET', url: '/api/notifications', headers: renter.bearer });
    expect(inbox.json<{ items: { kind: string }[] }>().items.map((item) => item.kind)).toEqual(['rental.confirmed']);
  });

  it('tells a renter who cancels the refund, withdraws the invitation with the same UID and the next sequence, and tells the owner', async () => {
    const renter = await signUp(service.app);
    const rental = await hold(renter, 24 * 10 + 2);
    await confirmOffline(rental.id);
    await cancel(rental.id, renter);
    await settled();

    // Emails go out in parallel: either may arrive first (calendars order them by SEQUENCE).
    const mails = smtp.to(renter.email).sort((a, b) => (a.subject ?? '').localeCompare(b.subject ?? ''));
    expect(mails.map((mail) => mail.subject)).toEqual([
      `Аренда №${rental.id} отменена`,
      `Аренда №${rental.id} подтверждена: зал «Большой»`,
    ]);
    const [cancelled, confirmed] = mails as [(typeof mails)[number], (typeof mails)[number]];
    expect(cancelled.text).toContain('отменена вами');
    expect(cancelled.text).toMatch(/Мы вернём 4\s000,00\s₸/);
    const invitation = calendarLines(confirmed);
    const withdrawal = calendarLines(cancelled);
    expect(withdrawal).toContain('METHOD:CANCEL');
    expect(withdrawal).toContain('SEQUENCE:1');
    expect(withdrawal).toContain('STATUS:CANCELLED');
    const uid = (lines: string[]) => lines.find((line) => line.startsWith('UID:'));
    expect(uid(withdrawal)).toBe(uid(invitation));

    const owners = smtp.to(owner.email).filter((message) => message.subject?.includes(`№${rental.id}`));
    expect(owners.map((message) => message.subject).sort()).toEqual([
      `Аренда №${rental.id} отменена арендатором`,
      `Новая аренда №${rental.id}: зал «Большой»`,
    ]);
  });

  it('tells the renter, not the studio, when the studio cancels, and sends no invitation for a hold never confirmed', async () => {
    const renter = await signUp(service.app);
    const confirmed = await hold(renter, 24 * 11);
    await confirmOffline(confirmed.id);
    await cancel(confirmed.id, owner);
    const unpaid = await hold(renter, 24 * 12);
    await cancel(unpaid.id, renter);
    await settled();

    const byStudio = smtp.to(renter.email).find((mail) => mail.subject === `Аренда №${confirmed.id} отменена`);
    expect(byStudio!.text).toContain('отменена студией');
    expect(byStudio!.text).toMatch(/Мы вернём 4\s000,00\s₸/);
    const ownHold = smtp.to(renter.email).find((mail) => mail.subject === `Аренда №${unpaid.id} отменена`);
    expect(ownHold!.text).toContain('Возврата нет');
    expect(ownHold!.attachments).toHaveLength(0);
    expect(smtp.to(owner.email).filter((mail) => mail.subject?.includes('отменена арендатором'))).not.toContainEqual(
      expect.objectContaining({ subject: `Аренда №${confirmed.id} отменена арендатором` }),
    );
  });

  it('tells the renter when a hold ended unpaid', async () => {
    const renter = await signUp(service.app);
    const shortHall = await createHall(service.app, owner, studio, { name: 'Малый', hold_ttl_seconds: 1 });
    const rental = await hold(renter, 24 * 10, shortHall);
    await expect.poll(() => outboxCount('rental.expired', rental.id), { timeout: 15_000 }).toBe(1);
    await settled();
    const [mail] = smtp.to(renter.email);
    expect(mail!.subject).toBe('Бронь зала «Малый» снята');
    expect(mail!.text).toContain(`аренды №${rental.id}`);
  });
});

describe('the reminder the day before', () => {
  async function reminderJob(rentalId: number) {
    const rows = await sql<{ id: number; run_at: Date }>`
      select id, run_at from platform.jobs where name = ${REMINDER_JOB} and dedupe_key = ${`rental:${rentalId}`}`.execute(db());
    return rows.rows[0];
  }

  /** Moves the job's time to now, as if the database clock had reached it. */
  async function makeDue(jobId: number) {
    await sql`update platform.jobs set run_at = now() where id = ${jobId}`.execute(db());
  }

  it('is scheduled a day before the start when confirmed, and sent once though two more workers race for it', async () => {
    const renter = await signUp(service.app);
    const rental = await hold(renter, 24 * 3);
    await confirmOffline(rental.id);
    const job = await reminderJob(rental.id);
    expect(job!.run_at.getTime()).toBe(rental.startsAt - DAY);

    const workers = [1, 2].map(() => {
      const runner = new JobRunner(db(), pino({ level: 'silent' }), { intervalMs: 50 });
      runner.defineJob(REMINDER_JOB, remindRenter);
      return runner;
    });
    await makeDue(job!.id);
    await Promise.all(workers.map((worker) => worker.runDue()));
    await expect.poll(() => reminderJob(rental.id)).toBeUndefined();
    await settled();
    expect(await outboxCount('rental.reminder', rental.id)).toBe(1);
    const reminders = smtp.to(renter.email).filter((mail) => mail.subject === 'Скоро: аренда зала «Большой»');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.text).toContain('(Asia/Almaty)');
  });

  it('is not sent for a rental cancelled meanwhile', async () => {
    const renter = await signUp(service.app);
    const rental = await hold(renter, 24 * 4);
    await confirmOffline(rental.id);
    const job = await reminderJob(rental.id);
    await cancel(rental.id, owner);
    await makeDue(job!.id);
    await expect.poll(() => reminderJob(rental.id)).toBeUndefined();
    await settled();
    expect(await outboxCount('rental.reminder', rental.id)).toBe(0);
  });

  it('is not scheduled for a rental starting within the day: the confirmation is the reminder', async () => {
    const renter = await signUp(service.app);
    const rental = await hold(renter, 5);
    await confirmOffline(rental.id);
    expect(await reminderJob(rental.id)).toBeUndefined();
  });
});

describe('the studio’s webhooks', () => {
  it('receive rental.confirmed, rental.cancelled and the rental’s payment events, signed', async () => {
    const registered = await inject({
      method: 'POST',
      url: `/api/organizers/${studio}/webhooks`,
      headers: owner.bearer,
      payload: {
        url: receiver.url,
        event_types: ['rental.confirmed', 'rental.cancelled', 'payment.succeeded', 'payment.refunded'],
      },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    const { secret } = registered.json<{ secret: string }>();
    const renter = await signUp(service.app);
    const rental = await hold(renter, 24 * 20);
    const started = await inject({ method: 'POST', url: `/api/rentals/${rental.id}/payments`, headers: renter.bearer });
    await payWithCard(http, started.json<{ payment_url: string }>().payment_url, TEST_CARDS.success);
    await expect.poll(() => outboxCount('rental.confirmed', rental.id)).toBe(1);
    await cancel(rental.id, renter);
    // Refunds go out on the reconciliation's schedule (an hour here): now.
    await expect
      .poll(async () => {
        const rows = await sql<{ n: number }>`
          select count(*)::int as n from payments.refunds where order_kind = 'rental' and booking_id = ${rental.id}`.execute(
          db(),
        );
        return rows.rows[0]?.n;
      })
      .toBe(1);
    await service.payments.service.processRefunds();

    const ofThisRental = () =>
      receiver.requests
        .map((request) => ({ request, body: JSON.parse(request.body) as { type: string; data: Record<string, unknown> } }))
        .filter(({ body }) => body.data.rentalId === rental.id || body.data.bookingId === rental.id);
    await expect
      .poll(
        () =>
          ofThisRental()
            .map(({ body }) => body.type)
            .sort(),
        { timeout: 20_000 },
      )
      .toEqual(['payment.refunded', 'payment.succeeded', 'rental.cancelled', 'rental.confirmed']);
    for (const { request, body } of ofThisRental()) {
      expect(verifySignature(secret, request.body, String(request.headers['sbor-signature']))).toBe(true);
      expect(request.headers['sbor-event-type']).toBe(body.type);
    }
    const refunded = ofThisRental().find(({ body }) => body.type === 'payment.refunded')!.body.data;
    expect(refunded).toMatchObject({ orderKind: 'rental', refundAmount: rental.total });
  });
});
