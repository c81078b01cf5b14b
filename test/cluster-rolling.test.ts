import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_FAIL_TIMEOUT_SECONDS } from '../src/cluster-nginx.ts';
import { clusterTestMissing, startTestCluster, type TestCluster } from './support/cluster.ts';
import { callJson } from './support/sbor-process.ts';
import { basicHeader } from './support/users.ts';

const missing = clusterTestMissing();
/** Short, so the relay test waits seconds, not the default 15. */
const RELAY_LEASE_SECONDS = 3;
const RELAY_INTERVAL_MS = 100;
/** How long a stopping api process keeps answering (readyz 503, `Connection: close`) before it closes. */
const SHUTDOWN_DRAIN_MS = 1_500;

/**
 * One logical client operation and every answer it got. Status 0: no answer at all (the
 * connection failed). What "no request dropped" means here, precisely:
 * - reads (GET) are sent once: nginx retries them on another api process (proxy_next_upstream),
 *   so the client must never see a 5xx;
 * - a seat select (PATCH /api/seats/select) is idempotent by the service's rule (selecting a seat
 *   the booking already holds answers 200), so the client may send it again on 502/503/504 or no
 *   answer, as nginx may not (it never re-sends a PATCH it has passed on);
 * - a purchase or a booking (POST) carries an Idempotency-Key and is sent again with the same key
 *   on 502/503/504 or no answer;
 * - at most 3 retries, 200 ms apart; the last answer must be below 500.
 */
interface Operation {
  kind: 'read' | 'open' | 'select' | 'purchase';
  startedAt: number;
  answers: number[];
  key?: string;
  bookingId?: number;
  seatId?: number;
}

const RETRIED = new Set([0, 502, 503, 504]);

