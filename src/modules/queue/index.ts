import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { App } from '../../platform/http/server.ts';
import { EnabledRooms, registerAdmissionGate } from './queue.gate.ts';
import { readOrCreateSecret } from './queue.repository.ts';
import { registerQueueRoutes } from './queue.routes.ts';
import { createQueueMetrics, QueueService, type QueueEvents } from './queue.service.ts';
import { queueDb } from './queue.tables.ts';
import { AdmissionTokens } from './queue.tokens.ts';

export { queueMigrations } from './queue.migrations.ts';
export { QUEUE_TOKEN_HEADER } from './queue.gate.ts';
export { AdmissionTokens, type AdmissionClaims } from './queue.tokens.ts';
export type { QueueService, PlaceView, RoomView } from './queue.service.ts';

export interface QueueModule {
  service: QueueService;
  rooms: EnabledRooms;
  /** Runs admission in this process every interval (every process may; the rate holds — decision 0031). */
  startAdmission(): void;
  stopAdmission(): Promise<void>;
  /** The gate on booking and purchase routes; registered before them. */
  registerGate(app: App): void;
  registerRoutes(app: App): void;
}

export async function createQueueModule(
  db: Kysely<object>,
  options: {
    events: QueueEvents;
    /** The event of a booking (sales), for routes that name a booking rather than an event. */
    bookingEvent: (bookingId: number) => Promise<number | undefined>;
    registry: Registry;
    logger: Logger;
    tokenSecret: string | undefined;
    admitIntervalMs: number;
    joinRateLimit: { count: number; windowMs: number } | undefined;
  },
): Promise<QueueModule> {
  const queue = queueDb(db);
  const secret = options.tokenSecret ?? (await readOrCreateSecret(queue, randomBytes(32).toString('base64url')));
  const metrics = createQueueMetrics(options.registry, queue);
  const service = new QueueService(db, options.events, new AdmissionTokens(secret), metrics, {
    joinRateLimit: options.joinRateLimit,
    processName: `${hostname()}:${process.pid}`,
  });
  const rooms = new EnabledRooms(queue, options.logger);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  const tick = () => {
    running = service
      .admitDue()
      .then(() => undefined)
      .catch((error: unknown) => options.logger.error({ err: error }, 'waiting-room admission pass failed'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, options.admitIntervalMs);
      });
  };
  return {
    service,
    rooms,
    startAdmission: () => {
      if (!stopped) return;
      stopped = false;
      timer = setTimeout(tick, options.admitIntervalMs);
    },
    stopAdmission: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    registerGate: (app) => registerAdmissionGate(app, service, rooms, options.bookingEvent),
    registerRoutes: (app) => registerQueueRoutes(app, service, rooms),
  };
}
