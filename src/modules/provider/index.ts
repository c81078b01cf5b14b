import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { App } from '../../platform/http/server.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { httpTransport, ProviderClient, type ProviderTransport } from './provider.client.ts';
import { ProviderMirror } from './provider.mirror.ts';
import { registerProviderRoutes } from './provider.routes.ts';
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
}

export interface ProviderModule {
  client: ProviderClient;
  mirror: ProviderMirror;
  /** The embedded simulator, built on first use (undefined with PROVIDER_URL, or before any call). */
  simulator(): ProviderSimulator | undefined;
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
  options: { jobs: JobRunner; logger: Logger; registry?: Registry; config: ProviderConfig },
): ProviderModule {
  const { config } = options;
  const embedded = config.url ? undefined : embeddedSimulator(config.simulatorLayout);
  const client = new ProviderClient({
    transport: embedded?.transport ?? httpTransport(config.url ?? ''),
    timeoutMs: config.timeoutMs,
    concurrency: config.concurrency,
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
  return {
    client,
    mirror,
    simulator: () => embedded?.simulator(),
    registerRoutes: (app) => registerProviderRoutes(app, mirror, embedded ? 'simulator' : 'provider'),
    close: async () => embedded?.close(),
  };
}
