import { makeStudio } from '../lib/rentals.ts';
import type { Scenario } from '../lib/scenario.ts';

// Issue 19's booking target: POST /api/rentals on distinct slots, as many renters at once would.
// Request k holds a quarter hour of hall k mod HALLS, the (k div HALLS)-th quarter hour from
// tomorrow: no two requests overlap, so every answer is a 201 and the row measures the booking
// transaction (hall lock, slot rules, pricing, expiring passed holds, the insert judged by the
// exclusion constraint, the audit row and the outbox event), not conflicts. Rentals of one hall
// queue on its row lock, so the halls are many.
//
// Baseline `raw-db-rental-insert`: the bare insert of a PENDING rental on the same kind of
// distinct slots, judged by the same exclusion constraint — what the database alone does.

const HALLS = 50;
const QUARTER_MS = 15 * 60_000;
const RAW_HALLS = 50;

/** Tomorrow's first UTC midnight: every slot is after the (zero) minimum notice and inside the horizon. */
const firstSlot = () => Math.ceil((Date.now() + 86_400_000) / 86_400_000) * 86_400_000;

const http = { halls: [] as number[], base: 0, k: 0 };
const raw = { halls: [] as number[], base: 0, k: 0 };
const headers: Record<string, string> = { 'content-type': 'application/json' };

function slot(k: number, halls: number, base: number): [hall: number, starts: string, ends: string] {
  const starts = base + Math.floor(k / halls) * QUARTER_MS;
  return [k % halls, new Date(starts).toISOString(), new Date(starts + QUARTER_MS).toISOString()];
}

export default {
  name: 'rentals.create',
  description: `POST /api/rentals (Basic): a 15-minute PENDING hold on a distinct slot of one of ${String(HALLS)} halls each time.`,
  request: {
    method: 'POST',
    path: '/api/rentals',
    headers,
    nextBody: () => {
      const [hall, starts, ends] = slot(http.k++, http.halls.length, http.base);
      return `{"hall_id":${String(http.halls[hall])},"starts_at":"${starts}","ends_at":"${ends}"}`;
    },
  },
  sqlBaseline: {
    name: 'rental-insert',
    sql: `insert into rentals.rentals
            (hall_id, organizer_id, kind, user_id, status, starts_at, ends_at, occupied_until, expires_at, total, currency, quote)
          values ($1, 0, 'rental', 1, 'PENDING', $2, $3, $3, now() + interval '15 minutes', 25000, 'KZT', '[]')`,
    params: () => {
      const [hall, starts, ends] = slot(raw.k++, RAW_HALLS, raw.base);
      return [raw.halls[hall], starts, ends];
    },
    setup: async (database) => {
      // Fresh halls every round (organizer 0: rentals has no foreign key to the catalog).
      const halls = await database.pool.query<{ id: string }>(
        `insert into rentals.halls (organizer_id, name, timezone, opening_hours, created_by)
         select 0, 'raw ' || g, 'Asia/Almaty', '{}', 0 from generate_series(1, $1::int) as g returning id`,
        [RAW_HALLS],
      );
      raw.halls = halls.rows.map((row) => Number(row.id));
      raw.base = firstSlot();
      raw.k = 0;
    },
  },
  setup: async ({ url }) => {
    const studio = await makeStudio(url, HALLS, 'all-day');
    http.halls = studio.hallIds;
    http.base = firstSlot();
    http.k = 0;
    headers.authorization = studio.renter.basic;
  },
} satisfies Scenario;
