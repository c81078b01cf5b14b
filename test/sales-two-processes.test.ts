import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { callJson, serveOn, type SborProcess } from './support/sbor-process.ts';
import { basicHeader } from './support/users.ts';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

describe.skipIf(!onPostgres)('seat selection across two server processes on one PostgreSQL', () => {
  let database: TestDatabase;
  const servers: { process: SborProcess; address: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    servers.push(await serveOn(database.url!), await serveOn(database.url!));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.process.stop()));
    await database.close();
  });

  const call = callJson;

  it('gives each seat to exactly one caller when the callers are spread over both processes', async () => {
    const [a, b] = servers.map((server) => server.address) as [string, string];
    const register = async (email: string) => {
      const response = await call(
        a,
        'POST',
        '/api/auth/register',
        {},
        { email, password: 'two processes one db', first_name: 'A', surname: 'B' },
      );
      expect(response.status).toBe(201);
      return basicHeader(email, 'two processes one db');
    };
    const organizer = await register('org@two.test');
    const buyer = await register('buyer@two.test');
    await sql`update identity.users set role = 'organizer' where email = 'org@two.test'`.execute(database.db);
    expect((await call(a, 'POST', '/api/organizers', organizer, { slug: 'two', name: 'Two' })).status).toBe(201);
    const event = await call(a, 'POST', '/api/events', organizer, {
      organizer: 'two',
      title: 'Два процесса',
      type: 'concert',
      starts_at: new Date(Date.now() + 86_400_000 * 10).toISOString(),
      policy: { one_active_booking_per_user: false },
    });
    const eventId = event.body.id as number;
    expect(
      (
        await call(a, 'POST', `/api/events/${eventId}/seat-layout`, organizer, {
          zones: [{ name: 'A', price: 100, rows: 2, seats_per_row: 5 }],
        })
      ).status,
    ).toBe(201);
    expect((await call(b, 'POST', `/api/events/${eventId}/publish`, organizer)).status).toBe(200);
    const seats = (
      await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by id`.execute(database.db)
    ).rows;

    // 200 bookings, 20 per seat, half through each process, all selecting at once.
    const bookings = await Promise.all(
      Array.from({ length: 200 }, (_, index) => call(index % 2 ? a : b, 'POST', '/api/bookings', buyer, { event_id: eventId })),
    );
    const attempts = bookings.map((booking, index) => ({
      booking: booking.body.id as number,
      seat: seats[index % seats.length]!.id,
      index,
    }));
    const results = await Promise.all(
      attempts.map((attempt) =>
        call(attempt.index % 2 ? b : a, 'PATCH', '/api/seats/select', buyer, {
          booking_id: attempt.booking,
          seat_id: attempt.seat,
        }),
      ),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(seats.length);
    expect(statuses.filter((status) => status === 419)).toHaveLength(200 - seats.length);
    const held = await sql<{ seats: number; bookings: number }>`
      select count(*)::int as seats, count(distinct booking_id)::int as bookings
      from sales.seats where event_id = ${eventId} and status = 'RESERVED'`.execute(database.db);
    expect(held.rows).toEqual([{ seats: seats.length, bookings: seats.length }]);
  });
});