describe.skipIf(missing !== '')(`the cluster under a rolling restart${missing ? ` (skipped: needs ${missing})` : ''}`, () => {
  let started: TestCluster | undefined;

  beforeAll(async () => {
    started = await startTestCluster({
      apis: 2,
      env: {
        AUTH_RATE_LIMITS: 'off',
        SEAT_SELECT_RATE_LIMIT: 'off',
        LOG_LEVEL: 'warn',
        RELAY_LEASE_SECONDS: String(RELAY_LEASE_SECONDS),
        RELAY_INTERVAL_MS: String(RELAY_INTERVAL_MS),
        SHUTDOWN_DRAIN_MS: String(SHUTDOWN_DRAIN_MS),
      },
    });
  }, 120_000);
  afterAll(async () => {
    await started?.stop();
  });

  it('answers every buyer while each api process is restarted in turn, and sells no seat or unit twice', async () => {
    const { cluster, database } = started!;
    const base = cluster.url;
    const password = 'rolling buyer password';
    const register = async (email: string) => {
      const answer = await callJson(base, 'POST', '/api/auth/register', {}, { email, password, first_name: 'A', surname: 'B' });
      expect(answer.status).toBe(201);
      return basicHeader(email, password);
    };
    const organizer = await register('org@rolling.test');
    await sql`update identity.users set role = 'organizer' where email = 'org@rolling.test'`.execute(database.db);
    expect((await callJson(base, 'POST', '/api/organizers', organizer, { slug: 'rl', name: 'Rolling' })).status).toBe(201);
    const createEvent = async (title: string) => {
      const event = await callJson(base, 'POST', '/api/events', organizer, {
        organizer: 'rl',
        title,
        type: 'concert',
        starts_at: new Date(Date.now() + 86_400_000 * 10).toISOString(),
        policy: { one_active_booking_per_user: false, max_tickets_per_order: 10, max_tickets_per_user: null },
      });
      expect(event.status).toBe(201);
      return event.body.id as number;
    };
    const seated = await createEvent('Rolling seats');
    const layout = await callJson(base, 'POST', `/api/events/${seated}/seat-layout`, organizer, {
      zones: [{ name: 'A', price: 100, rows: 60, seats_per_row: 50 }],
    });
    expect(layout.status).toBe(201);
    const general = await createEvent('Rolling floor');
    const ticketType = await callJson(base, 'POST', `/api/events/${general}/ticket-types`, organizer, {
      type: 'standard',
      name: 'Floor',
      price: 100,
      quantity: 5_000,
    });
    expect(ticketType.status).toBe(201);
    for (const id of [seated, general])
      expect((await callJson(base, 'POST', `/api/events/${id}/publish`, organizer)).status).toBe(200);
    const seatRows = await sql<{ id: number }>`select id from sales.seats where event_id = ${seated} order by id`.execute(
      database.db,
    );
    const freeSeats = seatRows.rows.map((row) => row.id);
    expect(freeSeats).toHaveLength(3_000);

    const operations: Operation[] = [];
    let stopping = false;
    const stopped = () => stopping;
    const send = async (
      operation: Operation,
      method: string,
      path: string,
      headers: Record<string, string>,
      body: unknown,
      retry: boolean,
    ): Promise<{ status: number; body: Record<string, unknown> | undefined }> => {
      operations.push(operation);
      for (let attempt = 0; ; attempt++) {
        let answer: { status: number; body: Record<string, unknown> | undefined };
        try {
          const response = await fetch(`${base}${path}`, {
            method,
            headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          answer = { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> };
        } catch {
          answer = { status: 0, body: undefined };
        }
        operation.answers.push(answer.status);
        if (!retry || !RETRIED.has(answer.status) || attempt === 3) return answer;
        await sleep(200);
      }
    };

    const seatBuyer = async (buyer: Record<string, string>) => {
      while (!stopping && freeSeats.length > 0) {
        const key = randomUUID();
        const open: Operation = { kind: 'open', startedAt: Date.now(), answers: [], key };
        const opened = await send(
          open,
          'POST',
          '/api/bookings',
          { ...buyer, 'idempotency-key': key },
          { event_id: seated },
          true,
        );
        if (opened.status !== 201) return;
        open.bookingId = opened.body!.id as number;
        for (let seats = 0; seats < 10 && !stopped(); seats++) {
          const seatId = freeSeats.shift();
          if (seatId === undefined) return;
          const select: Operation = { kind: 'select', startedAt: Date.now(), answers: [], bookingId: open.bookingId, seatId };
          await send(select, 'PATCH', '/api/seats/select', buyer, { booking_id: open.bookingId, seat_id: seatId }, true);
          await sleep(25);
        }
      }
    };
    const unitBuyer = async (buyer: Record<string, string>) => {
      while (!stopping) {
        const key = randomUUID();
        const purchase: Operation = { kind: 'purchase', startedAt: Date.now(), answers: [], key };
        const bought = await send(
          purchase,
          'POST',
          `/api/events/${general}/tickets`,
          { ...buyer, 'idempotency-key': key },
          { ticket_type_id: ticketType.body.id, quantity: 1 },
          true,
        );
        if (bought.status === 201) purchase.bookingId = bought.body!.id as number;
        await sleep(50);
      }
    };
    const reader = async (buyer: Record<string, string>) => {
      while (!stopping) {
        const read: Operation = { kind: 'read', startedAt: Date.now(), answers: [] };
        await send(read, 'GET', `/api/seats?event_id=${seated}&status=FREE&pageSize=20`, buyer, undefined, false);
        await sleep(50);
      }
    };
    const buyers = await Promise.all(Array.from({ length: 4 }, (_, index) => register(`buyer${index}@rolling.test`)));
    const load = Promise.all([
      seatBuyer(buyers[0]!),
      seatBuyer(buyers[1]!),
      unitBuyer(buyers[2]!),
      unitBuyer(buyers[3]!),
      reader(buyers[0]!),
      reader(buyers[2]!),
    ]);

    // Each api process in turn: SIGTERM, wait for its exit, start it again, wait until it is ready.
    // Its own /readyz is watched meanwhile: it must turn 503 before the process stops answering.
    const restarts: { name: string; from: number; to: number; oldPid: number; newPid: number; readiness: string[] }[] = [];
    await sleep(1_000);
    for (const name of ['api-1', 'api-2']) {
      const before = cluster.processes.find((process) => process.name === name)!;
      const readyz = () =>
        fetch(`${before.url}/readyz`).then(
          (response) => String(response.status),
          () => 'refused',
        );
      const readiness: string[] = [await readyz()];
      let watching = true;
      const watch = (async () => {
        while (watching) {
          const status = await readyz();
          if (readiness.at(-1) !== status) readiness.push(status);
          await sleep(20);
        }
      })();
      const from = Date.now();
      const after = await cluster.restart(name);
      watching = false;
      await watch;
      restarts.push({ name, from, to: Date.now(), oldPid: before.child.pid!, newPid: after.child.pid!, readiness });
      // nginx tries a server it counted out only after fail_timeout: stopping the next one sooner
      // can leave it with none ("no live upstreams").
      await sleep(UPSTREAM_FAIL_TIMEOUT_SECONDS * 1000 + 500);
    }
    stopping = true;
    await load;

    const answered = (operation: Operation) => operation.answers.at(-1)!;
    const failed = operations.filter((operation) => answered(operation) === 0 || answered(operation) >= 500);
    const retried = operations.filter((operation) => operation.answers.length > 1);
    console.info(
      `rolling restart: ${operations.length} operations, ${retried.length} retried by the client, ` +
        `${failed.length} failed; answers seen before a retry: ${JSON.stringify(retried.map((operation) => operation.answers))}; ` +
        `restarts: ${JSON.stringify(restarts.map(({ name, from, to, readiness }) => ({ name, ms: to - from, readiness })))}`,
    );

    // Both processes were replaced, each drained (ready, then 503, then gone), and buyers were
    // buying throughout each restart.
    for (const restart of restarts) {
      expect(restart.newPid).not.toBe(restart.oldPid);
      expect(restart.readiness.slice(0, 3)).toEqual(['200', '503', 'refused']);
      const during = operations.filter((operation) => operation.startedAt >= restart.from && operation.startedAt <= restart.to);
      for (const kind of ['read', 'select', 'purchase'] as const)
        expect(during.filter((operation) => operation.kind === kind).length).toBeGreaterThan(0);
    }
    expect(failed).toEqual([]);
    // Reads are never retried by the client: nginx alone kept them whole.
    expect(operations.filter((operation) => operation.kind === 'read' && operation.answers.length > 1)).toEqual([]);
    for (const operation of operations) expect(operation.answers.at(-1)).toBeLessThan(500);
    const selects = operations.filter((operation) => operation.kind === 'select');
    expect(selects.every((operation) => answered(operation) === 200)).toBe(true);

    // Nothing sold twice, nothing lost: each seat selected is held by the booking that selected it,
    // and no other seat is held; one booking per Idempotency-Key and no more.
    const held = await sql<{ id: number; booking_id: number }>`
      select id, booking_id from sales.seats where event_id = ${seated} and booking_id is not null order by id`.execute(
      database.db,
    );
    expect(held.rows).toEqual(
      selects.map(({ seatId, bookingId }) => ({ id: seatId, booking_id: bookingId })).sort((a, b) => a.id! - b.id!),
    );
    const opened = operations.filter((operation) => operation.kind === 'open');
    const purchases = operations.filter((operation) => operation.kind === 'purchase');
    const bookingsOf = async (eventId: number) =>
      (
        await sql<{ id: number }>`select id from sales.bookings where event_id = ${eventId} order by id`.execute(database.db)
      ).rows.map((row) => row.id);
    expect(await bookingsOf(seated)).toEqual(opened.map((operation) => operation.bookingId).sort((a, b) => a! - b!));
    expect(await bookingsOf(general)).toEqual(purchases.map((operation) => operation.bookingId).sort((a, b) => a! - b!));
    const units = await sql<{ held: number; sold: number }>`
      select held, sold from sales.ticket_types where id = ${ticketType.body.id}`.execute(database.db);
    expect(units.rows[0]!.held + units.rows[0]!.sold).toBe(purchases.length);
  }, 150_000);

  it('lets the standing-by relay publish within the lease time after the active relay is killed', async () => {
    const { cluster, database } = started!;
    const holderPid = async () => {
      const lease = await sql<{ holder: string }>`select holder from platform.leases where name = 'outbox-relay'`.execute(
        database.db,
      );
      return Number(lease.rows[0]?.holder.split(':')[1]);
    };
    const relays = cluster.processes.filter((process) => process.name.startsWith('relay-'));
    const activePid = await holderPid();
    const victim = relays.find((relay) => relay.child.pid === activePid);
    const standby = relays.find((relay) => relay.child.pid !== activePid);
    expect(victim).toBeDefined();
    expect(standby).toBeDefined();

    victim!.child.kill('SIGKILL');
    await new Promise((resolve) => victim!.child.once('exit', resolve));
    const killedAt = Date.now();
    // An event committed while no relay publishes: the standby must publish it once it holds the lease.
    const marker = `relay-failover-${randomUUID()}`;
    await sql`insert into platform.outbox (type, aggregate_id, payload) values ('test.relay-failover', ${marker}, '{}'::jsonb)`.execute(
      database.db,
    );
    let takenOverAt = 0;
    let publishedAt = 0;
    while (Date.now() - killedAt < (RELAY_LEASE_SECONDS + 10) * 1000) {
      if (!takenOverAt && (await holderPid()) === standby!.child.pid) takenOverAt = Date.now();
      const published = await sql<{ published: boolean }>`
        select published_at is not null as published from platform.outbox where aggregate_id = ${marker}`.execute(database.db);
      if (published.rows[0]?.published) {
        publishedAt = Date.now();
        break;
      }
      await sleep(50);
    }
    console.info(
      `relay failover: lease ${RELAY_LEASE_SECONDS} s; standby held the lease after ${takenOverAt - killedAt} ms, published after ${publishedAt - killedAt} ms`,
    );
    expect(publishedAt).toBeGreaterThan(0);
    // Within the lease (it expires at most RELAY_LEASE_SECONDS after the dead relay's last renewal)
    // plus one polling interval and the time to publish, and not before the lease ran out: the
    // standby never published beside a live holder.
    const waited = publishedAt - killedAt;
    expect(waited).toBeLessThanOrEqual(RELAY_LEASE_SECONDS * 1000 + RELAY_INTERVAL_MS + 1_000);
    expect(waited).toBeGreaterThanOrEqual(RELAY_LEASE_SECONDS * 1000 - 2 * RELAY_INTERVAL_MS - 500);
  }, 60_000);
});
