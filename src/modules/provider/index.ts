import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { App } from '../../platform/http/server.ts';
import type { Bus } from '../../platform/bus/index.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { httpTransport, ProviderClient, type ProviderTransport } from './provider.client.ts';
import { ProviderMirror } from './provider.mirror.ts';
import { findBookingOrder, hasProviderMode } from './provider.orders.repository.ts';
import { SeatOwnershipService, type EventTeams, type SalesForProvider } from './provider.ownership.ts';
import type { ProviderDB } from './provider.tables.ts';
import type { ProviderDb } from './provider.repository.ts';
import { narrow } from '../../platform/db/narrow.ts';
import { registerProviderRoutes } from './provider.routes.ts';
import { OrganizerProviderService } from './provider.organizer.ts';
import { OrderSagas } from './provider.saga.ts';
import { countSagas, setSagaGoal } from './provider.sagas.repository.ts';
import { registerOwnershipAndSagaRoutes } from './provider.sagas.routes.ts';
import { ProviderSimulator } from './simulator/simulator.ts';
import { buildProviderSimulatorApp } from './simulator/simulator.server.ts';

export { providerMigrations } from './provider.migrations.ts';
export { ProviderSimulator, SWITCH_LIMITS, DEFAULT_LAYOUT, type SimulatorSwitches } from './simulator/simulator.ts';
export { buildProviderSimulatorApp, startProviderSimulatorServer, type SimulatorServer } from './simulator/simulator.server.ts';
export {
  ProviderClient,
  httpTransport,
  type ProviderPlace,
  type ProviderOrder,
  type ProviderTransport,
} from './provider.client.ts';
export { ProviderCallError, ProviderUnavailableError } from './provider.errors.ts';
export type { SeatOwnershipService, SalesForProvider, EventTeams } from './provider.ownership.ts';
export type { OrderSagas } from './provider.saga.ts';
export { ProviderMirror, readAllPages, type PreloadSummary, type ReconcileSummary } from './provider.mirror.ts';
// For bench/provider.ts: the mirror's write alone, as the same-run baseline of a preload.
export { insertMirrorPlaces } from './provider.repository.ts';

export interface ProviderConfig {
  /** The Partner API base; undefined runs the embedded simulator in-process. */
  url: string | undefined;
  simulatorLayout: { rows: number; seatsPerRow: number };
  timeoutMs: number;
  concurrency: number;
  reconcileIntervalMs: number;
  breakerOpenMs: number;
  saga: { intervalMs: number; leaseMs: number; parkAfterMs: number; refundGone: boolean };
}

export interface ProviderModule {
  client: ProviderClient;
  mirror: ProviderMirror;
  /** Who sells each event's seats, and a provider event's selects (sales' SeatOwnership port). */
  ownership: SeatOwnershipService;
  sagas: OrderSagas;
  /** The embedded simulator, built on first use (undefined with PROVIDER_URL, or before any call). */
  simulator(): ProviderSimulator | undefined;
  /** HACKLOAD_PROVIDER_MODE, when set: who sells event 1's seats, applied at every start (a no-op for an own event left own). */
  applyConfiguredMode(eventId: number, mode: 'own' | 'provider' | 'allotment', rows: [number, number]): Promise<void>;
  registerRoutes(app: App): void;
  close(): Promise<void>;
}

/**
 * The embedded simulator, reached in-process through its own Fastify app (inject: no socket, so
 * any number of services can run in one test process). Built on the first call, so a service that
 * never talks to the provider never seeds 100,000 places.
 */
function embeddedSimulator(layout: { rows: number; seatsPerRow: number }) {
  let simulator: ProviderSimulator | undefined;
  let app: ReturnType<typeof buildProviderSimulatorApp> | undefined;
  const transport: ProviderTransport = async ({ method, path, body, timeoutMs }) => {
    simulator ??= new ProviderSimulator({ layout });
    app ??= buildProviderSimulatorApp(simulator);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const response = await Promise.race([
        app.inject({ method, url: path, ...(body !== undefined ? { payload: body as object } : {}) }),
        timeout,
      ]);
      return { status: response.statusCode, body: response.body };
    } finally {
      clearTimeout(timer);
    }
  };
  return { transport, simulator: () => simulator, close: async () => app?.close() };
}

