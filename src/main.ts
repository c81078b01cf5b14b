import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import packageJson from '../package.json' with { type: 'json' };
import { ConfigError, type Config } from './config.ts';
import { migrations } from './migrations.ts';
import {
  Bus,
  deleteOldInboxEntries,
  deletePublishedEvents,
  InProcessTransport,
  NatsTransport,
  OutboxRelay,
  type Transport,
} from './platform/bus/index.ts';
import { requestIdLogFields } from './platform/context/request-context.ts';
import { openDatabase, type Database } from './platform/db/database.ts';
import { migrateToLatest, pendingMigrations } from './platform/db/migrations.ts';
import { registerHealthRoutes } from './platform/http/health.routes.ts';
import { listenForOperations } from './platform/http/operations-listener.ts';
import { closeConnectionsAfterAnswers, createHttpApp, type App } from './platform/http/server.ts';
import { registerWebApp } from './platform/http/web.ts';
import { JobRunner } from './platform/jobs/jobs.ts';
import { createMetrics } from './platform/metrics/metrics.ts';
import { registerHackloadRoutes } from './compat/hackload/hackload.routes.ts';
import { createCatalogModule, HACKLOAD_EVENT_ID, type CatalogModule } from './modules/catalog/index.ts';
import { createPaymentsModule, type PaymentsModule } from './modules/payments/index.ts';
import { createProviderModule, type ProviderModule } from './modules/provider/index.ts';
import { createSalesModule, type SalesModule } from './modules/sales/index.ts';
import { createTicketsModule, type TicketsModule } from './modules/tickets/index.ts';
import { createNotificationsModule, type NotificationsModule } from './modules/notifications/index.ts';
import { createIntegrationsModule, type IntegrationsModule } from './modules/integrations/index.ts';
import { createIdentityModule, DEFAULT_LOGIN_LIMITS, type IdentityModule } from './modules/identity/index.ts';
import { createRentalsModule, type RentalsModule } from './modules/rentals/index.ts';
import { createQueueModule, type QueueModule } from './modules/queue/index.ts';

export interface Service {
  config: Config;
  logger: Logger;
  database: Database;
  bus: Bus;
  relay: OutboxRelay;
  jobs: JobRunner;
  /** The HTTP app (built in every process; listening only with the api role). */
  app: App;
  identity: IdentityModule;
  catalog: CatalogModule;
  sales: SalesModule;
  tickets: TicketsModule;
  payments: PaymentsModule;
  notifications: NotificationsModule;
  integrations: IntegrationsModule;
  rentals: RentalsModule;
  provider: ProviderModule;
  queue: QueueModule;
  /** The bound address when the api role listens. */
  address: string | undefined;
  /** Where /healthz, /readyz and /metrics are served alone (METRICS_PORT), if they are. */
  operationsAddress: string | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** An already open database (tests); otherwise opened from the config. */
  database?: Database;
  logger?: Logger;
  /** Listen on the configured port (default true; tests often use inject instead). */
  listen?: boolean;
}

const HOUR_MS = 3_600_000;

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  // Lines written while handling a request or the events it caused carry its id.
  return pino({ level: config.logLevel, mixin: requestIdLogFields });
}

/** Opens what the config names: PostgreSQL with DATABASE_URL, else PGlite under DATA_DIR. */
export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return config.databaseUrl
    ? openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize })
    : openDatabase({ dataDir: config.dataDir });
}

/**
 * The composition root: config → database → bus → modules → HTTP, then starts the roles this
 * process runs. Everything is constructed here by hand and passed down; nothing finds its
 * dependencies by itself.
 */
