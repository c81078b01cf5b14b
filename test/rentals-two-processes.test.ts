import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { EVERY_DAY_ALL_DAY, FLAT_TARIFF, iso } from './support/rentals.ts';
import { callJson, serveOn, type SborProcess } from './support/sbor-process.ts';
import { basicHeader } from './support/users.ts';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const HOUR = 3_600_000;

// PGlite is one process's embedded database, so this runs on PostgreSQL only.
describe.skipIf(!onPostgres)('hall rentals across two server processes on one PostgreSQL', () => {
  let database: TestDatabase;
  const servers: { process: SborProcess; address: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    servers.push(await serveOn(database.url!), await serveOn(database.url!));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.process.stop()));
    await database.close();
  });

  const call = callJson;

  it('gives one of 200 overlapping requests spread over both processes the slot, and the rest a 409', async () => {
    const [a, b] = servers.map((server) => server.address) as [string, string];
    const register = async (email: string) => {
      const response = await call(
        a,
        'POST',
        '/api/auth/register',
        {},
        { email, password: 'two processes one hall', first_name: 'A', surname: 'B' },
      );
      expect(response.status).toBe(201);
      return basicHeader(email, 'two processes one hall');
    };
    const owner = await register('studio@two.test');
    const renters = await Promise.all(Array.from({ length: 4 }, (_, index) => register(`renter${index}@two.test`)));
    await sql`update identity.users set role = 'organizer' where email = 'studio@two.test'`.execute(database.db);
    expect((await call(a, 'POST', '/api/organizers', owner, { slug: 'two-halls', name: 'Two' })).status).toBe(201);
    const hall = await call(b, 'POST', '/api/organizers/two-halls/halls', owner, {
      name: 'Зал',
      timezone: 'Asia/Almaty',
      opening_hours: EVERY_DAY_ALL_DAY,
    });
    expect(hall.status).toBe(201);
    const hallId = hall.body.id as number;
    expect((await call(a, 'PUT', `/api/halls/${hallId}/tariffs`, owner, FLAT_TARIFF)).status).toBe(200);
    const base = Math.floor((Date.now() + 5 * 24 * HOUR) / HOUR) * HOUR;
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) => {
        const startsAt = base + (index % 8) * 15 * 60_000;
        return call(index % 2 === 0 ? a : b, 'POST', '/api/rentals', renters[index % renters.length]!, {
          hall_id: hallId,
          starts_at: iso(startsAt),
          ends_at: iso(startsAt + 3 * HOUR),
        });
      }),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(199);
    const live = await sql<{ count: number }>`
      select count(*)::int as count from rentals.rentals where hall_id = ${hallId} and status in ('PENDING', 'CONFIRMED')`.execute(
      database.db,
    );
    expect(live.rows[0]!.count).toBe(1);
  });
});