export function createProviderModule(
  db: Kysely<object>,
  options: {
    jobs: JobRunner;
    bus: Bus;
    logger: Logger;
    registry?: Registry;
    config: ProviderConfig;
    /** Bound late: sales is built before this module but asks it on every select. */
    sales: SalesForProvider;
    teams: EventTeams;
  },
): ProviderModule {
  const { config } = options;
  const embedded = config.url ? undefined : embeddedSimulator(config.simulatorLayout);
  const client = new ProviderClient({
    transport: embedded?.transport ?? httpTransport(config.url ?? ''),
    timeoutMs: config.timeoutMs,
    concurrency: config.concurrency,
    breaker: { failureThreshold: 5, openMs: config.breakerOpenMs },
    ...(options.registry ? { registry: options.registry } : {}),
  });
  const mirror = new ProviderMirror(db, client, {
    // Pages in flight during a preload: most of the client's limit, leaving room for live calls.
    parallel: Math.max(1, Math.min(16, Math.floor(config.concurrency / 2))),
    logger: options.logger.child({ module: 'provider' }),
    registry: options.registry,
  });
  options.jobs.definePeriodic('provider.reconcile', config.reconcileIntervalMs, async () => {
    await mirror.reconcile();
  });
  const providerDb = db as ProviderDb;
  const logger = options.logger.child({ module: 'provider' });
  const ownership = new SeatOwnershipService(providerDb, { client, mirror, sales: options.sales, teams: options.teams, logger });
  const sagas = new OrderSagas(
    providerDb,
    { client, ownership, sales: options.sales },
    {
      leaseMs: config.saga.leaseMs,
      parkAfterMs: config.saga.parkAfterMs,
      refundGone: config.saga.refundGone,
      // A run waits for the provider's lag at most a third of its lease, so it never outlives the lease.
      joinWaitMs: Math.min(5000, Math.floor(config.saga.leaseMs / 3)),
      logger,
      registry: options.registry,
    },
  );
  options.jobs.definePeriodic('provider.sagas', config.saga.intervalMs, async () => {
    while ((await sagas.runDue()) > 0);
  });
  // The saga's goal is set in the transaction that confirmed or ended the booking (the bus's inbox
  // makes it once): paid → confirm at the provider; cancelled or expired with an order → cancel it.
  options.bus.subscribe(
    'provider.booking-sagas',
    ['booking.confirmed', 'booking.cancelled', 'booking.expired'],
    async (event, trx) => {
      const { bookingId, eventId, seatIds } = event.payload;
      const scoped = narrow<ProviderDB>(trx);
      if (event.type === 'booking.confirmed') {
        if (seatIds.length === 0) return;
        // A booking that has a provider order is the provider's to confirm even if the event went
        // back to `own` since its seats were asked (the order would otherwise be left STARTED).
        // Read in the consumer's transaction, not from the in-memory map: its first load would
        // query outside the transaction, which on PGlite's one connection waits for it forever.
        if (!(await hasProviderMode(scoped, eventId)) && !(await findBookingOrder(scoped, bookingId))) return;
        await setSagaGoal(scoped, { bookingId, eventId, goal: 'confirm', seatIds });
      } else if (await findBookingOrder(scoped, bookingId)) {
        await setSagaGoal(scoped, { bookingId, eventId, goal: 'cancel', seatIds });
      }
    },
  );
  return {
    client,
    mirror,
    ownership,
    sagas,
    simulator: () => embedded?.simulator(),
    applyConfiguredMode: async (eventId, mode, rows) => {
      if (mode === 'own' && (await ownership.modeOf(eventId)) === 'own') return;
      try {
        const applied = await ownership.setMode('system', eventId, {
          mode,
          ...(mode === 'allotment' ? { block: { from_row: rows[0], to_row: rows[1] } } : {}),
        });
        logger.info(applied, 'seat ownership applied from the configuration');
      } catch (error) {
        // No event 1 yet (before `sbor seed`): nothing to apply; the next start does it.
        logger.warn({ err: error, eventId, mode }, 'seat ownership from the configuration not applied');
      }
    },
    registerRoutes: (app) => {
      registerProviderRoutes(app, mirror, embedded ? 'simulator' : 'provider', () => countSagas(providerDb));
      const organizer = new OrganizerProviderService(providerDb, { mirror, ownership, teams: options.teams });
      registerOwnershipAndSagaRoutes(app, { db: providerDb, ownership, organizer });
    },
    close: async () => embedded?.close(),
  };
}
