import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requestIdLogFields } from '../src/platform/context/request-context.ts';
import { createDraftEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp } from './support/users.ts';

/** Every JSON line the service logged, parsed. */
function capturingLogger() {
  const entries: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) entries.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // As createLogger in src/main.ts builds it, at debug so each delivery is logged.
  return { entries, logger: pino({ level: 'debug', mixin: requestIdLogFields }, stream) };
}

describe('the request id and the operations port', () => {
  let service: TestService;
  const log = capturingLogger();

  beforeAll(async () => {
    service = await startTestService({ listen: true, env: { METRICS_PORT: '0' }, logger: log.logger });
  });
  afterAll(async () => {
    await service.stop();
  });

  it('stamps the request id on the events a request causes and on the consumers’ log lines', async () => {
    const owner = await signUp(service.app);
    const { eventId } = await createDraftEvent(service.app, service.database, owner, {
      zones: [{ name: 'A', price: 100, rows: 1, seats_per_row: 2 }],
    });
    const requestId = 'publish-observed-1';
    const published = await service.app.inject({
      method: 'POST',
      url: `/api/events/${eventId}/publish`,
      headers: { ...owner.bearer, 'x-request-id': requestId },
    });
    expect(published.statusCode, published.body).toBe(200);

    const stamped = await sql<{ type: string; request_id: string | null }>`
      select type, request_id from platform.outbox where aggregate_id = ${String(eventId)} and type = 'event.published'`.execute(
      service.database.db,
    );
    expect(stamped.rows).toEqual([{ type: 'event.published', request_id: requestId }]);

    // The integrations event log consumes event.published: its delivery line names the request.
    await vi.waitFor(
      () =>
        expect(log.entries).toContainEqual(
          expect.objectContaining({ msg: 'event delivered', consumer: 'integrations.event-log', requestId }),
        ),
      { timeout: 10_000, interval: 50 },
    );
    // The api's own lines for the request carry it too (Fastify's reqId and the mixin's requestId).
    expect(log.entries).toContainEqual(expect.objectContaining({ reqId: requestId, requestId, msg: 'request completed' }));
  });

  it('leaves events caused by no request unstamped, and no request id on background lines', async () => {
    const before = log.entries.length;
    await service.relay.drain();
    const background = log.entries.slice(before).filter((entry) => entry.requestId !== undefined);
    expect(background).toEqual([]);
  });

  it('serves health, readiness and metrics on the operations port, and nothing else', async () => {
    const base = service.operationsAddress!;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(base).not.toBe(service.baseUrl);
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { status: 'ready', checks: { database: 'ok', migrations: 'ok', bus: 'ok', serving: 'ok' } },
    ]);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('outbox_backlog');
    const api = await fetch(`${base}/api/events`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { detail: string }).detail).toContain('only /healthz, /readyz and /metrics');
  });
});
