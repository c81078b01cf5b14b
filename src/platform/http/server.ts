import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { Metrics } from '../metrics/metrics.ts';
import { DomainError } from '../errors.ts';
import { enforceAccess, type Authenticator } from './access.ts';
import { drainOnClose } from './drain.ts';
import { EdgeCache, requestIdOf } from './edge-cache.ts';
import { runWithRequestId } from '../context/request-context.ts';
import { findUnsafeInput } from './input-guard.ts';
import { callerView } from './openapi-inputs.ts';
import { unboundedInputs } from './schema-bounds.ts';
import {
  clientErrorAnswer,
  notFoundProblem,
  PROBLEM_TYPE_BASE,
  ProblemSchema,
  problemType,
  sendProblem,
  toProblem,
} from './problem.ts';
import { addCalendarFormats } from './formats.ts';

/** The Fastify instance every module registers its routes on, typed by TypeBox schemas. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpOptions {
  logger: Logger;
  metrics: Metrics;
  publicUrl: string;
  version: string;
  /** Resolves credentials for routes that need them; without one, no request is authenticated. */
  authenticate?: Authenticator;
}

/** Routes that serve the docs themselves; everything else must appear in /openapi.json. */
export const UNDOCUMENTED_PREFIXES = ['/docs', '/openapi.json'];

export interface RegisteredRoute {
  method: string;
  url: string;
}

const routesByApp = new WeakMap<object, RegisteredRoute[]>();
const edgeCaches = new WeakMap<object, EdgeCache>();
const drainStarts = new WeakMap<object, () => void>();

/** Every route registered on the app (HEAD twins excluded), for checks such as "all are documented". */
export function registeredRoutes(app: App): RegisteredRoute[] {
  return routesByApp.get(app) ?? [];
}

/** The app's edge cache, where routes store answers to repeat before Fastify sees the request. */
export function edgeCacheOf(app: App): EdgeCache {
  const cache = edgeCaches.get(app);
  if (!cache) throw new Error('edgeCacheOf: not an app built by createHttpApp');
  return cache;
}

/**
 * The first step of a graceful stop, while the server still listens: from now on every answer
 * (the edge cache's too) closes its connection, and so do the answers already being written. A
 * load balancer's kept-alive connections to this process are thus retired one answer at a time,
 * instead of being cut when the server closes (nginx does not re-send a POST it has passed on).
 */
export function closeConnectionsAfterAnswers(app: App): void {
  drainStarts.get(app)?.();
}

/**
 * Builds the HTTP server shell: request ids, problem+json for every error, schema validation that
 * rejects unknown body properties, metrics, and the OpenAPI document generated from route schemas.
 * Modules add their routes afterwards; call `app.ready()` when all are registered.
 */
