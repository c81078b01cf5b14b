import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { EdgeCache } from './edge-cache.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server that tries the edge cache first and answers "app" (with a counter) otherwise, as createHttpApp's does. */
async function serve(edge: EdgeCache): Promise<{ url: string; appCalls: () => number }> {
  let calls = 0;
  server = createServer((request, response) => {
    if (edge.answer(request, response)) return;
    calls++;
    response.end('app');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, appCalls: () => calls };
}

/** What `store` reads of a request that a route answered. */
function answered(url: string, options: { method?: string; access?: string } = {}): FastifyRequest {
  return {
    url,
    method: options.method ?? 'GET',
    routeOptions: { config: { access: options.access ?? 'public' } },
  } as FastifyRequest;
}

describe('the edge cache', () => {
  it('answers a GET of a stored URL with its bytes, as JSON, with a request id', async () => {
    const edge = new EdgeCache();
    const { url, appCalls } = await serve(edge);
    const body = Buffer.from('[{"id":1,"title":"Концерт"}]');
    edge.store(answered('/api/events?query=a'), body, () => true);

    const response = await fetch(`${url}/api/events?query=a`, { headers: { 'x-request-id': 'given-1' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('content-length')).toBe(String(body.length));
    expect(response.headers.get('x-request-id')).toBe('given-1');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(body);
    const fresh = await fetch(`${url}/api/events?query=a`, { headers: { 'x-request-id': 'bad id!' } });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(appCalls()).toBe(0);
    expect(edge.hits).toBe(2);
  });

  it('leaves to the app other URLs, other methods, and a stored answer that is no longer current', async () => {
    const edge = new EdgeCache();
    const { url, appCalls } = await serve(edge);
    let current = true;
    edge.store(answered('/x?a=1'), Buffer.from('[]'), () => current);

    expect(await (await fetch(`${url}/x?a=2`)).text()).toBe('app');
    expect(await (await fetch(`${url}/x?a=1`, { method: 'POST', body: '{}' })).text()).toBe('app');
    expect((await fetch(`${url}/x?a=1`, { method: 'HEAD' })).headers.get('content-type')).toBeNull();
    expect(await (await fetch(`${url}/x?a=1`)).text()).toBe('[]');
    current = false;
    expect(await (await fetch(`${url}/x?a=1`)).text()).toBe('app');
    // Dropped: it is not asked again, even if it would say yes.
    current = true;
    expect(await (await fetch(`${url}/x?a=1`)).text()).toBe('app');
    expect(appCalls()).toBe(5);
    expect(edge.hits).toBe(1);
  });

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const edge = new EdgeCache(2);
    const { url } = await serve(edge);
    edge.store(answered('/a'), Buffer.from('"a"'), () => true);
    edge.store(answered('/b'), Buffer.from('"b"'), () => true);
    expect(await (await fetch(`${url}/a`)).text()).toBe('"a"'); // a hit: /a is now the most recent
    edge.store(answered('/c'), Buffer.from('"c"'), () => true); // drops /b
    const texts = await Promise.all(['/a', '/b', '/c'].map(async (path) => (await fetch(url + path)).text()));
    expect(texts).toEqual(['"a"', 'app', '"c"']);
  });

  it('refuses answers of routes that are not public, and does not keep very long URLs', async () => {
    const edge = new EdgeCache();
    const { url } = await serve(edge);
    expect(() => edge.store(answered('/mine', { access: 'optional' }), Buffer.from('{}'), () => true)).toThrow(/public/);
    edge.store(answered('/posted', { method: 'POST' }), Buffer.from('{}'), () => true);
    const long = `/a?q=${'x'.repeat(1100)}`;
    edge.store(answered(long), Buffer.from('{}'), () => true);
    for (const path of ['/mine', '/posted', long]) expect(await (await fetch(url + path)).text()).toBe('app');
  });

  it('answers nothing once closed, so the app can refuse requests while it shuts down', async () => {
    const edge = new EdgeCache();
    const { url } = await serve(edge);
    edge.store(answered('/a'), Buffer.from('"a"'), () => true);
    edge.close();
    edge.store(answered('/a'), Buffer.from('"a"'), () => true);
    expect(await (await fetch(`${url}/a`)).text()).toBe('app');
  });
});
