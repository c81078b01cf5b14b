import { createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../src/platform/bus/index.ts';
import { decodeCode } from '../src/modules/tickets/index.ts';
import { addToTeam, createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

let service: TestService;
let owner: TestUser;
let buyer: TestUser;
let scanner: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  // Listening too: the body-less check-in is tested over a real socket, as a scanner sends it.
  service = await startTestService({ listen: true });
  [owner, buyer, scanner, stranger] = await Promise.all([
    signUp(service.app),
    signUp(service.app),
    signUp(service.app),
    signUp(service.app),
  ]);
});
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;
const HALL = [{ name: 'Партер', price: 500_000, rows: 2, seats_per_row: 10 }];
const FREE_ENTRY = [{ type: 'standard', name: 'Вход свободный', price: 0, quantity: 100, max_per_order: 10 }];
const MANY = { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false };

interface Ticket {
  id: number;
  status: string;
  event_id: number;
  booking_id: number;
  code: string;
  seat: { id: number; row: number; number: number; zone: string } | null;
  ticket_type: { id: number; name: string } | null;
  used_at: string | null;
  used_gate: string | null;
  event?: { title: string; timezone: string } | null;
}

/** A published event whose team has `scanner` as a scanner; seats and a free GA ticket type. */
async function scannedEvent() {
  const event = await createPublishedEvent(service.app, service.database, owner, {
    zones: HALL,
    ticketTypes: FREE_ENTRY,
    policy: MANY,
  });
  await addToTeam(service.app, owner, event.slug, scanner.email, 'scanner');
  return event;
}

/** Free GA tickets: CONFIRMED at once, so booking.confirmed is on the bus. */
async function buyFree(user: TestUser, eventId: number, ticketTypeId: number, quantity: number) {
  const response = await inject({
    method: 'POST',
    url: `/api/events/${eventId}/tickets`,
    headers: user.bearer,
    payload: { ticket_type_id: ticketTypeId, quantity },
  });
  expect(response.statusCode, response.body).toBe(201);
  const booking = response.json<{ id: number; status: string }>();
  expect(booking.status).toBe('CONFIRMED');
  return booking;
}

/** Seats confirmed at the box office by the organizer. */
async function buySeats(user: TestUser, eventId: number, count: number) {
  const seats = await sql<{ id: number }>`
    select id from sales.seats where event_id = ${eventId} and status = 'FREE' order by row, number limit ${count}`.execute(db());
  const opened = await inject({
    method: 'POST',
    url: '/api/bookings',
    headers: user.bearer,
    payload: { event_id: eventId, seat_ids: seats.rows.map((seat) => seat.id) },
  });
  expect(opened.statusCode, opened.body).toBe(201);
  const booking = opened.json<{ id: number }>();
  const confirmed = await inject({ method: 'POST', url: `/api/bookings/${booking.id}/confirm`, headers: owner.bearer });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  return { ...booking, seatIds: seats.rows.map((seat) => seat.id) };
}

/** Waits until the bus has issued `count` tickets for the booking, and returns them. */
async function ticketsOf(user: TestUser, bookingId: number, count: number): Promise<Ticket[]> {
  let tickets: Ticket[] = [];
  await expect
    .poll(
      async () => {
        const response = await inject({ method: 'GET', url: '/api/tickets?pageSize=100', headers: user.bearer });
        tickets = response.json<Ticket[]>().filter((ticket) => ticket.booking_id === bookingId);
        return tickets.length;
      },
      { timeout: 10_000 },
    )
    .toBe(count);
  return tickets.sort((a, b) => a.id - b.id);
}

const validate = (who: TestUser, code: string, payload: Record<string, unknown> = {}) =>
  inject({ method: 'POST', url: `/api/tickets/${code}/validate`, headers: who.bearer, payload });

const checkin = (who: TestUser, code: string, gate: string, scanId: string = randomUUID(), extra: Record<string, unknown> = {}) =>
  inject({
    method: 'POST',
    url: `/api/tickets/${code}/checkin`,
    headers: who.bearer,
    payload: { gate, scan_id: scanId, ...extra },
  });

