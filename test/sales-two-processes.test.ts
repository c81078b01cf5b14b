import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { callJson, serveOn, type SborProcess } from './support/sbor-process.ts';
import { basicHeader } from './support/users.ts';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

describe.skipIf(!onPostgres)('seats and general admission across two server processes on one PostgreSQL', () => {
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

  /** An organizer with an event on sale (`slug`), and a buyer: both with Basic credentials. */
  const organizerAndBuyer = async (slug: string, event: { title: string; policy: Record<string, unknown> }) => {
    const password = 'two processes one db';
    const register = async (email: string) => {
      const response = await call(
        servers[0]!.address,
        'POST',
        '/api/auth/register',
        {},
        { email, password, first_name: 'A', surname: 'B' },
      );
      expect(response.status).toBe(201);
      return basicHeader(email, password);
    };
    const organizer = await register(`${slug}-org@two.test`);
    const buyer = await register(`${slug}-buyer@two.test`);
    await sql`update identity.users set role = 'organizer' where email = ${`${slug}-org@two.test`}`.execute(database.db);
    expect((await call(servers[0]!.address, 'POST', '/api/organizers', organizer, { slug, name: slug })).status).toBe(201);
    const created = await call(servers[0]!.address, 'POST', '/api/events', organizer, {
      organizer: slug,
      type: 'concert',
      starts_at: new Date(Date.now() + 86_400_000 * 10).toISOString(),
      ...event,
    });
    return { organizer, buyer, eventId: created.body.id as number };
  };

  it('gives each seat to exactly one caller when the callers are spread over both processes', async () => {
    const [a, b] = servers.map((server) => server.address) as [string, string];
    const { organizer, buyer, eventId } = await organizerAndBuyer('two', {
      title: 'Два процесса',
      policy: { one_active_booking_per_user: false },
    });
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

  it('never sells more general-admission units than the quantity when buyers race for the last ones through both processes', async () => {
    const [a, b] = servers.map((server) => server.address) as [string, string];
    const { organizer, buyer, eventId } = await organizerAndBuyer('two-ga', {
      title: 'Танцпол на двоих',
      policy: { one_active_booking_per_user: false, max_tickets_per_order: 3 },
    });
    const types = await Promise.all(
      [0, 500].map(async (price) => {
        const type = await call(a, 'POST', `/api/events/${eventId}/ticket-types`, organizer, {
          type: 'standard',
          name: `Price ${String(price)}`,
          price,
          quantity: 37,
          max_per_order: 3,
        });
        expect(type.status).toBe(201);
        return type.body.id as number;
      }),
    );
    expect((await call(b, 'POST', `/api/events/${eventId}/publish`, organizer)).status).toBe(200);

    // 300 purchases of 1 to 3 units of each type (grouped in both processes), and 20 bookings with
    // units of the paid one (one at a time), all at once: far more than 37 units each.
    const requests = types.flatMap((typeId) => [
      ...Array.from({ length: 300 }, (_, index) => ({
        server: index % 2 ? a : b,
        path: `/api/events/${eventId}/tickets`,
        body: { ticket_type_id: typeId, quantity: (index % 3) + 1 },
      })),
      ...Array.from({ length: 20 }, (_, index) => ({
        server: index % 2 ? b : a,
        path: '/api/bookings',
        body: { event_id: eventId, ticket_type_id: typeId, quantity: 1 },
      })),
    ]);
    const answers = await Promise.all(
      requests.map(async (request) => ({
        ...request,
        response: await call(request.server, 'POST', request.path, buyer, request.body),
      })),
    );
    expect(new Set(answers.map((answer) => answer.response.status))).toEqual(new Set([201, 409]));
    for (const typeId of types) {
      const made = answers.filter((answer) => answer.body.ticket_type_id === typeId && answer.response.status === 201);
      const units = made.reduce((sum, answer) => sum + (answer.response.body.quantity as number), 0);
      expect(units).toBeLessThanOrEqual(37);
      // Sold out: what is left is less than the smallest refused purchase asked for (1 unit here).
      expect(units).toBe(37);
      const stored = await sql<{ sold: number; held: number; booked: number }>`
        select t.sold, t.held,
          (select coalesce(sum(quantity), 0)::int from sales.bookings b
           where b.ticket_type_id = t.id and b.status in ('CREATED', 'PENDING', 'CONFIRMED')) as booked
        from sales.ticket_types t where t.id = ${typeId}`.execute(database.db);
      expect(stored.rows[0]!.sold + stored.rows[0]!.held).toBe(37);
      expect(stored.rows[0]!.booked).toBe(37);
    }
  });
});
