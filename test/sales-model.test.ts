import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

/**
 * Model-based test (fast-check commands): random sequences of what buyers, the box office and
 * the clock do, run against the real service and a plain model of the rules; after every step the
 * database must hold exactly what the model says — every booking's status and every seat's owner.
 */

let service: TestService;
let organizer: TestUser;
let buyers: TestUser[];

beforeAll(async () => {
  service = await startTestService();
  organizer = await signUp(service.app);
  buyers = await Promise.all([signUp(service.app), signUp(service.app)]);
});
afterAll(async () => {
  await service.stop();
});

const SEATS_PER_BOOKING = 2;

type Status = 'CREATED' | 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'EXPIRED';

interface Model {
  bookings: { id: number; buyer: number; status: Status }[];
  /** seat index → index into bookings */
  seatHolder: (number | undefined)[];
}

interface Real {
  eventId: number;
  seatIds: number[];
}

const open = (status: Status) => status === 'CREATED' || status === 'PENDING';
const seatsOf = (model: Model, booking: number) => model.seatHolder.filter((holder) => holder === booking).length;
const freeSeatsOf = (model: Model, booking: number) => {
  model.seatHolder = model.seatHolder.map((holder) => (holder === booking ? undefined : holder));
};

async function request(method: 'POST' | 'PATCH', url: string, user: TestUser, payload: object = {}) {
  const response = await service.app.inject({ method, url, headers: user.basic, payload });
  return { status: response.statusCode, body: response.json<{ id?: number; status?: string; type?: string }>() };
}

/** A step, then the database compared with the model. */
function command(
  name: string,
  check: (model: Readonly<Model>) => boolean,
  step: (model: Model, real: Real) => Promise<void>,
): fc.AsyncCommand<Model, Real> {
  return {
    check,
    run: async (model, real) => {
      await step(model, real);
      await expectDatabaseMatches(model, real);
    },
    toString: () => name,
  };
}

/** Booking choices pick among the bookings opened so far (index modulo their number). */
const anyBooking = (model: Readonly<Model>) => model.bookings.length > 0;
const pick = (model: Readonly<Model>, choice: number) => choice % model.bookings.length;

const openBooking = (buyer: number) =>
  command(
    `open(buyer ${String(buyer)})`,
    () => true,
    async (model, real) => {
      const response = await request('POST', '/api/bookings', buyers[buyer]!, { event_id: real.eventId });
      expect(response.status).toBe(201);
      model.bookings.push({ id: response.body.id!, buyer, status: 'CREATED' });
    },
  );

/** Mostly the booking's own buyer acts; now and then the other buyer tries (an intruder). */
const selectSeat = (choice: number, seat: number, intruder: boolean) =>
  command(
    `select(booking #${String(choice)}, seat ${String(seat)}${intruder ? ', intruder' : ''})`,
    anyBooking,
    async (model, real) => {
      const index = pick(model, choice);
      const booking = model.bookings[index]!;
      const response = await request('PATCH', '/api/seats/select', buyers[intruder ? 1 - booking.buyer : booking.buyer]!, {
        booking_id: booking.id,
        seat_id: real.seatIds[seat],
      });
      if (intruder) expect(response.status).toBe(403);
      // HackLoad's door answers a closed booking like a taken seat.
      else if (booking.status !== 'CREATED') expect(response.status).toBe(419);
      // Selecting a seat the booking already holds changes nothing and says so with 200.
      else if (model.seatHolder[seat] === index) expect(response.status).toBe(200);
      else if (model.seatHolder[seat] !== undefined) expect(response.status).toBe(419);
      else if (seatsOf(model, index) >= SEATS_PER_BOOKING) expect(response.status).toBe(409);
      else {
        expect(response.status).toBe(200);
        model.seatHolder[seat] = index;
      }
    },
  );

const releaseSeat = (seat: number, intruder: boolean) =>
  command(
    `release(seat ${String(seat)}${intruder ? ', intruder' : ''})`,
    () => true,
    async (model, real) => {
      const holder = model.seatHolder[seat];
      const booking = holder === undefined ? undefined : model.bookings[holder];
      const buyer = booking ? (intruder ? 1 - booking.buyer : booking.buyer) : 0;
      const response = await request('PATCH', '/api/seats/release', buyers[buyer]!, { seat_id: real.seatIds[seat] });
      if (booking && !intruder && booking.status === 'CREATED') {
        expect(response.status).toBe(200);
        model.seatHolder[seat] = undefined;
      } else {
        expect(response.status).toBe(booking && intruder ? 403 : 419);
      }
    },
  );