async function outboxCount(type: string, aggregateId: string): Promise<number> {
  const result = await sql<{ count: number }>`
    select count(*)::int as count from platform.outbox where type = ${type} and aggregate_id = ${aggregateId}`.execute(db());
  return result.rows[0]?.count ?? 0;
}

describe('issuance', () => {
  it('issues one ticket per seat and per general-admission unit, with event and seat details', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const seated = await buySeats(buyer, eventId, 2);
    const ga = await buyFree(buyer, eventId, ticketTypeIds[0]!, 3);
    const seats = await ticketsOf(buyer, seated.id, 2);
    expect(seats.map((ticket) => ticket.seat)).toEqual([
      { id: seated.seatIds[0], row: 1, number: 1, zone: 'Партер' },
      { id: seated.seatIds[1], row: 1, number: 2, zone: 'Партер' },
    ]);
    expect(seats[0]).toMatchObject({ status: 'active', event_id: eventId, ticket_type: null });
    expect(seats[0]!.event).toMatchObject({ title: expect.stringMatching(/^Событие/) as unknown, timezone: 'Asia/Almaty' });
    const units = await ticketsOf(buyer, ga.id, 3);
    expect(units.every((ticket) => ticket.seat === null && ticket.ticket_type?.name === 'Вход свободный')).toBe(true);
    expect(new Set(units.map((ticket) => ticket.code)).size).toBe(3);
    expect(await outboxCount('ticket.purchased', `booking:${String(ga.id)}`)).toBe(1);
    const purchased = await sql<{ payload: { tickets: { id: number; code: string }[] } }>`
      select payload from platform.outbox where type = 'ticket.purchased' and aggregate_id = ${`booking:${String(ga.id)}`}`.execute(
      db(),
    );
    expect(purchased.rows[0]?.payload.tickets.map((ticket) => ticket.code).sort()).toEqual(
      units.map((ticket) => ticket.code).sort(),
    );
  });

  it('issues exactly once when booking.confirmed is delivered twice, or published again under a new id', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const booking = await buyFree(buyer, eventId, ticketTypeIds[0]!, 2);
    await ticketsOf(buyer, booking.id, 2);
    const row = await sql<{ id: number; payload: BusEvent<'booking.confirmed'>['payload']; created_at: Date }>`
      select id, payload, created_at from platform.outbox where type = 'booking.confirmed' and aggregate_id = ${String(booking.id)}`.execute(
      db(),
    );
    const original = row.rows[0]!;
    const event: BusEvent<'booking.confirmed'> = {
      id: original.id,
      type: 'booking.confirmed',
      aggregateId: String(booking.id),
      payload: original.payload,
      occurredAt: original.created_at.toISOString(),
    };
    // The same event again (a redelivery: the inbox drops it) …
    await service.bus.transport.publish(event);
    // … and the same confirmation as a new event (a re-sent message: the unique seat/unit key drops it).
    await sql`insert into platform.outbox (type, aggregate_id, payload) values ('booking.confirmed', ${String(booking.id)}, ${JSON.stringify(original.payload)})`.execute(
      db(),
    );
    await expect
      .poll(
        async () =>
          (await sql<{ n: number }>`select count(*)::int as n from platform.outbox where published_at is null`.execute(db()))
            .rows[0]?.n,
        {
          timeout: 10_000,
        },
      )
      .toBe(0);
    const stored = await sql<{
      n: number;
    }>`select count(*)::int as n from tickets.tickets where booking_id = ${booking.id}`.execute(db());
    expect(stored.rows[0]?.n).toBe(2);
    expect(await outboxCount('ticket.purchased', `booking:${String(booking.id)}`)).toBe(1);
  });

  it('refuses to issue a ticket for a seat that still has a live ticket of another booking', async () => {
    const { eventId } = await scannedEvent();
    const booking = await buySeats(buyer, eventId, 1);
    await ticketsOf(buyer, booking.id, 1);
    const issueAgain = service.database.db.transaction().execute((trx) =>
      service.tickets.service.issueForBooking(trx, {
        bookingId: booking.id + 1_000_000,
        eventId,
        userId: stranger.id,
        seatIds: booking.seatIds,
        ticketTypeId: null,
        quantity: 0,
      }),
    );
    await expect(issueAgain).rejects.toThrow(/tickets_live_seat_idx/);
  });
});

