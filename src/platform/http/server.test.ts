import { Agent, createServer, get as httpGet, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import Fastify from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { freePort } from '../../../test/support/ports.ts';
import { DomainError } from '../errors.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { DATABASE_RETRY_AFTER_SECONDS, PROBLEM_TYPE_BASE } from './problem.ts';
import { createHttpApp, edgeCacheOf, type App } from './server.ts';
import { sendJsonBytes } from './shared-json.ts';

let database: TestDatabase;
let app: App;

/** An HTTP shell with no routes of its own. */
const newApp = () =>
  createHttpApp({
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ pool: database.pool, db: database.db }),
    publicUrl: 'http://localhost:3000',
    version: 'test',
  });

beforeAll(async () => {
  database = await createTestDatabase();
  app = await newApp();
  app.post(
    '/widgets/:id',
    {
      config: { access: 'public' },
      schema: {
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 1000 }) }),
        querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            size: Type.Integer({ minimum: 0, maximum: 100 }),
            tags: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 5 })),
            extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ id: Type.Integer(), name: Type.String() }) },
      },
    },
    async (request) => {
      if (request.body.name === 'taken')
        throw new DomainError('conflict', 'widget-taken', 'That widget is taken.', { holder: 7 });
      if (request.body.name === 'explode') throw new Error('connection string postgres://secret@db leaked');
      if (request.body.name === 'upstream')
        throw new DomainError('bad-gateway', 'upstream-error', 'The service we called answered badly.');
      return { id: request.params.id, name: request.body.name, internal: 'not in schema' };
    },
  );
  app.get(
    '/things',
    {
      config: { access: 'public' },
      schema: {
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 10 })) }),
        response: { 200: Type.Object({}) },
      },
    },
    async () => ({}),
  );
  app.get(
    '/from-a-stopped-database',
    { config: { access: 'public' }, schema: { response: { 200: Type.Object({}) } } },
    async () => {
      // A real connection attempt to a port nothing listens on: what a restarting PostgreSQL gives.
      const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/postgres` });
      try {
        await pool.query('select 1');
        return {};
      } finally {
        await pool.end();
      }
    },
  );
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await database.close();
});

const json = { 'content-type': 'application/json' };

interface OperationDoc {
  parameters: { in: string; name: string; required: boolean }[];
  requestBody: {
    required: boolean;
    content: Record<string, { schema: { required?: string[]; properties: Record<string, { items: { required?: string[] } }> } }>;
  };
}

describe('the HTTP shell', () => {
  it('answers an unknown route with a 404 problem', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ type: `${PROBLEM_TYPE_BASE}not-found`, status: 404, title: 'Not Found' });
  });

  it('answers an error of kind bad-gateway with a 502 problem, with no route mapping it', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/widgets/1',
      headers: json,
      payload: { name: 'upstream', size: 1 },
    });
    expect(response.statusCode).toBe(502);
    expect(response.json()).toMatchObject({ type: `${PROBLEM_TYPE_BASE}upstream-error`, status: 502, title: 'Bad Gateway' });
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const response = await app.inject({ method: 'POST', url: '/widgets/1', headers: json, payload: '{"name": ' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ type: `${PROBLEM_TYPE_BASE}malformed-body`, status: 400 });
  });

  it('takes an empty JSON body as no body: the missing fields are named, and prototype poisoning is still refused', async () => {
    for (const headers of [json, {}]) {
      const response = await app.inject({ method: 'POST', url: '/widgets/1', headers, payload: '' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ type: `${PROBLEM_TYPE_BASE}validation-error` });
      expect(response.json<{ detail: string }>().detail).toMatch(/name/);
    }
    const poisoned = await app.inject({
      method: 'POST',
      url: '/widgets/1',
      headers: json,
      payload: '{"name":"a","size":1,"extra":{"__proto__":{"x":1}}}',
    });
    expect(poisoned.statusCode).toBe(400);
    expect(poisoned.json()).toMatchObject({ type: `${PROBLEM_TYPE_BASE}malformed-body` });
  });

  it('names every invalid field in a validation problem', async () => {
    const response = await app.inject({ method: 'POST', url: '/widgets/1', headers: json, payload: { name: '', size: 'big' } });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ type: string; errors: { field: string }[]; detail: string }>();
    expect(body.type).toBe(`${PROBLEM_TYPE_BASE}validation-error`);
    expect(body.errors.map((error) => error.field).sort()).toEqual(['body/name', 'body/size']);
    expect(body.detail).toContain('body/size');
  });

  it('names a missing property and an invalid path parameter', async () => {
    const missing = await app.inject({ method: 'POST', url: '/widgets/1', headers: json, payload: { name: 'a' } });
    expect(missing.json<{ errors: { field: string }[] }>().errors.map((error) => error.field)).toEqual(['body/size']);
    const badParam = await app.inject({ method: 'POST', url: '/widgets/0', headers: json, payload: { name: 'a', size: 1 } });
    expect(badParam.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('params/id');
  });

  it('rejects unknown body properties instead of ignoring them', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/widgets/1',
      headers: json,
      payload: { name: 'a', size: 1, admin: true },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: unknown[] }>().errors).toEqual([{ field: 'body/admin', message: 'is not a known property' }]);
  });

  it('refuses at start a route whose body schema would let unknown properties through', async () => {
    const other = await newApp();
    expect(() =>
      other.post(
        '/loose',
        { config: { access: 'public' }, schema: { body: Type.Object({ a: Type.String() }) } },
        async () => ({}),
      ),
    ).toThrow(/additionalProperties: false/);
    await other.close();
  });

  it('refuses at start a route whose inputs are not all bounded, naming each', async () => {
    const other = await newApp();
    expect(() =>
      other.post(
        '/unbounded/:id',
        {
          config: { access: 'public' },
          schema: {
            params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
            querystring: Type.Object({ page: Type.Integer({ minimum: 1, maximum: 2 ** 60 }), q: Type.String() }),
            body: Type.Object(
              { price: Type.Number({ maximum: 10 }), ids: Type.Array(Type.Integer({ minimum: 1, maximum: 9 })) },
              { additionalProperties: false },
            ),
            response: { 200: Type.Object({}) },
          },
        },
        async () => ({}),
      ),
    ).toThrow(
      'params/id: a number with no maximum within ±(2^53 − 1); querystring/page: a number with no maximum within ±(2^53 − 1); ' +
        'querystring/q: a string with no maxLength; body/price: a number with no minimum within ±(2^53 − 1); ' +
        'body/ids: an array with no maxItems',
    );
    await other.close();
  });

  it.each([
    ['a path parameter', '/widgets/Infinity', { name: 'a', size: 1 }, 'params/id'],
    ['a query parameter', '/widgets/1?page=-Infinity', { name: 'a', size: 1 }, 'querystring/page'],
    ['a body property', '/widgets/1', { name: 'a', size: 'Infinity' }, 'body/size'],
  ])('refuses Infinity in %s, which the validator coerces and then skips the bounds of', async (_where, url, payload, field) => {
    const response = await app.inject({ method: 'POST', url, headers: json, payload });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      type: `${PROBLEM_TYPE_BASE}validation-error`,
      errors: [{ field, message: 'must be a finite number' }],
    });
  });

  it.each([
    ['a NUL character in a nested value', '/widgets/1', '{"name":"a","size":1,"extra":{"k":"a\\u0000b"}}', 'body/extra/k', 'NUL'],
    ['a NUL character in a property name', '/widgets/1', '{"name":"a","size":1,"extra":{"a\\u0000":1}}', 'body/extra', 'NUL'],
    ['a lone surrogate', '/widgets/1', '{"name":"\\ud800x","size":1}', 'body/name', 'lone surrogates'],
    ['a lone surrogate in an array', '/widgets/1', '{"name":"a","size":1,"tags":["\\udc00"]}', 'body/tags/0', 'lone surrogates'],
    [
      '1e400, which JSON.parse reads as Infinity',
      '/widgets/1',
      '{"name":"a","size":1,"extra":{"n":1e400}}',
      'body/extra/n',
      'finite',
    ],
    [
      'nesting deeper than 32 levels',
      '/widgets/1',
      `{"name":"a","size":1,"extra":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`,
      'body/extra',
      'deeper',
    ],
  ])('refuses %s with a validation problem naming the field', async (_what, url, payload, field, words) => {
    const response = await app.inject({ method: 'POST', url, headers: json, payload });
    expect(response.statusCode, response.body).toBe(400);
    const body = response.json<{ type: string; errors: { field: string; message: string }[] }>();
    expect(body.type).toBe(`${PROBLEM_TYPE_BASE}validation-error`);
    expect(body.errors[0]?.field.startsWith(field), body.errors[0]?.field).toBe(true);
    expect(body.errors[0]?.message).toContain(words);
  });

  it('refuses a NUL character in a query string', async () => {
    const response = await app.inject({ method: 'GET', url: '/things?q=a%00b' });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ errors: [{ field: 'querystring/q', message: 'must not contain NUL characters' }] });
  });

  it('answers a malformed percent-encoding in the path with a 400 problem and the request id', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/widgets/%E0%A4%A',
      headers: { ...json, 'x-request-id': 'bad-url-1' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['x-request-id']).toBe('bad-url-1');
    expect(response.json()).toMatchObject({ type: `${PROBLEM_TYPE_BASE}malformed-url`, status: 400, request_id: 'bad-url-1' });
  });

  it('answers a path parameter over 100 characters with a 414 problem', async () => {
    const response = await app.inject({ method: 'POST', url: `/widgets/${'1'.repeat(101)}`, headers: json, payload: {} });
    expect(response.statusCode).toBe(414);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ type: `${PROBLEM_TYPE_BASE}uri-too-long`, status: 414, title: 'URI Too Long' });
  });

  it('answers headers over 16 KiB (a huge query string) with a 431 problem carrying a request id', async () => {
    const other = await newApp();
    other.get('/things', { config: { access: 'public' }, schema: { response: { 200: Type.Object({}) } } }, async () => ({}));
    const address = await other.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${address}/things?q=${'x'.repeat(20_000)}`);
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await response.json()) as { type: string; status: number; request_id: string };
    expect(body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}headers-too-large`, status: 431 });
    expect(body.request_id).toBe(response.headers.get('x-request-id'));
    await other.close();
  });

  it('documents a defaulted field and a body with nothing required as optional, while validation still fills the default', async () => {
    const other = await newApp();
    other.post(
      '/tasks/:id',
      {
        config: { access: 'public' },
        schema: {
          params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 1000 }) }),
          querystring: Type.Object({
            page: Type.Integer({ minimum: 1, maximum: 100, default: 1 }),
            mode: Type.String({ maxLength: 10 }),
          }),
          body: Type.Object(
            {
              quantity: Type.Integer({ minimum: 1, maximum: 10, default: 1 }),
              labels: Type.Optional(
                Type.Array(
                  Type.Object({ name: Type.String({ maxLength: 10 }), color: Type.String({ maxLength: 7, default: '#000000' }) }),
                  {
                    maxItems: 5,
                  },
                ),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ page: Type.Integer(), quantity: Type.Integer() }, { required: ['page', 'quantity'] }) },
        },
      },
      async (request) => ({ page: request.query.page, quantity: request.body.quantity }),
    );
    other.post(
      '/orders',
      {
        config: { access: 'public' },
        schema: {
          body: Type.Object({ item: Type.String({ maxLength: 10 }) }, { additionalProperties: false }),
          response: { 200: Type.Object({}) },
        },
      },
      async () => ({}),
    );
    await other.ready();
    const document = (await other.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, { post: OperationDoc }>;
    }>();
    const tasks = document.paths['/tasks/{id}']!.post;
    expect(tasks.parameters.map((parameter) => [parameter.in, parameter.name, parameter.required])).toEqual([
      ['query', 'page', false],
      ['query', 'mode', true],
      ['path', 'id', true],
    ]);
    const body = tasks.requestBody.content['application/json']!.schema;
    expect(tasks.requestBody.required).toBe(false);
    expect(body.required).toBeUndefined();
    expect(body.properties.labels!.items.required).toEqual(['name']);
    const orders = document.paths['/orders']!.post;
    expect(orders.requestBody.required).toBe(true);
    expect(orders.requestBody.content['application/json']!.schema.required).toEqual(['item']);
    // Only the document changed: validation still fills the defaults and still wants the rest.
    const filled = await other.inject({ method: 'POST', url: '/tasks/3?mode=a' });
    expect(filled.json()).toEqual({ page: 1, quantity: 1 });
    expect((await other.inject({ method: 'POST', url: '/tasks/3' })).statusCode).toBe(400);
    expect((await other.inject({ method: 'POST', url: '/orders', headers: json, payload: {} })).statusCode).toBe(400);
    await other.close();
  });

  it('maps a domain error to its status and stable type with its details', async () => {
    const response = await app.inject({ method: 'POST', url: '/widgets/1', headers: json, payload: { name: 'taken', size: 1 } });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      type: `${PROBLEM_TYPE_BASE}widget-taken`,
      detail: 'That widget is taken.',
      holder: 7,
    });
  });

  it('hides the internals of an unexpected error behind a 500 problem with the request id', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/widgets/1',
      headers: json,
      payload: { name: 'explode', size: 1 },
    });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
    const body = response.json<{ type: string; request_id: string; detail: string }>();
    expect(body.type).toBe(`${PROBLEM_TYPE_BASE}internal-error`);
    expect(body.request_id).toBe(response.headers['x-request-id']);
    expect(body.detail).toContain(body.request_id);
  });

  it('answers 503 database-unavailable with Retry-After, not 500, when the database refuses connections', async () => {
    const response = await app.inject({ method: 'GET', url: '/from-a-stopped-database' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
    expect(response.json()).toMatchObject({ type: `${PROBLEM_TYPE_BASE}database-unavailable`, status: 503 });
  });

  it('serializes responses through their schema, dropping undeclared fields', async () => {
    const response = await app.inject({ method: 'POST', url: '/widgets/5', headers: json, payload: { name: 'ok', size: 1 } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 5, name: 'ok' });
  });

  it('puts a request id on every response and keeps a well-formed one from the caller', async () => {
    const generated = await app.inject({ method: 'GET', url: '/nope' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers['x-request-id']).toBe('trace-123');
    expect(given.json<{ request_id: string }>().request_id).toBe('trace-123');
    const hostile = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'a b\nc' } });
    expect(hostile.headers['x-request-id']).not.toBe('a b\nc');
  });

  it('gives its own server the settings Fastify gives the servers it creates, and answers a stored page from the edge', async () => {
    const plain = Fastify();
    const other = await newApp();
    let calls = 0;
    other.get(
      '/page',
      { config: { access: 'public' }, schema: { response: { 200: Type.Array(Type.Integer()) } } },
      async (request, reply) => {
        calls++;
        edgeCacheOf(other).store(request, Buffer.from('[1]'), () => true);
        return sendJsonBytes(reply, Buffer.from('[1]'));
      },
    );
    const address = await other.listen({ host: '127.0.0.1', port: 0 });
    await plain.listen({ host: '127.0.0.1', port: 0 });
    // Every setting of the server, not only the four server.ts copies: a Fastify that starts setting
    // another (or passing options to createServer) makes the two differ here.
    expect(serverSettings(other.server)).toEqual(serverSettings(plain.server));
    // And Fastify's own listeners on it; the edge's server adds one 'connection' listener (drain.ts).
    expect(listenerCounts(other.server)).toEqual({
      ...listenerCounts(plain.server),
      connection: listenerCounts(plain.server).connection! + 1,
    });
    await fetch(`${address}/page`);
    expect(await (await fetch(`${address}/page`)).json()).toEqual([1]);
    expect(calls).toBe(1);

    await other.close();
    await plain.close();
  });

  it('is handed by Fastify the server settings server.ts copies, with their defaults filled in, and nothing else to apply', async () => {
    // What server.ts's serverFactory reads (its cast to numbers), and what Fastify would otherwise
    // give http.createServer itself: http/https/http2 options, which the edge's server would miss.
    let handed: Record<string, unknown> | undefined;
    const recording = Fastify({
      serverFactory: (handler, options) => {
        handed = options;
        return createServer(handler);
      },
    });
    await recording.ready();
    expect(handed).toMatchObject({ keepAliveTimeout: 72_000, requestTimeout: 0, connectionTimeout: 0, maxRequestsPerSocket: 0 });
    expect([handed?.http, handed?.https, handed?.http2]).toEqual([undefined, undefined, undefined]);
    await recording.close();
  });

  it('repeats from the edge, byte for byte, the answer Fastify sent (but for the Date header)', async () => {
    const other = await newApp();
    const body = Buffer.from('[{"id":1,"title":"Концерт"}]');
    let calls = 0;
    other.get(
      '/page',
      {
        config: { access: 'public' },
        schema: { response: { 200: Type.Array(Type.Object({ id: Type.Integer(), title: Type.String() })) } },
      },
      async (request, reply) => {
        calls++;
        edgeCacheOf(other).store(request, body, () => true);
        return sendJsonBytes(reply, body);
      },
    );
    const address = new URL(await other.listen({ host: '127.0.0.1', port: 0 }));
    // One kept-alive connection, as a browser or load generator would use: the keep-alive headers count too.
    const socket = connect(Number(address.port), address.hostname);
    const answers = await exchange(socket, 2, 'GET /page HTTP/1.1\r\nHost: sbor\r\nX-Request-Id: same-id\r\n\r\n');
    socket.destroy();
    expect(calls).toBe(1); // the first from Fastify, the second from the edge
    expect(edgeCacheOf(other).hits).toBe(1);
    const withoutDate = (answer: string) => answer.replace(/^date: .*\r\n/im, '');
    expect(withoutDate(answers[0]!)).toContain('Keep-Alive: timeout=72');
    expect(withoutDate(answers[1]!)).toBe(withoutDate(answers[0]!));
    await other.close();
  });

  it('closes once the answers in flight are sent, without waiting out the keep-alive of their connections', async () => {
    const other = await newApp();
    let arrivals = 0;
    let allArrived!: () => void;
    const bothArrived = new Promise<void>((resolve) => (allArrived = resolve));
    const arrive = () => ++arrivals === 2 && allArrived();
    const tick = () => new Promise((resolve) => setTimeout(resolve, 200));
    // One answer not started when the close begins, one already streaming (its headers sent).
    other.get('/slow', { config: { access: 'public' }, schema: { response: { 200: Type.String() } } }, async () => {
      arrive();
      await tick();
      return 'done';
    });
    other.get('/stream', { config: { access: 'public' }, schema: { response: { 200: Type.String() } } }, (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/plain' });
      reply.raw.write('part ');
      arrive();
      void tick().then(() => reply.raw.end('end'));
    });
    const address = await other.listen({ host: '127.0.0.1', port: 0 });
    const agent = new Agent({ keepAlive: true });
    const fetchOver = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        httpGet(`${address}${path}`, { agent }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
          response.on('error', reject);
        }).on('error', reject);
      });
    const answers = Promise.all([fetchOver('/slow'), fetchOver('/stream')]);
    await bothArrived;

    const closing = other.close().then(() => 'closed' as const);
    // Fastify keeps idle connections for 72 s; if an answered connection stayed open, the close would still be waiting.
    const outcome = await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 5_000, 'waiting'))]);
    const answered = await answers;
    agent.destroy();
    expect(outcome).toBe('closed');
    expect(answered).toEqual([
      { status: 200, body: 'done' },
      { status: 200, body: 'part end' },
    ]);
  });
});

/** A server's own settings (timeouts, limits, parser options): every primitive field that is not private. */
function serverSettings(server: Server): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(server).filter(
      ([key, value]) =>
        !key.startsWith('_') && (value === null || ['number', 'boolean', 'string', 'undefined'].includes(typeof value)),
    ),
  );
}

function listenerCounts(server: Server): Record<string, number> {
  return Object.fromEntries(server.eventNames().map((name) => [String(name), server.listenerCount(name)]));
}

/** Sends `request` `count` times over one connection, one after the other, and returns each raw answer. */
async function exchange(socket: Socket, count: number, request: string): Promise<string[]> {
  const answers: string[] = [];
  let buffered = Buffer.alloc(0);
  let answered: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const headEnd = buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const length = Number(/^content-length: (\d+)$/im.exec(buffered.subarray(0, headEnd).toString())?.[1]);
    if (buffered.length < headEnd + 4 + length) return;
    answers.push(buffered.subarray(0, headEnd + 4 + length).toString());
    buffered = buffered.subarray(headEnd + 4 + length);
    answered?.();
  });
  for (let sent = 0; sent < count; sent++) {
    await new Promise<void>((resolve) => {
      answered = resolve;
      socket.write(request);
    });
  }
  return answers;
}
