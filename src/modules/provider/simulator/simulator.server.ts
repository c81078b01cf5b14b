import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyReply } from 'fastify';
import { Type } from 'typebox';
import {
  DEFAULT_PAGE_SIZE,
  isUuid,
  ProviderSimulator,
  SWITCH_LIMITS,
  type SimulatorAnswer,
  type SimulatorSwitches,
} from './simulator.ts';

/**
 * The simulator's HTTP face: the Partner API exactly as the real provider serves it (paths,
 * statuses, errors without a body), plus simulator-only switches under /simulator. It is its own
 * Fastify app, never mounted on the service: its answers (bodiless 500s, 422 for a bad body) are
 * the peer's protocol, not ours, and must not meet the service's problem+json error mapper.
 */

const PARTNER = '/api/partners/v1';

function send(reply: FastifyReply, answer: SimulatorAnswer): FastifyReply {
  reply.code(answer.status);
  return answer.body === undefined ? reply.send() : reply.send(answer.body);
}

/** Java's Integer.parseInt: a missing value is the default, anything but an integer throws (the real one answers 500). */
function integerParameter(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[+-]?\d{1,10}$/.test(value)) return undefined;
  const parsed = Number(value);
  return parsed > 2 ** 31 - 1 || parsed < -(2 ** 31) ? undefined : parsed;
}

const SwitchesBody = Type.Object(
  {
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: SWITCH_LIMITS.latencyMs })),
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** An outage starting now and lasting this long (0 ends one). */
    outageMs: Type.Optional(Type.Integer({ minimum: 0, maximum: SWITCH_LIMITS.outageMs })),
    lagMs: Type.Optional(Type.Integer({ minimum: 0, maximum: SWITCH_LIMITS.lagMs })),
    raceWindowMs: Type.Optional(Type.Integer({ minimum: 0, maximum: SWITCH_LIMITS.raceWindowMs })),
    dropAnswers: Type.Optional(Type.Integer({ minimum: 0, maximum: SWITCH_LIMITS.dropAnswers })),
  },
  { additionalProperties: false },
);