describe('codes', () => {
  it('fails a code with one character changed, and one signed by another key', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const booking = await buyFree(buyer, eventId, ticketTypeIds[0]!, 1);
    const [ticket] = await ticketsOf(buyer, booking.id, 1);
    const code = ticket!.code;
    expect(code.length).toBeLessThan(120);
    const last = code.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${code.slice(0, -2)}${last}${code.slice(-1)}`;
    expect((await validate(scanner, tampered)).json()).toMatchObject({ valid: false, reason: 'forged', ticket: null });
    // Same payload, another ticket id, re-signed with a key that is not ours.
    const decoded = decodeCode(code)!;
    const payload = Buffer.from(decoded.signed);
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = Buffer.concat([payload, sign(null, payload, privateKey)]).toString('base64url');
    expect((await validate(scanner, forged)).json()).toMatchObject({ valid: false, reason: 'forged' });
    const refused = await checkin(scanner, forged, 'A');
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ type: 'https://sbor.dev/problems/ticket-code-forged', reason: 'forged' });
    expect((await validate(scanner, code)).json()).toMatchObject({ valid: true, reason: null, ticket: { id: ticket!.id } });
  });

  it('can be verified offline with the public key from the check-in bundle', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const booking = await buyFree(buyer, eventId, ticketTypeIds[0]!, 1);
    const [ticket] = await ticketsOf(buyer, booking.id, 1);
    const bundle = await inject({ method: 'GET', url: `/api/events/${eventId}/checkin-bundle`, headers: scanner.bearer });
    expect(bundle.statusCode, bundle.body).toBe(200);
    const { public_keys } = bundle.json<{ public_keys: { kid: string; x: string; crv: string }[] }>();
    // The recipe in docs/tickets.md, step by step.
    const bytes = Buffer.from(ticket!.code, 'base64url');
    const signed = bytes.subarray(0, bytes.length - 64);
    const signature = bytes.subarray(bytes.length - 64);
    const varints: number[] = [];
    let offset = 1;
    for (let field = 0; field < 4; field += 1) {
      let value = 0;
      let scale = 1;
      let byte: number;
      do {
        byte = bytes.readUInt8(offset);
        offset += 1;
        value += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte >= 0x80);
      varints.push(value);
    }
    const [kid, ticketId, ticketEventId, version] = varints;
    expect(bytes[0]).toBe(1);
    expect([ticketId, ticketEventId, version]).toEqual([ticket!.id, eventId, 1]);
    const jwk = public_keys.find((key) => key.kid === String(kid))!;
    const key = createPublicKey({ key: { kty: 'OKP', crv: jwk.crv, x: jwk.x }, format: 'jwk' });
    expect(verify(null, signed, key, signature)).toBe(true);
    expect(verify(null, Buffer.concat([signed.subarray(0, -1), Buffer.from([2])]), key, signature)).toBe(false);
  });

  it('renders the code as a QR image in SVG and PNG for its holder only', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const booking = await buyFree(buyer, eventId, ticketTypeIds[0]!, 1);
    const [ticket] = await ticketsOf(buyer, booking.id, 1);
    const svg = await inject({ method: 'GET', url: `/api/tickets/${ticket!.id}/qr`, headers: buyer.bearer });
    expect(svg.statusCode, svg.body).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toMatch(/^<svg/);
    const png = await inject({ method: 'GET', url: `/api/tickets/${ticket!.id}/qr?format=png`, headers: buyer.bearer });
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    expect((await inject({ method: 'GET', url: `/api/tickets/${ticket!.id}/qr`, headers: stranger.bearer })).statusCode).toBe(
      404,
    );
    expect((await inject({ method: 'GET', url: `/api/tickets/${ticket!.id}`, headers: stranger.bearer })).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: `/api/tickets/${ticket!.id}`, headers: scanner.bearer })).statusCode).toBe(200);
  });
});

describe('check-in', () => {
  it('lets a ticket in once; a second scan hears when and where; the same scan retried succeeds again', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const booking = await buyFree(buyer, eventId, ticketTypeIds[0]!, 1);
    const [ticket] = await ticketsOf(buyer, booking.id, 1);
    const scanId = randomUUID();
    const first = await checkin(scanner, ticket!.code, 'A', scanId, { event_id: eventId });
    expect(first.statusCode, first.body).toBe(200);
    const admitted = first.json<{ used_at: string; replayed: boolean }>();
    expect(admitted).toMatchObject({ checked_in: true, replayed: false, gate: 'A', ticket: { status: 'used' } });
    const retried = await checkin(scanner, ticket!.code, 'A', scanId);
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ replayed: true, used_at: admitted.used_at, gate: 'A' });
    const second = await checkin(scanner, ticket!.code, 'B');
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({
      type: 'https://sbor.dev/problems/ticket-already-used',
      reason: 'already-used',
      used_at: admitted.used_at,
      gate: 'A',
    });
    expect((await validate(scanner, ticket!.code)).json()).toMatchObject({
      valid: false,
      reason: 'already-used',
      used_at: admitted.used_at,
      gate: 'A',
    });
    expect(await outboxCount('ticket.checkin', `ticket:${String(ticket!.id)}`)).toBe(1);
    // The event, written by the check-in's one statement, says what the scanner was told.
    const event = await sql<{ payload: unknown }>`
      select payload from platform.outbox where type = 'ticket.checkin' and aggregate_id = ${`ticket:${String(ticket!.id)}`}`.execute(
      db(),
    );
    expect(event.rows[0]?.payload).toEqual({
      ticketId: ticket!.id,
      eventId,
      bookingId: booking.id,
      holderUserId: buyer.id,
      gate: 'A',
      scanId,
      usedAt: admitted.used_at,
      source: 'online',
    });
  });

  it('refuses a scan id already recorded for another ticket, and leaves that ticket unused', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const booking = await buyFree(buyer, eventId, ticketTypeIds[0]!, 2);
    const [first, other] = await ticketsOf(buyer, booking.id, 2);
    const scanId = randomUUID();
    expect((await checkin(scanner, first!.code, 'A', scanId)).statusCode).toBe(200);
    const reused = await checkin(scanner, other!.code, 'A', scanId);
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ type: 'https://sbor.dev/problems/scan-id-reused' });
    expect((await validate(scanner, other!.code)).json()).toMatchObject({ valid: true });
    expect(await outboxCount('ticket.checkin', `ticket:${String(other!.id)}`)).toBe(0);
    expect((await checkin(scanner, other!.code, 'A')).statusCode).toBe(200);
  });

  it('lets a scanner send the code alone over HTTP: gate "main", a scan id of its own, a retry is a second scan', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const booking = await buyFree(buyer, eventId, ticketTypeIds[0]!, 4);
    const [bare, emptyJson, emptyObject, full] = await ticketsOf(buyer, booking.id, 4);
    const post = (code: string, init: { body?: string; headers?: Record<string, string> } = {}) =>
      fetch(`${service.baseUrl}/api/tickets/${code}/checkin`, {
        method: 'POST',
        headers: { ...scanner.bearer, ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
    const json = { 'content-type': 'application/json' };
    // No body and no content type at all (seed 001's scanner), an empty JSON body, and `{}`.
    const answers = [
      await post(bare!.code),
      await post(emptyJson!.code, { body: '', headers: json }),
      await post(emptyObject!.code, { body: '{}', headers: json }),
    ];
    const scanIds: string[] = [];
    for (const [index, ticket] of [bare, emptyJson, emptyObject].entries()) {
      const answer = answers[index]!;
      const text = await answer.text();
      expect(answer.status, text).toBe(200);
      expect(JSON.parse(text)).toMatchObject({ checked_in: true, replayed: false, gate: 'main', ticket: { status: 'used' } });
      const logged = await sql<{ gate: string; scan_id: string }>`
        select gate, scan_id from tickets.checkins where ticket_id = ${ticket!.id}`.execute(db());
      expect(logged.rows).toHaveLength(1);
      expect(logged.rows[0]!.gate).toBe('main');
      expect(logged.rows[0]!.scan_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      scanIds.push(logged.rows[0]!.scan_id);
    }
    expect(new Set(scanIds).size).toBe(3);
    // Without a scan id a retry cannot be told from a second scan: it is refused and changes nothing.
    const again = await post(bare!.code);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ type: 'https://sbor.dev/problems/ticket-already-used', gate: 'main' });
    expect(await outboxCount('ticket.checkin', `ticket:${String(bare!.id)}`)).toBe(1);
    // A scanner that sends its fields keeps them, and its retry is still idempotent.
    const scanId = randomUUID();
    const body = JSON.stringify({ gate: 'B', scan_id: scanId, event_id: eventId });
    const first = await post(full!.code, { body, headers: json });
    expect(first.status).toBe(200);
    const admitted = (await first.json()) as { used_at: string };
    expect(admitted).toMatchObject({ replayed: false, gate: 'B' });
    const retried = await post(full!.code, { body, headers: json });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ replayed: true, gate: 'B', used_at: admitted.used_at });
    const logged = await sql<{ gate: string; scan_id: string }>`
      select gate, scan_id from tickets.checkins where ticket_id = ${full!.id}`.execute(db());
    expect(logged.rows).toEqual([{ gate: 'B', scan_id: scanId }]);
  });

  it('admits exactly one of 20 scanners checking in the same ticket at once', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const booking = await buyFree(buyer, eventId, ticketTypeIds[0]!, 1);
    const [ticket] = await ticketsOf(buyer, booking.id, 1);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, gate) => checkin(scanner, ticket!.code, `G${String(gate)}`)),
    );
    const statuses = results.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    const winner = results[statuses.indexOf(200)]!.json<{ gate: string }>();
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json<{ gate: string }>().gate === winner.gate)).toBe(true);
    const log = await sql<{ n: number }>`select count(*)::int as n from tickets.checkins where ticket_id = ${ticket!.id}`.execute(
      db(),
    );
    expect(log.rows[0]?.n).toBe(1);
    expect(await outboxCount('ticket.checkin', `ticket:${String(ticket!.id)}`)).toBe(1);
  });

  it('refuses validation and check-in to a user outside the organizer team with 403', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const booking = await buyFree(buyer, eventId, ticketTypeIds[0]!, 1);
    const [ticket] = await ticketsOf(buyer, booking.id, 1);
    for (const who of [stranger, buyer]) {
      expect((await validate(who, ticket!.code)).statusCode).toBe(403);
      expect((await validate(who, ticket!.code, { event_id: eventId })).statusCode).toBe(403);
      const refused = await checkin(who, ticket!.code, 'A');
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ type: 'https://sbor.dev/problems/not-on-team' });
      for (const url of [`/api/events/${eventId}/checkin-bundle`, `/api/events/${eventId}/checkin-stats`]) {
        expect((await inject({ method: 'GET', url, headers: who.bearer })).statusCode).toBe(403);
      }
      const sync = await inject({
        method: 'POST',
        url: `/api/events/${eventId}/checkins/sync`,
        headers: who.bearer,
        payload: { checkins: [{ code: ticket!.code, gate: 'A', scan_id: randomUUID(), scanned_at: new Date().toISOString() }] },
      });
      expect(sync.statusCode).toBe(403);
    }
    const stored = await sql<{ status: string }>`select status from tickets.tickets where id = ${ticket!.id}`.execute(db());
    expect(stored.rows).toEqual([{ status: 'active' }]);
    // The owner and managers of the team may scan too.
    expect((await checkin(owner, ticket!.code, 'A')).statusCode).toBe(200);
  });

  it('refuses a ticket of another event at a scanner for this one', async () => {
    const first = await scannedEvent();
    const second = await scannedEvent();
    const booking = await buyFree(buyer, first.eventId, first.ticketTypeIds[0]!, 1);
    const [ticket] = await ticketsOf(buyer, booking.id, 1);
    expect((await validate(scanner, ticket!.code, { event_id: second.eventId })).json()).toMatchObject({
      valid: false,
      reason: 'other-event',
      ticket: null,
    });
    const refused = await checkin(scanner, ticket!.code, 'A', randomUUID(), { event_id: second.eventId });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ reason: 'other-event' });
  });
});

describe('cancellation', () => {
  it('cancels the tickets of a cancelled booking: they fail validation and are revoked in the bundle', async () => {
    const { eventId } = await scannedEvent();
    const booking = await buySeats(buyer, eventId, 2);
    const tickets = await ticketsOf(buyer, booking.id, 2);
    const cancelled = await inject({ method: 'POST', url: `/api/bookings/${booking.id}/cancel`, headers: buyer.bearer });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await expect
      .poll(async () => (await validate(scanner, tickets[0]!.code)).json<{ reason: string }>().reason, { timeout: 10_000 })
      .toBe('cancelled');
    const refused = await checkin(scanner, tickets[1]!.code, 'A');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ type: 'https://sbor.dev/problems/ticket-cancelled', reason: 'cancelled' });
    const bundle = await inject({ method: 'GET', url: `/api/events/${eventId}/checkin-bundle`, headers: scanner.bearer });
    expect(bundle.json()).toMatchObject({
      counts: { issued: 2, active: 0, used: 0, cancelled: 2 },
      revoked: tickets.map((ticket) => ({ ticket_id: ticket.id, code: ticket.code })),
    });
    expect(await outboxCount('ticket.cancelled', `booking:${String(booking.id)}`)).toBe(1);
  });

  it('voids the ticket of a returned seat: refused online and revoked in the bundle, the other seat still admits', async () => {
    const { eventId } = await scannedEvent();
    const booking = await buySeats(buyer, eventId, 2);
    const [returned, kept] = await ticketsOf(buyer, booking.id, 2);
    const refund = await inject({
      method: 'POST',
      url: `/api/bookings/${booking.id}/refunds`,
      headers: buyer.bearer,
      payload: { seat_ids: [returned!.seat!.id] },
    });
    expect(refund.statusCode, refund.body).toBe(200);
    await expect
      .poll(async () => (await validate(scanner, returned!.code)).json<{ reason: string | null }>().reason, { timeout: 10_000 })
      .toBe('cancelled');
    const refused = await checkin(scanner, returned!.code, 'A');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ type: 'https://sbor.dev/problems/ticket-cancelled' });
    const bundle = await inject({ method: 'GET', url: `/api/events/${eventId}/checkin-bundle`, headers: scanner.bearer });
    expect(bundle.json()).toMatchObject({
      counts: { issued: 2, active: 1, cancelled: 1 },
      revoked: [{ ticket_id: returned!.id, code: returned!.code }],
    });
    expect((await checkin(scanner, kept!.code, 'A')).statusCode).toBe(200);
  });

  it('never lets two tickets of one seat be valid: a returned seat sold again admits only its new holder', async () => {
    const { eventId } = await scannedEvent();
    const first = await buySeats(buyer, eventId, 2);
    const [old] = await ticketsOf(buyer, first.id, 2);
    const seatId = old!.seat!.id;
    const refund = await inject({
      method: 'POST',
      url: `/api/bookings/${first.id}/refunds`,
      headers: buyer.bearer,
      payload: { seat_ids: [seatId] },
    });
    expect(refund.statusCode, refund.body).toBe(200);
    const second = await buySeats(stranger, eventId, 1);
    expect(second.seatIds).toEqual([seatId]);
    const [fresh] = await ticketsOf(stranger, second.id, 1);
    expect((await validate(scanner, old!.code)).json()).toMatchObject({ valid: false, reason: 'cancelled' });
    expect((await validate(scanner, fresh!.code)).json()).toMatchObject({ valid: true });
    const live = await sql<{ count: number }>`
      select count(*)::int as count from tickets.tickets where seat_id = ${seatId} and status <> 'cancelled'`.execute(db());
    expect(live.rows[0]!.count).toBe(1);
  });

  it('cancels every ticket of a cancelled event', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const first = await buyFree(buyer, eventId, ticketTypeIds[0]!, 2);
    const second = await buySeats(stranger, eventId, 1);
    const tickets = [...(await ticketsOf(buyer, first.id, 2)), ...(await ticketsOf(stranger, second.id, 1))];
    await inject({ method: 'POST', url: `/api/events/${eventId}/cancel`, headers: owner.bearer, payload: { reason: 'Гроза' } });
    await expect
      .poll(
        async () =>
          (await sql<{ status: string }>`select distinct status from tickets.tickets where event_id = ${eventId}`.execute(db()))
            .rows,
        { timeout: 10_000 },
      )
      .toEqual([{ status: 'cancelled' }]);
    for (const ticket of tickets) {
      expect((await validate(scanner, ticket.code)).json()).toMatchObject({ valid: false, reason: 'cancelled' });
    }
  });
});

describe('offline scanning', () => {
  it('syncs offline check-ins: accepts, drops a retried sync as duplicates, and reports a ticket scanned at two gates', async () => {
    const { eventId, ticketTypeIds } = await scannedEvent();
    const booking = await buyFree(buyer, eventId, ticketTypeIds[0]!, 3);
    const [one, two, three] = await ticketsOf(buyer, booking.id, 3);
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const scans = [
      { code: one!.code, gate: 'A', scan_id: randomUUID(), scanned_at: at(30) },
      { code: two!.code, gate: 'A', scan_id: randomUUID(), scanned_at: at(29) },
      // The same ticket at gate B, two minutes later: a copied ticket, or a second device offline.
      { code: one!.code, gate: 'B', scan_id: randomUUID(), scanned_at: at(28) },
    ];
    const sync = (checkins: unknown[]) =>
      inject({ method: 'POST', url: `/api/events/${eventId}/checkins/sync`, headers: scanner.bearer, payload: { checkins } });
    const report = await sync(scans);
    expect(report.statusCode, report.body).toBe(200);
    expect(report.json()).toEqual({
      accepted: [
        { scan_id: scans[0]!.scan_id, ticket_id: one!.id },
        { scan_id: scans[1]!.scan_id, ticket_id: two!.id },
      ],
      duplicates: [],
      conflicts: [
        {
          scan_id: scans[2]!.scan_id,
          ticket_id: one!.id,
          gate: 'B',
          scanned_at: scans[2]!.scanned_at,
          first: { gate: 'A', used_at: scans[0]!.scanned_at, scan_id: scans[0]!.scan_id },
        },
      ],
      rejected: [],
    });
    // The scanner did not hear back and sends it all again, plus a tampered code.
    const tampered = `${three!.code.slice(0, 10)}${three!.code[10] === 'x' ? 'y' : 'x'}${three!.code.slice(11)}`;
    const again = await sync([...scans, { code: tampered, gate: 'C', scan_id: randomUUID(), scanned_at: at(1) }]);
    expect(again.json()).toMatchObject({
      accepted: [],
      conflicts: [],
      duplicates: scans.map((scan) => ({ scan_id: scan.scan_id })),
      rejected: [{ reason: 'forged', ticket_id: null }],
    });
    const log = await sql<{ gate: string; outcome: string }>`
      select gate, outcome from tickets.checkins where ticket_id = ${one!.id} order by scanned_at`.execute(db());
    expect(log.rows).toEqual([
      { gate: 'A', outcome: 'accepted' },
      { gate: 'B', outcome: 'conflict' },
    ]);
    // Online, the ticket reads as used at A when it was scanned there.
    const online = await checkin(scanner, one!.code, 'C');
    expect(online.json()).toMatchObject({ reason: 'already-used', gate: 'A', used_at: scans[0]!.scanned_at });

    const stats = await inject({
      method: 'GET',
      url: `/api/events/${eventId}/checkin-stats?bucket_minutes=60`,
      headers: owner.bearer,
    });
    expect(stats.statusCode, stats.body).toBe(200);
    const body = stats.json<{ over_time: { checked_in: number }[] }>();
    expect(body).toMatchObject({
      issued: 3,
      checked_in: 2,
      cancelled: 0,
      conflicts: 1,
      per_gate: [
        { gate: 'A', checked_in: 2, conflicts: 0 },
        { gate: 'B', checked_in: 0, conflicts: 1 },
      ],
    });
    expect(body.over_time.reduce((sum, bucket) => sum + bucket.checked_in, 0)).toBe(2);
    const bundle = await inject({ method: 'GET', url: `/api/events/${eventId}/checkin-bundle`, headers: scanner.bearer });
    expect(bundle.json()).toMatchObject({ counts: { issued: 3, active: 1, used: 2 }, revoked: [] });
  });
});
