import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Cluster } from '../src/cluster.ts';
import { clusterTestMissing, startTestCluster, type TestCluster } from './support/cluster.ts';
import { callJson } from './support/sbor-process.ts';
import { basicHeader } from './support/users.ts';

const missing = clusterTestMissing();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(missing !== '')(`the local cluster${missing ? ` (skipped: needs ${missing})` : ''}`, () => {
  let started: TestCluster | undefined;
  let cluster: Cluster | undefined;
  let database: TestCluster['database'] | undefined;
  const workerLines: string[] = [];

  beforeAll(async () => {
    started = await startTestCluster({
      apis: 2,
      // Debug, for the worker's "event delivered" lines.
      env: { AUTH_RATE_LIMITS: 'off', SEAT_SELECT_RATE_LIMIT: 'off', LOG_LEVEL: 'debug' },
      onOutput: (name, line) => {
        if (name === 'worker' && line.includes('event delivered')) workerLines.push(line);
      },
    });
    ({ cluster, database } = started);
  }, 120_000);
  afterAll(async () => {
    await started?.stop();
  });

  it('sells a seat through nginx, keeps answering after an api process is killed, and leaves no process behind', async () => {
    if (!cluster || !database) throw new Error('the cluster did not start');
    const base = cluster.url;
    const password = 'cluster buyer password';
    const register = async (email: string) => {
      const answer = await callJson(base, 'POST', '/api/auth/register', {}, { email, password, first_name: 'A', surname: 'B' });
      expect(answer.status).toBe(201);
      return basicHeader(email, password);
    };
    const organizer = await register('org@cluster.test');
    const buyer = await register('buyer@cluster.test');
    await sql`update identity.users set role = 'organizer' where email = 'org@cluster.test'`.execute(database.db);
    expect((await callJson(base, 'POST', '/api/organizers', organizer, { slug: 'cl', name: 'Cluster' })).status).toBe(201);
    const event = await callJson(base, 'POST', '/api/events', organizer, {
      organizer: 'cl',
      title: 'Кластер',
      type: 'concert',
      starts_at: new Date(Date.now() + 86_400_000 * 10).toISOString(),
      policy: { one_active_booking_per_user: false },
    });
    const eventId = event.body.id as number;
    const layout = await callJson(base, 'POST', `/api/events/${eventId}/seat-layout`, organizer, {
      zones: [{ name: 'A', price: 100, rows: 2, seats_per_row: 5 }],
    });
    expect(layout.status).toBe(201);
    const requestId = 'cluster-publish-1';
    const published = await callJson(base, 'POST', `/api/events/${eventId}/publish`, { ...organizer, 'x-request-id': requestId });
    expect(published.status).toBe(200);
    // The id went through nginx into the outbox, over NATS to the worker process, into its log.
    const stamped = await sql<{ request_id: string }>`
      select request_id from platform.outbox where type = 'event.published' and aggregate_id = ${String(eventId)}`.execute(
      database.db,
    );
    expect(stamped.rows).toEqual([{ request_id: requestId }]);
    await vi.waitFor(
      () =>
        expect(workerLines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
          expect.objectContaining({ msg: 'event delivered', consumer: 'integrations.event-log', requestId }),
        ),
      { timeout: 20_000, interval: 200 },
    );
    // Worker and relays, which serve no API, answer probes and scrapes on their operations ports.
    for (const name of ['worker', 'relay-1', 'relay-2']) {
      const started = cluster.processes.find((candidate) => candidate.name === name)!;
      expect((await fetch(`${started.url}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${started.url}/metrics`)).text()).toContain('outbox_backlog');
    }
    const seats = await callJson(base, 'GET', `/api/seats?event_id=${eventId}&status=FREE&pageSize=10`, buyer);
    const seatIds = (seats.body as unknown as { id: number }[]).map((seat) => seat.id);
    expect(seatIds).toHaveLength(10);

    const booking = await callJson(base, 'POST', '/api/bookings', buyer, { event_id: eventId });
    expect(booking.status).toBe(201);
    const selected = await callJson(base, 'PATCH', '/api/seats/select', buyer, {
      booking_id: booking.body.id,
      seat_id: seatIds[0],
    });
    expect(selected.status).toBe(200);

    // One api process dies without warning; nginx notices on the next request to it and retries
    // the idempotent ones on the other, so reads keep answering.
    const victim = cluster.processes.find((started) => started.name === 'api-1')!;
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));
    const reads = await Promise.all(
      Array.from({ length: 20 }, () => callJson(base, 'GET', `/api/seats?event_id=${eventId}&status=FREE&pageSize=10`, buyer)),
    );
    expect(reads.map((read) => read.status)).toEqual(Array.from({ length: 20 }, () => 200));
    // And purchases go on through the survivor.
    const second = await callJson(base, 'POST', '/api/bookings', buyer, { event_id: eventId });
    expect(second.status).toBe(201);
    const selectedAfter = await callJson(base, 'PATCH', '/api/seats/select', buyer, {
      booking_id: second.body.id,
      seat_id: seatIds[1],
    });
    expect(selectedAfter.status).toBe(200);

    await cluster.stop();
    expect(started!.pids.filter(alive)).toEqual([]);
  }, 120_000);
});