export function buildProviderSimulatorApp(simulator: ProviderSimulator) {
  const app = Fastify({
    // No request log: tens of thousands of calls a second in a rush, a log line each would cost
    // more than the call. The command logs its start; the answers are the protocol's.
    logger: false,
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // As the real one: a body it cannot read is a 422, anything else that goes wrong a 500; never a body.
  app.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? 422 : 500;
    return reply.code(status).send();
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send());

  // Every Partner API call passes the switches first (outage, error rate, latency).
  app.addHook('preHandler', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    const refused = await simulator.gate();
    if (refused) return send(reply, refused);
  });

  // A lost answer: the change is carried out, then the connection is dropped before the reply.
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.method === 'GET' || !request.url.startsWith('/api/') || simulator.switches.dropAnswers <= 0) return payload;
    simulator.switches.dropAnswers -= 1;
    request.raw.socket.destroy();
    return payload;
  });

  app.post(`${PARTNER}/orders`, async (_request, reply) => send(reply, simulator.startOrder()));
  app.get<{ Params: { id: string } }>(`${PARTNER}/orders/:id`, async (request, reply) =>
    send(reply, isUuid(request.params.id) ? simulator.getOrder(request.params.id) : { status: 404 }),
  );
  for (const action of ['submit', 'confirm', 'cancel'] as const) {
    app.patch<{ Params: { id: string } }>(`${PARTNER}/orders/:id/${action}`, async (request, reply) => {
      const { id } = request.params;
      // UUID.fromString outside the real handler's try: a malformed id is a 500.
      if (!isUuid(id)) return send(reply, { status: 500 });
      const answer =
        action === 'submit'
          ? simulator.submitOrder(id)
          : action === 'confirm'
            ? simulator.confirmOrder(id)
            : simulator.cancelOrder(id);
      return send(reply, answer);
    });
  }
  app.get<{ Querystring: Record<string, string> }>(`${PARTNER}/places`, async (request, reply) => {
    const page = integerParameter(request.query.page, 1);
    const pageSize = integerParameter(request.query.pageSize, DEFAULT_PAGE_SIZE);
    if (page === undefined || pageSize === undefined || pageSize < 0) return send(reply, { status: 500 });
    return send(reply, simulator.listPlaces(page, pageSize));
  });
  app.get<{ Params: { id: string } }>(`${PARTNER}/places/:id`, async (request, reply) =>
    send(reply, isUuid(request.params.id) ? simulator.getPlace(request.params.id) : { status: 404 }),
  );
  app.patch<{ Params: { id: string }; Body: unknown }>(`${PARTNER}/places/:id/select`, async (request, reply) => {
    const body = request.body as { order_id?: unknown } | null | undefined;
    if (!isUuid(request.params.id) || !isUuid(body?.order_id)) return send(reply, { status: 422 });
    return send(reply, await simulator.selectPlace(request.params.id, body.order_id));
  });
  app.patch<{ Params: { id: string }; Body: unknown }>(`${PARTNER}/places/:id/release`, async (request, reply) => {
    if (!isUuid(request.params.id)) return send(reply, { status: 500 });
    // The real call has no body; an order_id, when given, must be the one the place is selected for (else 403).
    const orderId = (request.body as { order_id?: unknown } | null | undefined)?.order_id;
    return send(reply, simulator.releasePlace(request.params.id, isUuid(orderId) ? orderId : undefined));
  });
  app.post<{ Body: unknown }>('/api/admin/v1/places', async (request, reply) => {
    const body = request.body as { row?: unknown; seat?: unknown } | null | undefined;
    const valid = (value: unknown): value is number =>
      Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 1_000_000;
    if (!valid(body?.row) || !valid(body.seat)) return send(reply, { status: 422 });
    return send(reply, simulator.createPlace(body.row, body.seat));
  });

  // Simulator-only switches: no real provider has these. Bounded, so a caller cannot hurt the process.
  app.get('/simulator/switches', async () => simulator.switches);
  app.put('/simulator/switches', { schema: { body: SwitchesBody } }, async (request) => {
    const { outageMs, ...rest } = request.body;
    const changes: Partial<SimulatorSwitches> = { ...rest };
    if (outageMs !== undefined) changes.outageUntil = outageMs === 0 ? 0 : Date.now() + outageMs;
    return simulator.setSwitches(changes);
  });
  app.post('/simulator/reset', async (_request, reply) => {
    simulator.reset();
    return reply.code(204).send();
  });
  app.get('/simulator/stats', async () => ({ places: simulator.placeCount, ...simulator.counters }));
  app.get('/simulator/orders', async () => simulator.allOrders());
  app.get<{ Params: { id: string } }>('/simulator/orders/:id/places', async (request, reply) => {
    if (!isUuid(request.params.id) || simulator.getOrder(request.params.id).status !== 200) return reply.code(404).send();
    return simulator.placesOfOrder(request.params.id);
  });
  app.addHook('onClose', async () => simulator.close());
  return app;
}

export interface SimulatorServer {
  /** Base URL: point PROVIDER_URL at it. */
  url: string;
  simulator: ProviderSimulator;
  close(): Promise<void>;
}

/** The simulator as its own HTTP server (`sbor provider-simulator`, and tests that want a real network hop). */
export async function startProviderSimulatorServer(options: {
  port: number;
  host: string;
  layout?: { rows: number; seatsPerRow: number };
}): Promise<SimulatorServer> {
  const simulator = new ProviderSimulator(options.layout ? { layout: options.layout } : {});
  const app = buildProviderSimulatorApp(simulator);
  const url = await app.listen({ port: options.port, host: options.host });
  return { url, simulator, close: () => app.close() };
}
