import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseBuilder, operationsOf, type FuzzCase, type Operation } from './support/openapi-fuzz.ts';
import { addToTeam, createDraftEvent, createPublishedEvent } from './support/events.ts';
import { ceilQuarter, createHall, iso } from './support/rentals.ts';
import { startTestService, type TestService } from './support/service.ts';
import { grantRole, signUp, type TestUser } from './support/users.ts';

/**
 * Every operation in /openapi.json gets a fixed, seeded set of malformed inputs (see
 * test/support/openapi-fuzz.ts) as an admin and as an anonymous caller, against the real service
 * with real data in it. No answer may be a 5xx, and every 4xx is problem+json — except a status the
 * operation documents with a body of its own (the sandbox gateway speaks the acquiring protocol's
 * errors). FUZZ_SEED picks another run; a failure names its seed.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 17);

let service: TestService;
let admin: TestUser;
let owner: TestUser;
let buyer: TestUser;
let member: TestUser;
let operations: Operation[];
let builder: CaseBuilder;
let defaultFaults: unknown;

beforeAll(async () => {
  service = await startTestService();
  const { app } = service;
  [admin, owner, buyer, member] = await Promise.all([signUp(app), signUp(app), signUp(app), signUp(app)]);
  await grantRole(service.database, admin.id, 'admin');
  const policy = { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false };
  const event = await createPublishedEvent(app, service.database, owner, {
    zones: [{ name: 'Партер', price: 500_000, rows: 3, seats_per_row: 10 }],
    ticketTypes: [
      { type: 'standard', name: 'Вход', price: 0, quantity: 50, max_per_order: 10 },
      { type: 'vip', name: 'VIP', price: 1_000_000, quantity: 10, max_per_order: 5 },
    ],
    policy,
  });
  await addToTeam(app, owner, event.slug, member.email, 'scanner');
  // A draft with nothing in it, so layouts and ticket types can be created by the fuzz.
  const { eventId: draftId } = await createDraftEvent(app, service.database, owner, { organizer: event.slug });

  const seats = await sql<{ id: number }>`select id from sales.seats where event_id = ${event.eventId} order by id`.execute(
    service.database.db,
  );
  const seatIds = seats.rows.map((seat) => seat.id);
  const seated = await app.inject({
    method: 'POST',
    url: '/api/bookings',
    headers: buyer.bearer,
    payload: { event_id: event.eventId, seat_ids: seatIds.slice(0, 2) },
  });
  expect(seated.statusCode, seated.body).toBe(201);
  const seatedId = seated.json<{ id: number }>().id;
  const payment = await app.inject({ method: 'POST', url: `/api/bookings/${seatedId}/payments`, headers: buyer.bearer });
  expect(payment.statusCode, payment.body).toBe(201);
  const { order_id: orderId, payment_url: paymentUrl } = payment.json<{ order_id: string; payment_url: string }>();
  const gatewayPaymentId = paymentUrl.split('/').at(-1) ?? 'x';
  const free = await app.inject({
    method: 'POST',
    url: `/api/events/${event.eventId}/tickets`,
    headers: buyer.bearer,
    payload: { ticket_type_id: event.ticketTypeIds[0], quantity: 2 },
  });
  expect(free.statusCode, free.body).toBe(201);
  const freeId = free.json<{ id: number }>().id;
  const ticketsOfFree = () =>
    sql<{ id: number; code: string }>`select id, code from tickets.tickets where booking_id = ${freeId} order by id`.execute(
      service.database.db,
    );
  // Tickets are issued by a bus consumer, shortly after the booking is confirmed.
  let tickets = (await ticketsOfFree()).rows;
  for (let waited = 0; tickets.length < 2 && waited < 10_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    tickets = (await ticketsOfFree()).rows;
  }
  expect(tickets).toHaveLength(2);
  const waitlist = await app.inject({
    method: 'POST',
    url: `/api/events/${event.eventId}/waitlist`,
    headers: buyer.bearer,
    payload: { quantity: 1 },
  });
  const waitlistId = waitlist.statusCode === 201 ? waitlist.json<{ id: number }>().id : 1;
  const webhook = await app.inject({
    method: 'POST',
    url: `/api/organizers/${event.slug}/webhooks`,
    headers: owner.bearer,
    payload: { url: 'https://example.test/hook', event_types: ['booking.created'] },
  });
  const webhookId = webhook.statusCode === 201 ? webhook.json<{ id: number }>().id : 1;
  // A studio's hall with a tariff, a closure, an extra and a held rental.
  const hallId = await createHall(app, owner, event.slug);
  const closure = await app.inject({
    method: 'POST',
    url: `/api/halls/${hallId}/closures`,
    headers: owner.bearer,
    payload: { starts_on: '2031-02-01', ends_on: '2031-02-02' },
  });
  const closureId = closure.statusCode === 201 ? closure.json<{ id: number }>().id : 1;
  const rentalStart = ceilQuarter(Date.now() + 10 * 86_400_000);
  const rental = await app.inject({
    method: 'POST',
    url: '/api/rentals',
    headers: buyer.bearer,
    payload: { hall_id: hallId, starts_at: iso(rentalStart), ends_at: iso(rentalStart + 3_600_000) },
  });
  expect(rental.statusCode, rental.body).toBe(201);
  const rentalId = rental.json<{ id: number }>().id;
  // Someone watching the held slot.
  const watched = await app.inject({
    method: 'POST',
    url: `/api/halls/${hallId}/watches`,
    headers: member.bearer,
    payload: { starts_at: iso(rentalStart), ends_at: iso(rentalStart + 3_600_000) },
  });
  expect(watched.statusCode, watched.body).toBe(201);
  const watchId = watched.json<{ id: number }>().id;
  const notification = await sql<{ id: number }>`select id from notifications.messages order by id limit 1`
    .execute(service.database.db)
    .then((result) => result.rows[0]?.id ?? 1)
    .catch(() => 1);

  builder = new CaseBuilder(
    {
      ids: {
        'events/id': [event.eventId, draftId],
        'bookings/id': [seatedId, freeId],
        'tickets/id': tickets.map((ticket) => ticket.id),
        'waitlist/id': [waitlistId],
        'notifications/id': [notification],
        'users/id': [member.id],
        'webhooks/id': [webhookId],
        'seats/seatId': seatIds.slice(0, 2),
        'team/userId': [member.id],
        'halls/id': [hallId],
        'rentals/id': [rentalId],
        'watches/id': [watchId],
        'closures/closureId': [closureId],
        hall_id: [hallId],
        slug: [event.slug],
        organizer: [event.slug],
        code: tickets.map((ticket) => ticket.code),
        paymentId: [gatewayPaymentId],
        orderId: [orderId],
        event_id: [event.eventId, draftId],
        booking_id: [seatedId],
        seat_id: seatIds.slice(2, 4),
        seat_ids: seatIds.slice(4, 6),
        ticket_type_id: event.ticketTypeIds,
        user_id: [member.id],
        id: [event.eventId],
      },
    },
    SEED,
  );
  const document = await app.inject({ method: 'GET', url: '/openapi.json' });
  operations = operationsOf(document.json());
  defaultFaults = (await app.inject({ method: 'GET', url: '/sandbox/faults', headers: admin.bearer })).json();
}, 120_000);

afterAll(async () => {
  await service.stop();
});

interface Failure {
  operation: string;
  caller: string;
  label: string;
  status: number;
  body: string;
}

/** Why an answer breaks the rules, or undefined when it keeps them. */
function judge(operation: Operation, status: number, contentType: string | undefined, body: string): string | undefined {
  if (status >= 500) return 'a 5xx';
  if (status < 400) return undefined;
  if (operation.ownErrorStatuses.has(String(status)) || operation.ownErrorStatuses.has('default')) return undefined;
  if (!contentType?.startsWith('application/problem+json')) return `a ${status} that is not problem+json (${contentType})`;
  let problem: { type?: unknown; status?: unknown; request_id?: unknown };
  try {
    problem = JSON.parse(body) as typeof problem;
  } catch {
    return 'a problem that is not JSON';
  }
  if (typeof problem.type !== 'string' || problem.status !== status || typeof problem.request_id !== 'string')
    return 'a problem without type, status or request_id';
  return undefined;
}

