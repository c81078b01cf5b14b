import { sql } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { callJson, runSbor, type SborProcess } from './support/sbor-process.ts';
import { basicHeader } from './support/users.ts';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const RATE_PER_MINUTE = 1200;
const RUN_SECONDS = 16;

/** Three `sbor serve` processes on one database, each running admission every 100 ms. */
async function startServers(databaseUrl: string): Promise<{ process: SborProcess; address: string }[]> {
  return Promise.all(
    [0, 1, 2].map(async () => {
      const started = runSbor(['serve'], {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: '0',
        LOG_LEVEL: 'info',
        AUTH_RATE_LIMITS: 'off',
        NATS_URL: '',
        QUEUE_ADMIT_INTERVAL_MS: '100',
      });
      return { process: started, address: (await started.waitFor('sbor started')).address as string };
    }),
  );
}

describe.skipIf(!onPostgres)('waiting-room admission across three api processes on one PostgreSQL', () => {
  let database: TestDatabase;
  let servers: { process: SborProcess; address: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    servers = await startServers(database.url!);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.process.stop()));
    await database.close();
  });

  it('holds the admission rate within 5% while all three admit', async () => {
    const [a, b, c] = servers.map((server) => server.address) as [string, string, string];
    const email = 'org@queue.test';
    expect(
      (await callJson(a, 'POST', '/api/auth/register', {}, { email, password: 'three processes', first_name: 'A', surname: 'B' }))
        .status,
    ).toBe(201);
    const organizer = basicHeader(email, 'three processes');
    await sql`update identity.users set role = 'organizer' where email = ${email}`.execute(database.db);
    expect((await callJson(a, 'POST', '/api/organizers', organizer, { slug: 'rush', name: 'Rush' })).status).toBe(201);
    const event = await callJson(b, 'POST', '/api/events', organizer, {
      organizer: 'rush',
      title: 'Очередь',
      type: 'concert',
      starts_at: new Date(Date.now() + 86_400_000 * 10).toISOString(),
    });
    const eventId = event.body.id as number;
    expect(
      (
        await callJson(b, 'POST', `/api/events/${eventId}/ticket-types`, organizer, {
          type: 'standard',
          name: 'GA',
          price: 100,
          quantity: 10,
        })
      ).status,
    ).toBe(201);
    expect((await callJson(c, 'POST', `/api/events/${eventId}/publish`, organizer)).status).toBe(200);
    const settings = await callJson(c, 'PUT', `/api/events/${eventId}/queue/settings`, organizer, {
      enabled: true,
      on_sale_at: new Date(Date.now() + 2000).toISOString(),
      rate_per_minute: RATE_PER_MINUTE,
    });
    expect(settings.status).toBe(200);
    // More people than the run can admit, in the pre-queue (the queue never reads identity).
    await sql`insert into queue.entries (event_id, user_id) select ${eventId}, n from generate_series(1000, 2000) n`.execute(
      database.db,
    );
    await sleep(2000 + RUN_SECONDS * 1000);

    const { rows } = await sql<{ admitted: number; allowed: number; processes: number; window_admitted: number }>`
      select
        (select admitted_count from queue.rooms where event_id = ${eventId})::int as admitted,
        floor(${RATE_PER_MINUTE} * extract(epoch from clock_timestamp() - room.rate_since) / 60)::int as allowed,
        (select count(distinct admitted_by) from queue.entries where event_id = ${eventId})::int as processes,
        (select count(*) from queue.entries where event_id = ${eventId} and status = 'admitted'
          and admitted_at >= room.rate_since + interval '2 seconds'
          and admitted_at < room.rate_since + interval '12 seconds')::int as window_admitted
      from queue.rooms room where room.event_id = ${eventId}`.execute(database.db);
    const result = rows[0]!;
    // Every process took part, and together they never went past what the rate allowed.
    expect(result.processes).toBe(3);
    expect(result.admitted).toBeLessThanOrEqual(result.allowed);
    expect(result.admitted).toBeGreaterThanOrEqual(result.allowed * 0.95);
    // Any 10 s inside the run: the rate, ±5%.
    const expected = (RATE_PER_MINUTE / 60) * 10;
    expect(result.window_admitted).toBeGreaterThanOrEqual(expected * 0.95);
    expect(result.window_admitted).toBeLessThanOrEqual(expected * 1.05);
    console.log(
      `three processes: admitted ${result.admitted} of ${result.allowed} allowed; ${result.window_admitted} in 10 s (rate ${expected})`,
    );
  }, 60_000);
});
