import { randomUUID } from 'node:crypto';
import { call, publishedGaEvent } from '../lib/fixtures.ts';
import type { Scenario } from '../lib/scenario.ts';

// The gate rush: POST /api/tickets/:code/checkin, every request a different ticket (so every one
// succeeds: active → used), by the event's owner with a Bearer token, as a scanner app would.
// Per request: Ed25519 verification of the code, the team check (cached 5 s per user and event),
// then one statement (one round trip, no transaction around it): the conditional UPDATE of the
// ticket, the check-in log row and the ticket.checkin outbox row (which the relay then publishes).
//
// The tickets are made through the API: an organizer, a published event with a free ticket type,
// free purchases of 1,000 tickets (issued by the bus consumer), then every code read back from
// GET /api/tickets. Enough for the warm-up and the measurement at well above what this machine
// does; when they run out, answers turn 409 (already used), visible as non-2xx in the report.

/** PostgreSQL; PGlite (one connection) is far slower, both at the rush and at issuing tickets. */
const TICKETS = { postgres: 60_000, pglite: 15_000 };
const PER_PURCHASE = 1_000;

/** The database work of one check-in as one statement: update, log, outbox row (published at once). */
const CHECKIN = `
    with used as (
      update tickets.tickets set status = 'used', used_at = now(), used_gate = 'A', used_scan_id = $2
      where id = $1 and status = 'active'
      returning id, event_id
    ), logged as (
      insert into tickets.checkins (ticket_id, event_id, gate, scan_id, scanned_at, source, outcome)
      select id, event_id, 'A', $2, now(), 'online', 'accepted' from used
    )
    insert into platform.outbox (type, aggregate_id, payload, published_at)
    select 'ticket.checkin', 'ticket:' || id, '{}', now() from used`;
const RAW_TICKETS = 200_000;
/** Raw tickets live in event 0 (no such event in the catalog; tickets has no foreign key to it). */
const RAW_EVENT_ID = 0;

const codes: string[] = [];
let next = 0;
const raw = { firstId: 0, k: 0 };
const headers: Record<string, string> = { 'content-type': 'application/json' };

export default {
  name: 'tickets.checkin',
  description: 'POST /api/tickets/:code/checkin (Bearer, event owner): a different ticket every request, all admitted.',
  request: {
    method: 'POST',
    path: '/api/tickets/unset/checkin',
    headers,
    nextPath: () => `/api/tickets/${codes[next++ % codes.length] ?? 'none'}/checkin`,
    nextBody: () => `{"gate":"A","scan_id":"${randomUUID()}"}`,
  },
  sqlBaseline: {
    name: 'ticket-checkin',
    sql: CHECKIN,
    params: () => {
      const k = raw.k++;
      return [raw.firstId + (k % RAW_TICKETS), `raw-${String(k)}`];
    },
    setup: async (database) => {
      await database.pool.query(`delete from tickets.checkins where event_id = $1`, [RAW_EVENT_ID]);
      await database.pool.query(`delete from tickets.tickets where event_id = $1`, [RAW_EVENT_ID]);
      const inserted = await database.pool.query<{ first: string }>(
        `with rows as (
           insert into tickets.tickets (event_id, booking_id, holder_user_id, unit_no, ticket_type_id, code)
           select $1, 0, 0, g, 0, 'raw-' || g from generate_series(1, $2::int) as g
           returning id)
         select min(id) as first from rows`,
        [RAW_EVENT_ID, RAW_TICKETS],
      );
      raw.firstId = Number(inserted.rows[0]?.first);
      raw.k = 0;
      await database.pool.query('vacuum analyze tickets.tickets, tickets.checkins');
    },
  },
  setup: async ({ url, database }) => {
    const count = database ? TICKETS.postgres : TICKETS.pglite;
    const { bearer, eventId, ticketTypeId } = await publishedGaEvent(url, {
      label: 'scanner',
      title: 'Gate rush',
      startsInDays: 1,
      maxPerOrder: PER_PURCHASE,
      ticketType: { name: 'Вход', price: 0, quantity: count },
    });
    const event = { id: eventId };
    for (let bought = 0; bought < count; bought += PER_PURCHASE) {
      const quantity = Math.min(PER_PURCHASE, count - bought);
      await call(url, 'POST', `/api/events/${String(event.id)}/tickets`, { ticket_type_id: ticketTypeId, quantity }, bearer, 201);
    }
    // Issuance runs on the bus: wait until every ticket exists.
    const deadline = Date.now() + 300_000;
    for (;;) {
      const stats = (await call(url, 'GET', `/api/events/${String(event.id)}/checkin-stats`, undefined, bearer)) as {
        issued: number;
      };
      if (stats.issued === count) break;
      if (Date.now() > deadline) throw new Error(`tickets.checkin: only ${String(stats.issued)} of ${String(count)} issued`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    codes.length = 0;
    next = 0;
    if (database) {
      // PostgreSQL: read the codes in one query rather than 600 pages of the listing.
      const rows = await database.pool.query<{ code: string }>(
        'select code from tickets.tickets where event_id = $1 order by id',
        [event.id],
      );
      codes.push(...rows.rows.map((row) => row.code));
    }
    for (let page = 1; codes.length < count; page += 1) {
      const tickets = (await call(
        url,
        'GET',
        `/api/tickets?event_id=${String(event.id)}&pageSize=100&page=${String(page)}`,
        undefined,
        bearer,
      )) as { code: string }[];
      if (tickets.length === 0) break;
      codes.push(...tickets.map((ticket) => ticket.code));
    }
    headers.authorization = bearer;
  },
} satisfies Scenario;
