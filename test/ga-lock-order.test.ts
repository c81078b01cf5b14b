import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

// The expiry sweep locks a booking, then its ticket type; a purchase locks the ticket type, then
// meets the buyer's open booking in the unique index. Crossed, PostgreSQL fails one of them
// (deadlock_detected). Only a real server has a second connection to cross them with.
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
let service: TestService;
let owner: TestUser;
let buyer: TestUser;

beforeAll(async () => {
  if (!onPostgres) return;
  service = await startTestService();
  [owner, buyer] = await Promise.all([signUp(service.app), signUp(service.app)]);
});
afterAll(async () => {
  if (onPostgres) await service.stop();
});

describe.skipIf(!onPostgres)('a general-admission purchase crossing the expiry of the buyer’s last hold', () => {
  it('buys once the expiry is through, instead of failing with the deadlock PostgreSQL broke', async () => {
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, {
      ticketTypes: [{ type: 'standard', name: 'Танцпол', price: 2_000, quantity: 10 }],
      policy: { max_tickets_per_order: 4, contact_required: false, one_active_booking_per_user: true },
    });
    const type = (
      await sql<{ id: number }>`select id from sales.ticket_types where event_id = ${eventId}`.execute(service.database.db)
    ).rows[0]!.id;
    const purchase = () =>
      service.app.inject({
        method: 'POST',
        url: `/api/events/${eventId}/tickets`,
        headers: buyer.bearer,
        payload: { ticket_type_id: type, quantity: 1 },
      });
    const first = await purchase();
    expect(first.statusCode, first.body).toBe(201);
    const held = first.json<{ id: number }>().id;

    // The sweep's order, by hand: the booking first (not yet committed) …
    const sweep = new pg.Client({ connectionString: service.testDatabase.url });
    await sweep.connect();
    try {
      await sweep.query('begin');
      await sweep.query(`update sales.bookings set status = 'EXPIRED', expires_at = now() where id = $1`, [held]);
      // … while the buyer buys again: the purchase locks the ticket type and waits on that booking …
      const second = purchase();
      await new Promise((resolve) => setTimeout(resolve, 300));
      // … and the sweep then gives the unit back on the ticket type: the cycle.
      const released = sweep.query(`update sales.ticket_types set held = held - 1 where id = $1`, [type]);
      await released;
      await sweep.query('commit');
      const answer = await second;
      expect(answer.statusCode, answer.body).toBe(201);
      expect(answer.json<{ id: number }>().id).not.toBe(held);
    } finally {
      await sweep.end();
    }
    const counts = await sql<{ held: number }>`select held from sales.ticket_types where id = ${type}`.execute(
      service.database.db,
    );
    expect(counts.rows[0]!.held).toBe(1);
  });
});