/** checkout and cancel by the buyer, confirm by the box office. */
const transition = (choice: number, action: 'checkout' | 'cancel' | 'confirm') =>
  command(`${action}(booking #${String(choice)})`, anyBooking, async (model) => {
    const index = pick(model, choice);
    const booking = model.bookings[index]!;
    const actor = action === 'confirm' ? organizer : buyers[booking.buyer]!;
    const response = await request('POST', `/api/bookings/${String(booking.id)}/${action}`, actor);
    const seats = seatsOf(model, index);
    const legal =
      action === 'checkout'
        ? booking.status === 'CREATED' && seats > 0
        : action === 'confirm'
          ? open(booking.status) && seats > 0
          : open(booking.status) || booking.status === 'CONFIRMED';
    if (!legal) {
      expect(response.status).toBe(409);
      return;
    }
    expect(response.status).toBe(200);
    booking.status = action === 'checkout' ? 'PENDING' : action === 'confirm' ? 'CONFIRMED' : 'CANCELLED';
    if (booking.status === 'CANCELLED') freeSeatsOf(model, index);
    expect(response.body.status).toBe(booking.status);
  });

/** The booking's hold runs out, and the sweep records it. */
const holdPasses = (choice: number) =>
  command(`holdPasses(booking #${String(choice)})`, anyBooking, async (model) => {
    const index = pick(model, choice);
    const booking = model.bookings[index]!;
    const db = service.database.db;
    await sql`update sales.bookings set expires_at = now() - interval '1 millisecond'
      where id = ${booking.id} and status in ('CREATED', 'PENDING')`.execute(db);
    await sql`update sales.seats set held_until = now() - interval '1 millisecond'
      where booking_id = ${booking.id} and status = 'RESERVED'`.execute(db);
    await service.sales.service.background.expireOverdue();
    if (open(booking.status)) {
      booking.status = 'EXPIRED';
      freeSeatsOf(model, index);
    }
  });

async function expectDatabaseMatches(model: Model, real: Real) {
  const db = service.database.db;
  const seats = await sql<{ id: number; status: string; booking_id: number | null }>`
    select id, status, booking_id from sales.seats where event_id = ${real.eventId} order by number`.execute(db);
  expect(
    seats.rows.map((seat) => ({ status: seat.status, booking: seat.booking_id })),
    'seats',
  ).toEqual(
    model.seatHolder.map((holder) => {
      if (holder === undefined) return { status: 'FREE', booking: null };
      const booking = model.bookings[holder]!;
      return { status: booking.status === 'CONFIRMED' ? 'SOLD' : 'RESERVED', booking: booking.id };
    }),
  );
  const bookings = await sql<{ id: number; status: string }>`
    select id, status from sales.bookings where event_id = ${real.eventId} order by id`.execute(db);
  expect(bookings.rows, 'bookings').toEqual(model.bookings.map((booking) => ({ id: booking.id, status: booking.status })));
}

const booking = fc.nat({ max: 11 });
const seat = fc.nat({ max: 3 });
const buyer = fc.nat({ max: 1 });
const intruder = fc.nat({ max: 4 }).map((n) => n === 0);
const commands = [
  buyer.map(openBooking),
  fc.tuple(booking, seat, intruder).map(([b, s, i]) => selectSeat(b, s, i)),
  fc.tuple(booking, seat, intruder).map(([b, s, i]) => selectSeat(b, s, i)),
  fc.tuple(seat, intruder).map(([s, i]) => releaseSeat(s, i)),
  fc
    .tuple(booking, fc.constantFrom('checkout' as const, 'cancel' as const, 'confirm' as const))
    .map(([b, action]) => transition(b, action)),
  booking.map(holdPasses),
];

describe('bookings against a model', () => {
  it('keep the database equal to the model through any sequence of buyer, box-office and clock steps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'max' }), async (sequence) => {
        const { eventId } = await createPublishedEvent(service.app, service.database, organizer, {
          zones: [{ name: 'Ряд', price: 100_000, rows: 1, seats_per_row: 4 }],
          policy: { one_active_booking_per_user: false, max_tickets_per_order: SEATS_PER_BOOKING },
        });
        const rows = await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by number`.execute(
          service.database.db,
        );
        const real: Real = { eventId, seatIds: rows.rows.map((row) => row.id) };
        const model: Model = { bookings: [], seatHolder: [undefined, undefined, undefined, undefined] };
        await fc.asyncModelRun(() => ({ model, real }), sequence);
      }),
      { numRuns: 60 },
    );
    // About 1,000 steps with a database comparison each: seconds alone, minutes on a loaded machine.
  }, 300_000);
});
