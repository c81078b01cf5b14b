import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { App } from '../../platform/http/server.ts';
import { queueRequired } from './queue.errors.ts';
import { enabledRooms } from './queue.repository.ts';
import type { QueueService } from './queue.service.ts';
import type { FailureMode, QueueDb } from './queue.tables.ts';

/** The header a buyer sends the admission token in (the web app sends it from the queue page). */
export const QUEUE_TOKEN_HEADER = 'queue-token';

/** How an event is found from a request to a guarded route: from the URL, the body, or the booking it names. */
type EventOf = (
  request: FastifyRequest,
  bookingEvent: (bookingId: number) => Promise<number | undefined>,
) => Promise<number | undefined>;

const numberOf = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const field = (part: unknown, name: string): number | undefined =>
  numberOf((part as Record<string, unknown> | undefined)?.[name]);

/**
 * The routes that book or buy, on every door (HackLoad's included: its event 1 has no room unless
 * one is configured, so its contract stands). Selects and seat adds name a booking, not an event.
 */
const GUARDED: Record<string, EventOf> = {
  'POST /api/bookings': async (request) => field(request.body, 'event_id'),
  'POST /api/events/:id/tickets': async (request) => field(request.params, 'id'),
  'POST /api/bookings/:id/seats': async (request, bookingEvent) => {
    const id = field(request.params, 'id');
    return id === undefined ? undefined : bookingEvent(id);
  },
  'PATCH /api/seats/select': async (request, bookingEvent) => {
    const id = field(request.body, 'booking_id');
    return id === undefined ? undefined : bookingEvent(id);
  },
};

/** Enabled rooms are read at most this often per process; a room switched on applies within it. */
const ROOMS_TTL_MS = 1000;
/** A process that could not read the rooms for this long treats them by their failure mode. */
const ROOMS_STALE_MS = 5000;

/**
 * Which events have a room on, kept in memory (read at most once a second, one read at a time):
 * the booking path asks it on every request, and with no room on it costs nothing more.
 */
export class EnabledRooms {
  private rooms = new Map<number, FailureMode>();
  private readAt = 0;
  private readOkAt = 0;
  private reading: Promise<void> | undefined;

  private readonly db: QueueDb;
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(db: QueueDb, logger: Logger, now: () => number = Date.now) {
    this.db = db;
    this.logger = logger;
    this.now = now;
  }

  /** Whether any room is on (read again first when the last read is older than ROOMS_TTL_MS). */
  async any(): Promise<boolean> {
    if (this.now() - this.readAt >= ROOMS_TTL_MS) await this.refresh();
    return this.rooms.size > 0;
  }

  /** The event's room: whether it is on, its failure mode, and whether what is known of it is stale. */
  of(eventId: number): { on: boolean; stale: boolean; failureMode: FailureMode | undefined } {
    const failureMode = this.rooms.get(eventId);
    return { on: failureMode !== undefined, stale: this.now() - this.readOkAt > ROOMS_STALE_MS, failureMode };
  }

  /** Reads the enabled rooms now (tests and the settings route call it so a change applies at once here). */
  async refresh(): Promise<void> {
    this.reading ??= (async () => {
      try {
        const rows = await enabledRooms(this.db);
        this.rooms = new Map(rows.map((row) => [row.event_id, row.failure_mode]));
        this.readOkAt = this.now();
      } catch (error) {
        this.logger.warn({ err: error }, 'waiting rooms could not be read; each keeps its last known state and failure mode');
      } finally {
        this.readAt = this.now();
        this.reading = undefined;
      }
    })();
    return this.reading;
  }
}

/**
 * The one check on the booking and purchase routes: while an event's room is on, a request needs
 * an admission token for this account and event, else `queue-required`. A process that cannot
 * read the rooms keeps the last state it read; past ROOMS_STALE_MS a fail-open room lets buyers
 * through unchecked, a fail-closed one keeps checking tokens (they need no database).
 */
export function registerAdmissionGate(
  app: App,
  queue: QueueService,
  rooms: EnabledRooms,
  bookingEvent: (bookingId: number) => Promise<number | undefined>,
): void {
  app.addHook('preHandler', async (request) => {
    const eventOf = GUARDED[`${request.method} ${request.routeOptions.url ?? ''}`];
    if (!eventOf || !request.principal || !(await rooms.any())) return;
    const eventId = await eventOf(request, bookingEvent);
    if (eventId === undefined) return;
    const room = rooms.of(eventId);
    if (!room.on || (room.stale && room.failureMode === 'open')) return;
    const header = request.headers[QUEUE_TOKEN_HEADER];
    const token = Array.isArray(header) ? header[0] : header;
    const refusal = queue.refusal(token, eventId, request.principal.userId);
    if (refusal) throw queueRequired(eventId, refusal);
  });
}
