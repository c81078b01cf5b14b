import { EVENT_ID, freshEvent1, ROWS, SEATS_PER_ROW } from '../lib/fixtures.ts';
import type { Scenario } from '../lib/scenario.ts';

// The sales issue's target: at least 5,000/s. Public (no auth). Without `page` the service
// suggests free seats from a random place in the hall (suggestFreeSeats): one statement, a prepared
// one on PostgreSQL, reading the partial free-seat index from that place and wrapping round.

/** suggestFreeSeats' statement as Kysely renders it, verbatim (prepared, as the service runs it). */
const SUGGEST_FREE_SEATS = `/* prepared */
    select id, row, number, price, zone_id, 'FREE' as status from (
      (select id, row, number, price, zone_id, 0 as lap from sales.seats
        where event_id = $1 and status = 'FREE' and (row, number) >= ($2::int, $3::int)
        order by row, number limit $4)
      union all
      (select id, row, number, price, zone_id, 1 as lap from sales.seats
        where event_id = $5 and status = 'FREE' and (row, number) < ($6::int, $7::int)
        order by row, number limit $8)
    ) as free
    order by lap, row, number
    limit $9`;

const randomInt = (max: number) => 1 + Math.floor(Math.random() * max);

export default {
  name: 'sales.seats-free',
  description: 'GET /api/seats?event_id=1&status=FREE&pageSize=20 (HackLoad): 20 free seats from a random place in the hall.',
  seed: true,
  request: { path: `/api/seats?event_id=${EVENT_ID}&status=FREE&pageSize=20` },
  sqlBaseline: {
    name: 'suggest-free-seats',
    sql: SUGGEST_FREE_SEATS,
    params: () => {
      const [row, number] = [randomInt(ROWS), randomInt(SEATS_PER_ROW)];
      return [EVENT_ID, row, number, 20, EVENT_ID, row, number, 20, 20];
    },
    setup: freshEvent1,
  },
  // On PostgreSQL: a clean, vacuumed hall, not the one sales.seat-select just ran on. (PGlite has
  // no second connection: there this row runs on whatever seat-select left, up to 100,000 held.)
  setup: async ({ database }) => {
    if (database) await freshEvent1(database);
  },
} satisfies Scenario;
