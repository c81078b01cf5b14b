import type pg from 'pg';
import { call, EVENT_ID, freshEvent1, MAX_SEATS_PER_BOOKING, registerUser, SEATS } from './fixtures.ts';
import { TAKE_SEATS } from '../../src/modules/sales/index.ts';
import type { Scenario } from './scenario.ts';

// The sales issue's target: seat select with distinct seats and 200 concurrent clients, at least
// 2,000/s with p99 ≤ 50 ms. One user (HTTP Basic, as HackLoad's clients) owns many open bookings
// of event 1; request k puts seat k+1 into booking k mod (number of bookings), so the 200 requests
// in flight lock 200 different booking rows and no two ever race for a seat. Once every booking
// holds 10 seats (event 1's limit) or the seats run out, answers turn non-2xx: that is visible in
// the report. The hall's 100,000 seats last under 7 s at 15,000/s, so the closed loop measures at
// most 5 s, on a hall set back to free after its warm-up.

/** Enough bookings for the whole hall. */
const BOOKINGS = SEATS / MAX_SEATS_PER_BOOKING;
/**
 * PGlite: opened through the API (a few seconds there). 10,000 seats is more than PGlite selects
 * in 13 s, and the Basic credentials verified by the first call stay remembered (60 s) until the
 * measurement ends.
 */
const API_BOOKINGS = 1_000;

/**
 * Opens `count` bookings of event 1 for a user directly in the database, as createBooking would
 * (open, non-exclusive, held for event 1's 30 minutes), without the audit rows and outbox events
 * that would keep the service's relay busy during the measurement. Then ANALYZE, so that the
 * autovacuum daemon's analyze of the 10,000 new rows does not land in the measurement.
 */
async function insertBookings(pool: pg.Pool, userId: number, count: number): Promise<number[]> {
  const result = await pool.query<{ id: number }>(
    `insert into sales.bookings (event_id, user_id, exclusive, expires_at, currency)
     select $1, $2, false, now() + interval '30 minutes', 'KZT' from generate_series(1, $3) returning id`,
    [EVENT_ID, userId, count],
  );
  await pool.query('analyze sales.bookings');
  return result.rows.map((row) => row.id).sort((a, b) => a - b);
}

/** Request k puts seat k+1 into booking k mod (number of bookings). */
class Pairs {
  private bookings: number[] = [];
  private k = 0;
  private firstSeat = 1;

  /** `firstSeat`: where the hall's free seats begin (on PGlite the hall is not freed between measurements). */
  start(bookings: number[], firstSeat = 1): void {
    this.bookings = bookings;
    this.k = 0;
    this.firstSeat = firstSeat;
  }

  next(): [bookingId: number, seatId: number] {
    const k = this.k++;
    return [this.bookings[k % this.bookings.length]!, ((this.firstSeat - 1 + k) % SEATS) + 1];
  }
}

/** The highest seat sent to the service by any seat-select scenario in this run. */
let serviceSeatsHandedOut = 0;

const RAW_USER_ID = 1; // sales.bookings.user_id has no foreign key: any id will do for the raw loop

/** A seat-select scenario: 200 connections, closed loop, or open loop at `rate` requests per second. */
export function seatSelectScenario(
  shape: Pick<Scenario, 'name' | 'description' | 'rate' | 'maxDurationSeconds' | 'setupAfterWarmup'>,
): Scenario {
  const http = new Pairs();
  const raw = new Pairs();
  /** Authorization is added by setup, once it has a user. */
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  return {
    ...shape,
    connections: 200,
    seed: true,
    request: {
      method: 'PATCH',
      path: '/api/seats/select',
      headers,
      nextBody: () => {
        const [bookingId, seatId] = http.next();
        serviceSeatsHandedOut = Math.max(serviceSeatsHandedOut, seatId);
        return `{"booking_id":${bookingId},"seat_id":${seatId}}`;
      },
    },
    sqlBaseline: {
      name: 'take-seat',
      // The service's own statement (takeSeats), one select per statement: what selecting costs
      // without the grouping of decision record 0011, which lets the service pass this row.
      sql: TAKE_SEATS,
      params: () => {
        const [bookingId, seatId] = raw.next();
        return [[bookingId], [RAW_USER_ID], [seatId], [MAX_SEATS_PER_BOOKING], [null]];
      },
      setup: async (database) => {
        await freshEvent1(database);
        raw.start(await insertBookings(database.pool, RAW_USER_ID, BOOKINGS));
      },
    },
    setup: async ({ url, database }) => {
      const user = await registerUser(url, 'select');
      if (database) {
        // PostgreSQL: a clean hall, and the bookings inserted in one statement.
        await freshEvent1(database);
        http.start(await insertBookings(database.pool, user.id, BOOKINGS));
      } else {
        // PGlite: the service freed the hall when it started, but not since: a scenario that ran
        // before, or this one's warm-up, took seats from the front. So the selects go on after the
        // last seat any of them was sent (restarting at 1 made every select a 409 seat-taken); the
        // bookings go through the API.
        const open = async () =>
          ((await call(url, 'POST', '/api/bookings', { event_id: EVENT_ID }, user.basic, 201)) as { id: number }).id;
        const opened = [await open()]; // the first call verifies the password (argon2id) alone
        while (opened.length < API_BOOKINGS) opened.push(...(await Promise.all(Array.from({ length: 20 }, open))));
        http.start(
          opened.sort((a, b) => a - b),
          serviceSeatsHandedOut + 1,
        );
      }
      // Verify the password now (argon2id, once): the verified credentials are then remembered for
      // 60 s, longer than the warm-up and the measurement that follow.
      await call(url, 'GET', '/api/users/me', undefined, user.basic);
      headers.authorization = user.basic;
    },
  };
}
