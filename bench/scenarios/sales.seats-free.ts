import { SUGGEST_FREE_SEATS } from '../../src/modules/sales/index.ts';
import { EVENT_ID, freshEvent1, ROWS, SEATS_PER_ROW } from '../lib/fixtures.ts';
import type { Scenario } from '../lib/scenario.ts';

// The sales issue's target: at least 5,000/s. Public (no auth). Without `page` the service
// suggests free seats from a random place in the hall (suggestFreeSeats): one prepared statement
// (SUGGEST_FREE_SEATS, run by name here too), reading the partial free-seat index from that place
// and wrapping round.

const randomInt = (max: number) => 1 + Math.floor(Math.random() * max);

export default {
  name: 'sales.seats-free',
  description: 'GET /api/seats?event_id=1&status=FREE&pageSize=20 (HackLoad): 20 free seats from a random place in the hall.',
  seed: true,
  request: { path: `/api/seats?event_id=${EVENT_ID}&status=FREE&pageSize=20` },
  sqlBaseline: {
    name: 'suggest-free-seats',
    sql: SUGGEST_FREE_SEATS,
    params: () => [EVENT_ID, randomInt(ROWS), randomInt(SEATS_PER_ROW), 20],
    setup: freshEvent1,
  },
  // On PostgreSQL: a clean, vacuumed hall, not the one sales.seat-select just ran on. (PGlite has
  // no second connection: there this row runs on whatever seat-select left, up to 100,000 held.)
  setup: async ({ database }) => {
    if (database) await freshEvent1(database);
  },
} satisfies Scenario;