export async function createHttpApp(options: HttpOptions): Promise<App> {
  // Typed as Fastify's logger so the instance's type is the shared App type, not pino-specific.
  const logger: FastifyBaseLogger = options.logger;
  const edgeCache = new EdgeCache();
  let drain = () => {};
  let draining = false;
  const app = Fastify({
    loggerInstance: logger,
    // The edge cache answers what it can before Fastify's per-request work; the rest goes on to it.
    serverFactory: (handler, serverOptions) => {
      const server = createServer((request, response) => {
        if (draining) response.setHeader('connection', 'close');
        if (!edgeCache.answer(request, response)) handler(request, response);
      });
      // What Fastify does to the servers it creates itself (lib/server.js), with its defaults filled in.
      // (With a factory, Fastify binds one address: HOST=localhost listens on 127.0.0.1 or ::1, not both.)
      const filled = serverOptions as Record<
        'keepAliveTimeout' | 'requestTimeout' | 'connectionTimeout' | 'maxRequestsPerSocket',
        number
      >;
      server.keepAliveTimeout = filled.keepAliveTimeout;
      server.requestTimeout = filled.requestTimeout;
      server.setTimeout(filled.connectionTimeout);
      if (filled.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = filled.maxRequestsPerSocket;
      drain = drainOnClose(server);
      return server;
    },
    genReqId: requestIdOf,
    return503OnClosing: true,
    // The router's own refusals (a malformed percent-encoding, a path parameter over 100
    // characters) are problems like any other 4xx, not Fastify's plain JSON.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      request.log.info({ problem: error.code, detail: error.message }, 'request rejected');
      void sendProblem(reply, toProblem(error, request));
    },
    // So are the HTTP parser's, which come before any request exists (431 for headers over 16 KiB).
    clientErrorHandler: (error, socket) => {
      const answer = socket.destroyed ? undefined : clientErrorAnswer(error, randomUUID());
      if (answer && socket.writable) socket.write(answer);
      socket.destroy(error);
    },
    ajv: {
      customOptions: {
        // Unknown properties are an error the client should hear about, not something to drop silently.
        removeAdditional: false,
        allErrors: true,
      },
      onCreate: addCalendarFormats,
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routes: RegisteredRoute[] = [];
  routesByApp.set(app, routes);
  edgeCaches.set(app, edgeCache);
  drainStarts.set(app, () => {
    draining = true;
    drain();
  });
  app.addHook('preClose', (done) => {
    edgeCache.close();
    drain();
    done();
  });
  let reportedHits = 0;
  new Counter({
    name: 'http_edge_cache_hits_total',
    help: 'Requests answered by the edge cache (not in the latency histogram).',
    registers: [options.metrics.registry],
    collect() {
      this.inc(edgeCache.hits - reportedHits);
      reportedHits = edgeCache.hits;
    },
  });
  app.addHook('onRoute', (route) => {
    const name = `${[route.method].flat().join(',')} ${route.url}`;
    const body = route.schema?.body as { type?: string; additionalProperties?: unknown } | undefined;
    if (body?.type === 'object' && body.additionalProperties !== false) {
      throw new Error(`${name}: body schemas must set additionalProperties: false`);
    }
    const unbounded = (['params', 'querystring', 'headers', 'body'] as const).flatMap((part) =>
      unboundedInputs(route.schema?.[part], part),
    );
    if (unbounded.length > 0) {
      throw new Error(`${name}: every input has a bound (see schema-bounds.ts): ${unbounded.join('; ')}`);
    }
    const documented = !UNDOCUMENTED_PREFIXES.some((prefix) => route.url.startsWith(prefix));
    if (documented && !route.schema?.response) {
      throw new Error(`${name}: every route declares its response schema`);
    }
    const access = route.config?.access;
    if (documented && !access) {
      throw new Error(`${name}: every route declares config.access (public, optional, user, organizer or admin)`);
    }
    if (access && access !== 'public' && route.schema) {
      route.schema.security = [{ bearerAuth: [] }, { basicAuth: [] }];
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url });
    }
  });

  const authenticate: Authenticator = options.authenticate ?? (async () => undefined);
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    await enforceAccess(request, authenticate);
  });

  // An empty body labelled JSON (clients that set the header on every request, a scanner posting
  // the code alone) is no body, as if the header were absent — not Fastify's 400 "Body cannot be
  // empty". Anything else goes to Fastify's own parser, prototype-poisoning checks and all.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString(); // a string already (parseAs); the type also allows a Buffer
    if (text === '') done(null, undefined);
    else void parseJson(request, text, done); // calls done itself
  });

  // A POST without a body (an action like /cancel) is validated as an empty object, so optional
  // fields default and a missing required one is named, instead of "body must be object".
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });

  // What the schemas cannot say or Ajv skips: non-finite numbers, NUL, lone surrogates, deep
  // nesting (see input-guard.ts). After validation, so coerced values are seen as the handler sees them.
  app.addHook('preHandler', async (request) => {
    const issue =
      findUnsafeInput('params', request.params) ??
      findUnsafeInput('querystring', request.query) ??
      findUnsafeInput('body', request.body);
    if (issue) {
      throw new DomainError('invalid', 'validation-error', `${issue.field} ${issue.message}`, { errors: [issue] });
    }
  });

  // The handler and everything it starts run as done for this request: the outbox stamps its id
  // on the events they cause and every log line carries it (platform/context). A callback hook,
  // and the last one before the handler, so the handler runs inside `run` itself (body parsing
  // happens on the socket's callbacks, outside any context an earlier hook could set).
  app.addHook('preHandler', (request, _reply, done) => runWithRequestId(request.id, done));

  app.addHook('onResponse', async (request, reply) => {
    options.metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error as Error, request);
    const override = request.routeOptions.config.problemStatus?.[problem.type.slice(PROBLEM_TYPE_BASE.length)];
    const body = override ? { ...problem, status: override } : problem;
    if (body.status === 401) reply.header('www-authenticate', 'Bearer realm="sbor", Basic realm="sbor", charset="UTF-8"');
    if ((body.status === 429 || body.status === 503) && typeof body.retry_after === 'number')
      reply.header('retry-after', String(body.retry_after));
    if (body.type === problemType('database-unavailable'))
      request.log.warn({ err: error }, 'request failed: database unavailable');
    else if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ problem: body.type, detail: body.detail }, 'request rejected');
    return sendProblem(reply, body);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, notFoundProblem(request)));

  app.addSchema(ProblemSchema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Sbor API', version: options.version, description: 'Event ticketing and booking.' },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          basicAuth: { type: 'http', scheme: 'basic', description: 'email:password (the HackLoad contract)' },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`),
    },
    // What callers must send, not what validation lists (defaults filled in, empty bodies allowed).
    transformObject: (document) => ('openapiObject' in document ? callerView(document.openapiObject) : document.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  return app;
}
