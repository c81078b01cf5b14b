import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes, UNDOCUMENTED_PREFIXES } from '../src/platform/http/server.ts';
import { startTestService, type TestService } from './support/service.ts';

let service: TestService;

beforeAll(async () => {
  service = await startTestService({ listen: true });
});
afterAll(async () => {
  await service.stop();
});

describe('the running service', () => {
  it('answers /healthz over a real socket', async () => {
    const response = await fetch(`${service.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('is ready when the database is reachable, migrations are applied and the bus is connected', async () => {
    const response = await fetch(`${service.baseUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', bus: 'ok', serving: 'ok' },
    });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await fetch(`${service.baseUrl}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ type: 'https://sbor.dev/problems/not-found', status: 404 });
  });

  it('lists every route in /openapi.json', async () => {
    const response = await fetch(`${service.baseUrl}/openapi.json`);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toBe('3.1.0');
    const expected = registeredRoutes(service.app)
      .filter((route) => !UNDOCUMENTED_PREFIXES.some((prefix) => route.url.startsWith(prefix)))
      // The swagger plugin writes a wildcard (the web app's /*) as {*}.
      .map((route) => `${route.method.toLowerCase()} ${route.url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}')}`)
      .sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(documented).toEqual(expected);
  });

  it('serves interactive API docs at /docs', async () => {
    const response = await fetch(`${service.baseUrl}/docs`, { redirect: 'follow' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('swagger');
  });

  it('exports request latency per route, pool and outbox figures to Prometheus', async () => {
    await fetch(`${service.baseUrl}/healthz`);
    const response = await fetch(`${service.baseUrl}/metrics`);
    const text = await response.text();
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/healthz"/);
    expect(text).toMatch(/db_pool_connections\{state="total"\} \d+/);
    expect(text).toMatch(/^outbox_backlog \d+/m);
    expect(text).toMatch(/^outbox_lag_seconds \d+/m);
  });
});

describe('a service stopping with SHUTDOWN_DRAIN_MS', () => {
  it('says not-ready and closes each connection after its answer before it stops listening', async () => {
    const draining = await startTestService({ listen: true, env: { SHUTDOWN_DRAIN_MS: '1000' } });
    const port = Number(new URL(draining.baseUrl).port);
    const { request } = await import('node:http');
    const get = (path: string) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const sent = request(
          { host: '127.0.0.1', port, path, agent: false, headers: { connection: 'keep-alive' } },
          (response) => {
            response.resume();
            response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection }));
          },
        );
        sent.on('error', reject);
        sent.end();
      });
    expect(await get('/readyz')).toEqual({ status: 200, connection: 'keep-alive' });

    const stopped = draining.stop();
    // Still listening during the drain, but not ready, and no answer keeps its connection.
    expect(await get('/readyz')).toEqual({ status: 503, connection: 'close' });
    expect(await get('/healthz')).toEqual({ status: 200, connection: 'close' });
    await stopped;
    await expect(get('/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});