export async function startService(config: Config, options: StartOptions = {}): Promise<Service> {
  assertRolesCanRun(config);
  const logger = options.logger ?? createLogger(config);
  const database = options.database ?? (await openConfiguredDatabase(config));
  const { db } = database;
  await migrateToLatest(database, migrations);

  const transport: Transport = config.natsUrl
    ? await NatsTransport.connect({ url: config.natsUrl, db, logger, replicas: config.natsStreamReplicas })
    : new InProcessTransport(db, logger);
  const bus = new Bus(transport);
  const relay = new OutboxRelay(db, transport, logger, {
    intervalMs: config.relayIntervalMs,
    leaseSeconds: config.relayLeaseSeconds,
  });
  const jobs = new JobRunner(db, logger, { intervalMs: config.jobsIntervalMs });
  jobs.definePeriodic('platform.cleanup', HOUR_MS, async (jobDb) => {
    await deletePublishedEvents(jobDb, 7);
    await deleteOldInboxEntries(jobDb, 30);
  });

  const identity = await createIdentityModule(db, {
    issuer: config.publicUrl,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    limits: { ...DEFAULT_LOGIN_LIMITS, enabled: config.authRateLimits },
  });

  const metrics = createMetrics({ pool: database.pool, db });
  const app = await createHttpApp({
    logger,
    metrics,
    publicUrl: config.publicUrl,
    version: packageJson.version,
    authenticate: identity.authenticate,
  });
  const catalog = createCatalogModule(db, {
    users: identity.service,
    // Bound late: the sales module is built next, and the catalog asks it only when publishing.
    sellable: (eventId) => sales.service.inventory.hasInventory(eventId),
    jobs,
  });
  const sales: SalesModule = createSalesModule(db, {
    catalog: catalog.forSales,
    contacts: identity.forSales,
    jobs,
    bus,
    enableReset: config.enableReset,
    expiryIntervalMs: config.expirySweepIntervalMs,
    defaultCurrency: config.defaultCurrency,
    refundCutoffHours: config.refundCutoffHours,
    waitlistOfferTtlSeconds: config.waitlistOfferTtlSeconds,
    seatSelectRateLimit: config.seatSelectRateLimit,
    seatSuggestionMaxAgeMs: config.seatSuggestionMaxAgeMs,
    // Bound late: the provider module is built below; it answers for events whose seats are the venue's.
    seatOwnership: () => provider.ownership,
  });
  const rentals = createRentalsModule(db, {
    studios: catalog.forRentals,
    jobs,
    defaultCurrency: config.defaultCurrency,
    sweepIntervalMs: config.expirySweepIntervalMs,
    reminderLeadMinutes: config.rentalReminderLeadMinutes,
    watchOfferTtlSeconds: config.rentalWatchOfferTtlSeconds,
    // Bound late: payments is built below, and is asked only when a renter pays.
    payments: () => ({
      start: async (principal, rentalId) => payments.service.initiateFor(principal, { kind: 'rental', id: rentalId }),
    }),
  });
  const tickets = await createTicketsModule(db, {
    bus,
    inventory: sales.forTickets,
    events: catalog.forTickets,
  });
  const notifications = createNotificationsModule(db, {
    directory: {
      ...identity.forNotifications,
      ...catalog.forNotifications,
      ...sales.forNotifications,
      ...rentals.forNotifications,
    },
    preferences: identity.notificationPreferences,
    bus,
    jobs,
    logger,
    publicUrl: config.publicUrl,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    smsUrl: config.smsUrl,
    intervalMs: config.jobsIntervalMs,
  });
  const integrations = createIntegrationsModule(db, {
    organizers: { ...catalog.forIntegrations, ...rentals.forIntegrations },
    bus,
    jobs,
    logger,
    intervalMs: config.jobsIntervalMs,
    webhooks: { destinations: { allowLoopback: config.webhookAllowLoopback } },
  });
  const payments = createPaymentsModule(db, {
    // Payable orders by kind: payments settles each through its port, importing none of them.
    orders: { booking: sales.forPayments, rental: rentals.forPayments },
    bus,
    jobs,
    logger,
    config: {
      gatewayUrl: config.paymentGatewayUrl,
      terminalKey: config.paymentTerminalKey,
      password: config.paymentPassword,
      webhookSecret: config.paymentWebhookSecret,
      ttlSeconds: config.paymentTtlSeconds,
      gatewayTimeoutMs: config.paymentGatewayTimeoutMs,
      reconcileIntervalMs: config.paymentReconcileIntervalMs,
      sandboxDelayMs: config.sandboxDelayMs,
      sandboxFaults: config.sandboxFaults,
      publicUrl: config.publicUrl,
    },
  });
  const provider: ProviderModule = createProviderModule(db, {
    jobs,
    bus,
    logger,
    sales: sales.forProvider,
    teams: { canManage: (principal, eventId) => catalog.forSales.canManage(principal, eventId) },
    registry: metrics.registry,
    config: {
      url: config.providerUrl,
      simulatorLayout: config.providerSimLayout,
      timeoutMs: config.providerTimeoutMs,
      concurrency: config.providerConcurrency,
      reconcileIntervalMs: config.providerReconcileIntervalMs,
      breakerOpenMs: config.providerBreakerOpenMs,
      saga: config.providerSaga,
    },
  });
  const queue = await createQueueModule(db, {
    events: {
      find: async (eventId) => catalog.forSales.findEvent(eventId),
      canManage: (principal, eventId) => catalog.forSales.canManage(principal, eventId),
    },
    bookingEvent: (bookingId) => sales.forQueue.eventOfBooking(bookingId),
    registry: metrics.registry,
    logger,
    tokenSecret: config.queue.tokenSecret,
    admitIntervalMs: config.queue.admitIntervalMs,
    joinRateLimit: config.queue.joinRateLimit,
  });
  // Before the sales routes: the waiting room's token check runs ahead of booking and buying.
  queue.registerGate(app);
  // First, so its redirect of browsers coming back from the payment page applies to every route.
  await registerWebApp(app);
  identity.registerRoutes(app);
  catalog.registerRoutes(app);
  sales.registerRoutes(app);
  tickets.registerRoutes(app);
  notifications.registerRoutes(app);
  integrations.registerRoutes(app);
  rentals.registerRoutes(app);
  registerHackloadRoutes(app, sales.service);
  await payments.registerRoutes(app);
  provider.registerRoutes(app);
  queue.registerRoutes(app);
  let migrationsApplied = false;
  /** False from SIGTERM on: readiness fails while the process drains, so traffic moves elsewhere first. */
  let serving = true;
  registerHealthRoutes(app, {
    metrics,
    checks: [
      { name: 'database', check: async () => (await database.pool.query('select 1')).rowCount === 1 },
      {
        name: 'migrations',
        check: async () => (migrationsApplied ||= (await pendingMigrations(database, migrations)).length === 0),
      },
      { name: 'bus', check: async () => transport.isConnected() },
      { name: 'serving', check: async () => serving },
    ],
  });
  await app.ready();
  // HackLoad's event 1, when HACKLOAD_PROVIDER_MODE is set. Unset, the stored mode stands: a restart
  // must not undo an organizer's choice (nor flip a paid booking's saga to nothing mid-way).
  if (config.hackloadProviderMode) {
    await provider.applyConfiguredMode(HACKLOAD_EVENT_ID, config.hackloadProviderMode, config.hackloadProviderAllotment);
  }

  if (config.roles.has('worker')) {
    await bus.startConsumers();
    await jobs.start();
  }
  if (config.roles.has('relay')) relay.start();
  // Admission runs wherever people are served or background work is: any number of processes may.
  if (config.roles.has('api') || config.roles.has('worker')) queue.startAdmission();
  let address: string | undefined;
  if (config.roles.has('api') && options.listen !== false) {
    address = await app.listen({ port: config.port, host: config.host, backlog: config.listenBacklog });
  }
  const operations =
    config.metricsPort !== undefined && options.listen !== false
      ? await listenForOperations(app, { port: config.metricsPort, host: config.host })
      : undefined;
  logger.info(
    { roles: [...config.roles], engine: database.engine, bus: transport.name, address, operations: operations?.url },
    'sbor started',
  );

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      // Order matters: stop taking requests and finish in-flight ones, then stop background work,
      // then flush what was committed, and only then close the connections they all use.
      // An api process first drains: still listening, it says not-ready and closes each connection
      // after its answer, so load balancers move away before it stops accepting (decision 0027).
      serving = false;
      if (address !== undefined && config.shutdownDrainMs > 0) {
        closeConnectionsAfterAnswers(app);
        logger.info({ drainMs: config.shutdownDrainMs }, 'draining: not ready, closing connections after their answers');
        await sleep(config.shutdownDrainMs);
      }
      await operations?.close();
      await app.close();
      await jobs.stop();
      await queue.stopAdmission();
      await relay.stop();
      await transport.close();
      notifications.close();
      await provider.close();
      if (!options.database) await database.close();
      logger.info('sbor stopped');
    })();
    return stopping;
  };
  return {
    config,
    logger,
    database,
    bus,
    relay,
    jobs,
    app,
    identity,
    catalog,
    sales,
    tickets,
    payments,
    notifications,
    integrations,
    rentals,
    provider,
    queue,
    address,
    operationsAddress: operations?.url,
    stop,
  };
}

/**
 * The in-process bus and the embedded database live inside one process, so they can only run
 * with every role in it; splitting roles across processes needs PostgreSQL and NATS.
 */
function assertRolesCanRun(config: Config): void {
  if (config.roles.size === 3) return;
  if (!config.natsUrl)
    throw new ConfigError('ROLES: running only some roles needs NATS_URL (the in-process bus cannot cross processes)');
  if (!config.databaseUrl)
    throw new ConfigError('ROLES: running only some roles needs DATABASE_URL (PGlite belongs to one process)');
}
