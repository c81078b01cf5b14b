import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from '../../../test/support/events.ts';
import { startTestService, type TestService } from '../../../test/support/service.ts';
import { signUp, type TestUser } from '../../../test/support/users.ts';
import { Batcher } from './batcher.ts';
import { salesDb, takeSeats, type SalesDb, type SeatTake } from './seats.repository.ts';

// The seat-taking statement raced directly, without the service's grouping, whose keys keep
// conflicting selects of one process apart: what must hold when the statements come from several
// processes. On PostgreSQL these run on separate connections; PGlite has one, so there they only
// check the answers.

let service: TestService;
let owner: TestUser;
let buyer: TestUser;
let rival: TestUser;
let db: SalesDb;

beforeAll(async () => {
  service = await startTestService();
  [owner, buyer, rival] = await Promise.all([signUp(service.app), signUp(service.app), signUp(service.app)]);
  db = salesDb(service.database.db);
});
afterAll(async () => {
  await service.stop();
});

const HALL = [{ name: 'Партер', price: 100_000, rows: 5, seats_per_row: 20 }];

async function hall(maxPerOrder = 10) {
  const { eventId } = await createPublishedEvent(service.app, service.database, owner, {
    zones: HALL,
    policy: { max_tickets_per_order: maxPerOrder, contact_required: false, one_active_booking_per_user: false },
  });
  const seats = await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by id`.execute(db);
  return { eventId, seats: seats.rows.map((row) => row.id) };
}

/** Open bookings written straight to the table, as another process would have opened them. */
async function openBookings(eventId: number, user: TestUser, count: number): Promise<number[]> {
  const rows = await sql<{ id: number }>`
    insert into sales.bookings (event_id, user_id, exclusive, expires_at, currency)
    select ${eventId}, ${user.id}, false, now() + interval '30 minutes', 'KZT' from generate_series(1, ${count})
    returning id`.execute(db);
  return rows.rows.map((row) => row.id);
}

const take = (bookingId: number, user: TestUser, seatId: number, maxSeats = 10): SeatTake => ({
  bookingId,
  userId: user.id,
  seatId,
  maxSeats,
  maxPerUser: null,
});

async function holders(eventId: number) {
  const rows = await sql<{ id: number; booking_id: number }>`
    select id, booking_id from sales.seats where event_id = ${eventId} and status <> 'FREE' order by id`.execute(db);
  return rows.rows;
}

describe('the seat-taking statement', () => {
  it('gives a seat raced by 50 statements at once to exactly one booking', async () => {
    const { eventId, seats } = await hall();
    const bookings = await openBookings(eventId, buyer, 50);
    const answers = (await Promise.all(bookings.map((booking) => takeSeats(db, [take(booking, buyer, seats[0]!)])))).flat();
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await holders(eventId)).toEqual([{ id: seats[0], booking_id: bookings[answers.indexOf(true)] }]);
  });

  it('keeps a booking’s limit when 30 statements race to fill it', async () => {
    const { eventId, seats } = await hall(2);
    const [booking] = await openBookings(eventId, buyer, 1);
    const answers = (await Promise.all(seats.slice(0, 30).map((seat) => takeSeats(db, [take(booking!, buyer, seat, 2)])))).flat();
    expect(answers.filter(Boolean)).toHaveLength(2);
    expect(await holders(eventId)).toHaveLength(2);
  });

  it('answers each take of one statement on its own merits', async () => {
    const { eventId, seats } = await hall(2);
    const other = await hall();
    const [mine, full, elsewhere] = await openBookings(eventId, buyer, 3);
    const [theirs, alsoTheirs] = await openBookings(eventId, rival, 2);
    await takeSeats(db, [take(full!, buyer, seats[10]!, 2)]);
    await takeSeats(db, [take(full!, buyer, seats[11]!, 2)]);
    await takeSeats(db, [take(theirs!, rival, seats[5]!, 2)]);
    const answers = await takeSeats(db, [
      take(mine!, buyer, seats[0]!, 2), // free: taken
      take(alsoTheirs!, buyer, seats[1]!, 2), // someone else's booking
      take(full!, buyer, seats[2]!, 2), // the booking is at its limit
      take(mine! + 1_000_000, buyer, seats[3]!, 2), // no such booking
      take(theirs!, rival, seats[5]!, 2), // already held
      take(elsewhere!, buyer, other.seats[0]!, 2), // a seat of another event
    ]);
    expect(answers).toEqual([true, false, false, false, false, false]);
    expect(await holders(eventId)).toEqual([
      { id: seats[0], booking_id: mine },
      { id: seats[5], booking_id: theirs },
      { id: seats[10], booking_id: full },
      { id: seats[11], booking_id: full },
    ]);
    expect(await holders(other.eventId)).toEqual([]);
  });

  it('serves a rush through the Batcher in shared statements, with the right answer for each select', async () => {
    const { eventId, seats } = await hall();
    const bookings = await openBookings(eventId, buyer, 60);
    const groupSizes: number[] = [];
    const batcher = new Batcher<SeatTake, boolean>({
      run: (group) => {
        groupSizes.push(group.length);
        return takeSeats(db, group);
      },
      keys: (request) => [`booking:${String(request.bookingId)}`, `seat:${String(request.seatId)}`],
      maxGroup: 100,
      maxRunning: 2,
    });
    // 60 bookings, each asking for seat i and then (a clash) seat i+1: every seat is asked for twice.
    const requests = bookings.flatMap((booking, index) => [
      take(booking, buyer, seats[index]!),
      take(booking, buyer, seats[(index + 1) % 60]!),
    ]);
    const answers = await Promise.all(requests.map((request) => batcher.submit(request)));
    expect(Math.max(...groupSizes)).toBeGreaterThan(1);
    expect(groupSizes.reduce((sum, size) => sum + size, 0)).toBe(requests.length);
    const won = requests.filter((_, index) => answers[index]);
    expect(won).toHaveLength(60);
    expect(await holders(eventId)).toEqual(
      won.map((request) => ({ id: request.seatId, booking_id: request.bookingId })).sort((a, b) => a.id - b.id),
    );
  });
});
