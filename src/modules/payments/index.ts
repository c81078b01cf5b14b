import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Bus } from '../../platform/bus/index.ts';
import type { App } from '../../platform/http/server.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { AcquiringGatewayClient, type HttpCall, type PaymentGateway } from './payments.gateway.ts';
import { registerPaymentsRoutes } from './payments.routes.ts';
import { registerSandboxRoutes, SANDBOX_PREFIX, SandboxGateway } from './payments.sandbox.ts';
import type { PayableOrders } from './payments.ports.ts';
import { PaymentsService } from './payments.service.ts';
import './payments.events.ts';

export { paymentsMigrations } from './payments.migrations.ts';
export { FAULT_LIMITS, startSandboxServer, SandboxGateway, TEST_CARDS, type SandboxFaults } from './payments.sandbox.ts';
export { computeToken, tokenString, webhookSignature, AcquiringGatewayClient, GatewayError } from './payments.gateway.ts';
export type { PaymentGateway } from './payments.gateway.ts';
export type { PaymentsService, PaymentView } from './payments.service.ts';
export type { PaymentEventPayload } from './payments.events.ts';
export type { OrderChange, OrderQuote, PayableOrder, PayableOrders, SettleOutcome } from './payments.ports.ts';

export interface PaymentsConfig {
  /** The gateway's API base (…/api/v1); undefined runs the embedded sandbox under /sandbox. */
  gatewayUrl: string | undefined;
  terminalKey: string;
  password: string;
  webhookSecret: string | undefined;
  ttlSeconds: number;
  gatewayTimeoutMs: number;
  reconcileIntervalMs: number;
  sandboxDelayMs: { min: number; max: number };
  /** The embedded sandbox's test switches (/sandbox/faults, /sandbox/payments/:id), for admins; off by default. */
  sandboxFaults: boolean;
  publicUrl: string;
}

export interface PaymentsModule {
  service: PaymentsService;
  gateway: PaymentGateway;
  /** The embedded sandbox (undefined when PAYMENT_GATEWAY_URL names a real gateway). */
  sandbox: SandboxGateway | undefined;
  registerRoutes(app: App): Promise<void>;
}

export function createPaymentsModule(
  db: Kysely<object>,
  options: { orders: PayableOrders; bus: Bus; jobs: JobRunner; logger: Logger; config: PaymentsConfig },
): PaymentsModule {
  const { config, logger } = options;
  // The embedded sandbox is reached in-process through the same routes (no listening socket needed).
  let appRef: App | undefined;
  const inProcess: HttpCall = async (url, init) => {
    if (!appRef) throw new Error('the embedded sandbox is not mounted yet');
    const target = new URL(url);
    const response = await appRef.inject({
      method: init.method as 'POST',
      url: target.pathname + target.search,
      headers: init.headers,
      ...(init.body !== undefined ? { payload: init.body } : {}),
    });
    return { status: response.statusCode, text: async () => response.body };
  };
  const sandbox = config.gatewayUrl
    ? undefined
    : new SandboxGateway({
        teamSlug: config.terminalKey,
        password: config.password,
        webhookSecret: config.webhookSecret,
        delayMs: config.sandboxDelayMs,
        logger: logger.child({ component: 'sandbox-gateway' }),
        http: inProcess,
      });
  if (sandbox) sandbox.publicBase = `${config.publicUrl}${SANDBOX_PREFIX}`;
  const gateway = new AcquiringGatewayClient({
    baseUrl: config.gatewayUrl ?? `${config.publicUrl}${SANDBOX_PREFIX}/api/v1`,
    teamSlug: config.terminalKey,
    password: config.password,
    timeoutMs: config.gatewayTimeoutMs,
    name: config.gatewayUrl ? 'acquiring' : 'sandbox',
    ...(sandbox ? { http: inProcess } : {}),
  });
  const service = new PaymentsService(db, options.orders, {
    gateway,
    publicUrl: config.publicUrl,
    ttlSeconds: config.ttlSeconds,
    webhookSecret: config.webhookSecret,
    teamSlug: config.terminalKey,
    staleSeconds: Math.max(1, config.reconcileIntervalMs / 1000),
    logger: logger.child({ module: 'payments' }),
  });

  // One batch per period: payments the gateway cannot answer for stay due, and must not spin the loop.
  options.jobs.definePeriodic('payments.reconcile', config.reconcileIntervalMs, async () => {
    await service.reconcile(100);
  });
  // Claimed refunds are leased, so each pass takes new ones and the loop ends.
  options.jobs.definePeriodic('payments.send-refunds', config.reconcileIntervalMs, async () => {
    while ((await service.processRefunds()) === 20);
  });
  // Each kind's refund hook: its events, in the consumer's transaction, become refunds or voids.
  for (const [kind, payable] of Object.entries(options.orders)) {
    const refundOn = payable.refundOn;
    if (!refundOn) continue;
    options.bus.subscribe(`payments.${kind}-changes`, refundOn.events, async (event, trx) => {
      const change = refundOn.changeOf(event);
      if (change) await service.onOrderChange(trx, kind, change);
    });
  }

  return {
    service,
    gateway,
    sandbox,
    async registerRoutes(app) {
      appRef = app;
      if (sandbox) {
        await registerSandboxRoutes(app, sandbox, SANDBOX_PREFIX, { enabled: config.sandboxFaults, by: 'admin' });
        app.addHook('onClose', async () => sandbox.close());
      }
      await registerPaymentsRoutes(app, service);
    },
  };
}
