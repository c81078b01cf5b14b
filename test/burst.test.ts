import { request as httpRequest } from 'node:http';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseEngine } from './support/database.ts';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

const BURST = 2_000;
/** Fewer than the purchases: the rest are refused (409 sold out), which keeps the test short on PGlite. */
const TICKETS = 100;
const BUYERS = 10;

let service: TestService | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
});

/** One POST on a connection of its own (no keep-alive, no pooling); its status, or the socket's error code. */
function purchase(url: URL, buyer: TestUser, ticketTypeId: number): Promise<string> {
  const body = JSON.stringify({ ticket_type_id: ticketTypeId, quantity: 1 });
  return new Promise((resolve) => {
    const sent = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...buyer.bearer, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(String(response.statusCode)));
        response.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      },
    );
    sent.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    sent.end(body);
  });
}

/**
 * The service as `npm start` runs it (embedded PGlite unless TEST_DATABASE_URL is set), and 2,000
 * purchases whose connections all arrive at once: this process opens every socket before its event
 * loop turns again, so the server accepts none of them until the last is open, and the kernel must
 * hold them all in the listen backlog. (On PGlite the queries also run on this thread, which is how
 * a burst from other machines found the backlog full: README, "The listen backlog".)
 */
async function burst(env: Record<string, string> = {}) {
  service = await startTestService({ listen: true, env });
  const owner = await signUp(service.app);
  const buyers = await Promise.all(Array.from({ length: BUYERS }, () => signUp(service!.app)));
  const { eventId, ticketTypeIds } = await createPublishedEvent(service.app, service.database, owner, {
    ticketTypes: [{ type: 'standard', name: 'Вход свободный', price: 0, quantity: TICKETS, max_per_order: 1 }],
    policy: { max_tickets_per_order: 1, contact_required: false, one_active_booking_per_user: false, max_tickets_per_user: null },
  });
  const url = new URL(`${service.baseUrl}/api/events/${String(eventId)}/tickets`);
  const outcomes = await Promise.all(
    Array.from({ length: BURST }, (_, index) => purchase(url, buyers[index % BUYERS]!, ticketTypeIds[0]!)),
  );
  const tally: Record<string, number> = {};
  for (const outcome of outcomes) tally[outcome] = (tally[outcome] ?? 0) + 1;
  const sold = await sql<{ n: number }>`
    select coalesce(sum(quantity), 0)::int as n from sales.bookings
    where event_id = ${eventId} and status = 'CONFIRMED'`.execute(service.database.db);
  return { tally, sold: sold.rows[0]!.n };
}

describe('a burst of purchases', () => {
  it(`answers every one of ${String(BURST)} purchases arriving at once on new connections, and sells each ticket once`, async () => {
    const { tally, sold } = await burst();
    // Every request reached a handler and was answered: no reset or refused connection.
    expect(tally).toEqual({ 201: TICKETS, 409: BURST - TICKETS });
    expect(sold).toBe(TICKETS);
  }, 600_000);

  // The control, run by hand (BURST_CONTROL=1): with Node's default backlog the same burst loses
  // connections on PGlite, so the test above can fail. On PostgreSQL it loses none even so: the
  // statements are I/O there, and the event loop keeps accepting between them.
  it.runIf(process.env.BURST_CONTROL && testDatabaseEngine() === 'pglite')(
    'loses connections with Node’s default backlog of 511 on PGlite',
    async () => {
      const { tally } = await burst({ LISTEN_BACKLOG: '511' });
      expect(tally.ECONNRESET ?? 0).toBeGreaterThan(0);
    },
    600_000,
  );
});