async function send(fuzzCase: FuzzCase) {
  return service.app.inject({
    method: fuzzCase.method as 'GET',
    url: fuzzCase.url,
    headers: fuzzCase.headers,
    ...(fuzzCase.payload !== undefined ? { payload: fuzzCase.payload } : {}),
  });
}

describe('the API under malformed input', () => {
  it('answers every operation’s malformed requests, as an admin and anonymously, with no 5xx and only problem+json 4xx', async () => {
    expect(operations.length).toBeGreaterThan(90);
    const failures: Failure[] = [];
    let sent = 0;
    for (const operation of operations) {
      for (const [caller, auth] of [
        ['admin', admin.bearer],
        ['anonymous', {}],
      ] as const) {
        for (const fuzzCase of builder.casesFor(operation, auth)) {
          const response = await send(fuzzCase);
          sent += 1;
          const verdict = judge(operation, response.statusCode, response.headers['content-type'], response.body);
          if (verdict) {
            failures.push({
              operation: `${operation.method} ${operation.path}`,
              caller,
              label: `${verdict}: ${fuzzCase.label}`,
              status: response.statusCode,
              body: response.body.slice(0, 200),
            });
          }
          // The fault switches exist to make the gateway fail; put them back after each try.
          if (operation.path === '/sandbox/faults' && operation.method !== 'GET') {
            await service.app.inject({
              method: 'PUT',
              url: '/sandbox/faults',
              headers: admin.bearer,
              payload: defaultFaults as object,
            });
          }
        }
      }
    }
    // Whatever the fuzz managed to store, every read of it still answers.
    for (const operation of operations.filter((candidate) => candidate.method === 'GET')) {
      for (const fuzzCase of builder.casesFor(operation, admin.bearer).slice(0, 1)) {
        const response = await send(fuzzCase);
        const verdict = judge(operation, response.statusCode, response.headers['content-type'], response.body);
        if (verdict)
          failures.push({
            operation: `${operation.method} ${operation.path}`,
            caller: 'admin, after the fuzz',
            label: verdict,
            status: response.statusCode,
            body: response.body.slice(0, 200),
          });
      }
    }
    const report = failures.map(
      (failure) => `${failure.operation} as ${failure.caller}: ${failure.label} → ${failure.status} ${failure.body}`,
    );
    // FUZZ_REPORT=file.json keeps the whole list (the assertion's diff shortens long ones).
    if (process.env.FUZZ_REPORT) writeFileSync(process.env.FUZZ_REPORT, JSON.stringify(failures, null, 1));
    expect(report, `seed ${SEED}, ${sent} requests, ${failures.length} failures`).toEqual([]);
  }, 600_000);
});
