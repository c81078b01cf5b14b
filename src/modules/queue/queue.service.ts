import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Principal } from '../../platform/http/access.ts';
import { RateLimiter } from '../../platform/http/rate-limit.ts';
import { noWaitingRoom, notOnTeam, queueEventNotFound, queueLinks, roomNeedsALimit, tooManyJoins } from './queue.errors.ts';
import {
  admissionAllowance,
  admitNext,
  countQueues,
  dueRoomIds,
  enqueue,
  findEntry,
  findRoom,
  lockRoom,
  recordAdmission,
  shufflePreQueue,
  touchWaitingEntry,
  upsertRoom,
  type RoomSettings,
} from './queue.repository.ts';
import { queueDb, type EntryRow, type FailureMode, type QueueDb, type RoomRow } from './queue.tables.ts';
import type { AdmissionTokens, TokenRefusal } from './queue.tokens.ts';

/** What the queue asks the catalog: does the event exist (and is it on sale), who runs it. */
export interface QueueEvents {
  find(eventId: number): Promise<{ id: number; status: string } | undefined>;
  canManage(principal: Principal, eventId: number): Promise<boolean>;
}

export interface RoomSettingsInput {
  enabled: boolean;
  on_sale_at: string;
  rate_per_minute?: number | null;
  max_active?: number | null;
  token_ttl_seconds?: number;
  grace_seconds?: number;
  failure_mode?: FailureMode;
}

export interface RoomView {
  event_id: number;
  enabled: boolean;
  on_sale_at: string;
  rate_per_minute: number | null;
  max_active: number | null;
  token_ttl_seconds: number;
  grace_seconds: number;
  failure_mode: FailureMode;
  shuffled_at: string | null;
  admitted: number;
  pre_queue: number;
  waiting: number;
  active: number;
  admitted_last_minute: number;
}

export type PlaceStatus = 'not-in-queue' | 'pre-queue' | 'waiting' | 'admitted' | 'expired' | 'lapsed';

/** Where an account stands in an event's queue, as the queue page shows it. */
export interface PlaceView {
  event_id: number;
  status: PlaceStatus;
  room_enabled: boolean;
  on_sale_at: string | null;
  position: number | null;
  ahead: number | null;
  eta_seconds: number | null;
  progress: number;
  rate_per_minute: number | null;
  token_ttl_seconds: number;
  token: string | null;
  token_expires_at: string | null;
  poll_after_seconds: number;
  queue_url: string;
  queue_page: string;
}

/** Admitted without a next pass being due for at least this long: the page polls less often. */
const POLL_SECONDS = 3;
/** Unused admission allowance kept for later, in seconds of the rate. */
const BURST_SECONDS = 5;

export interface QueueMetrics {
  admitted: Counter<'event_id'>;
  waited: Histogram;
  rejected: Counter<'reason'>;
}

export function createQueueMetrics(registry: Registry, db: QueueDb): QueueMetrics {
  const lastMinute = new Gauge({
    name: 'queue_admitted_last_minute',
    help: 'People admitted by waiting rooms in the last minute (every process counted, from the database).',
    labelNames: ['event_id'],
    registers: [registry],
  });
  new Gauge({
    name: 'queue_length',
    help: 'People in each enabled waiting room, by state: pre-queue, waiting (with a place), active (admitted, token valid).',
    labelNames: ['event_id', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      lastMinute.reset();
      for (const counts of await countQueues(db)) {
        const event_id = String(counts.event_id);
        this.set({ event_id, state: 'pre-queue' }, counts.pre_queue);
        this.set({ event_id, state: 'waiting' }, counts.waiting);
        this.set({ event_id, state: 'active' }, counts.active);
        lastMinute.set({ event_id }, counts.admitted_last_minute);
      }
    },
  });
  return {
    admitted: new Counter({
      name: 'queue_admitted_total',
      help: 'People admitted from waiting rooms by this process.',
      labelNames: ['event_id'],
      registers: [registry],
    }),
    waited: new Histogram({
      name: 'queue_wait_seconds',
      help: 'How long people admitted had waited (from joining, or from the on-sale for the pre-queue).',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'queue_tokens_rejected_total',
      help: 'Booking or purchase requests refused for want of a valid admission token, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

export interface QueueOptions {
  /** Joins per account and window, in this process; undefined: no limit. */
  joinRateLimit: { count: number; windowMs: number } | undefined;
  /** Recorded on each admission (`host:pid`), so it shows which process admitted whom. */
  processName: string;
}

/**
 * The waiting room's use cases: organizer settings, joining and polling, admission (run by every
 * process, held to the rate by the room's row lock — decision record 0031) and token checks.
 */
export class QueueService {
  private readonly db: QueueDb;
  private readonly joinLimiter = new RateLimiter();
  private readonly events: QueueEvents;
  private readonly tokens: AdmissionTokens;
  private readonly metrics: QueueMetrics;
  private readonly options: QueueOptions;

  constructor(db: Kysely<object>, events: QueueEvents, tokens: AdmissionTokens, metrics: QueueMetrics, options: QueueOptions) {
    this.db = queueDb(db);
    this.events = events;
    this.tokens = tokens;
    this.metrics = metrics;
    this.options = options;
  }

  async settings(principal: Principal, eventId: number): Promise<RoomView | null> {
    await this.requireManager(principal, eventId);
    const room = await findRoom(this.db, eventId);
    return room ? this.roomView(room) : null;
  }

  async configure(principal: Principal, eventId: number, input: RoomSettingsInput): Promise<RoomView> {
    await this.requireManager(principal, eventId);
    const settings: RoomSettings = {
      enabled: input.enabled,
      on_sale_at: new Date(input.on_sale_at),
      rate_per_minute: input.rate_per_minute ?? null,
      max_active: input.max_active ?? null,
      token_ttl_seconds: input.token_ttl_seconds ?? 900,
      grace_seconds: input.grace_seconds ?? 300,
      failure_mode: input.failure_mode ?? 'closed',
    };
    if (settings.rate_per_minute === null && settings.max_active === null) throw roomNeedsALimit();
    const room = await this.db.transaction().execute((trx) => upsertRoom(trx, eventId, settings));
    return this.roomView(room);
  }

  /**
   * Joins the queue, or comes back to it: a place still within the grace period (or a valid
   * admission) is kept; otherwise the account goes to the back (the pre-queue before the on-sale).
   * Joins of one event take turns on the room's row, so one account gets one place however many
   * times it asks at once.
   */
  async join(principal: Principal, eventId: number): Promise<PlaceView> {
    if (this.options.joinRateLimit) {
      const { count, windowMs } = this.options.joinRateLimit;
      const wait = this.joinLimiter.hit(`${principal.userId}`, count, windowMs);
      if (wait > 0) throw tooManyJoins(wait);
    }
    const event = await this.events.find(eventId);
    if (!event || event.status !== 'PUBLISHED') throw queueEventNotFound();
    const { room, entry } = await this.db.transaction().execute(async (trx) => {
      const locked = await lockRoom(trx, eventId);
      if (!locked?.enabled) throw noWaitingRoom();
      const current = await findEntry(trx, eventId, principal.userId);
      const keep = current && ['waiting', 'admitted'].includes(placeStatus(locked, current, Date.now()));
      return { room: locked, entry: keep ? current : await enqueue(trx, locked, principal.userId) };
    });
    return this.placeView(room, entry);
  }

  /** Where the account stands now; polling it is what keeps a place (see grace_seconds). */
  async place(principal: Principal, eventId: number): Promise<PlaceView> {
    const room = await findRoom(this.db, eventId);
    if (!room) throw noWaitingRoom();
    const entry =
      (await touchWaitingEntry(this.db, eventId, principal.userId)) ?? (await findEntry(this.db, eventId, principal.userId));
    return this.placeView(room, entry);
  }

  /** One admission pass over every room on sale; returns how many were admitted. */
  async admitDue(): Promise<number> {
    let admitted = 0;
    for (const eventId of await dueRoomIds(this.db)) admitted += await this.admit(eventId);
    return admitted;
  }

  /**
   * One pass for one room, in one transaction under the room's row lock: shuffle the pre-queue if
   * the on-sale has come, then admit what the rate and the cap allow now. Any number of processes
   * may run it at once: each sees what the others admitted, so together they never exceed the rate.
   */
  async admit(eventId: number): Promise<number> {
    const { admitted, room } = await this.db.transaction().execute(async (trx) => {
      let room = await lockRoom(trx, eventId);
      if (!room?.enabled || room.on_sale_at.getTime() > Date.now()) return { admitted: [], room };
      if (room.shuffled_at === null) {
        const shuffled = await shufflePreQueue(trx, eventId);
        room = { ...room, shuffled_at: new Date(), last_position: shuffled };
      }
      const { allowance, allowedTotal } = await admissionAllowance(trx, room);
      const admitted = allowance > 0 ? await admitNext(trx, room, allowance, this.options.processName) : [];
      const highest = admitted.reduce((max, entry) => Math.max(max, entry.position), 0);
      const burst = room.rate_per_minute === null ? 0 : Math.max(1, Math.ceil((room.rate_per_minute * BURST_SECONDS) / 60));
      await recordAdmission(trx, eventId, admitted.length, highest, allowedTotal, burst);
      return { admitted, room };
    });
    if (admitted.length > 0 && room) {
      this.metrics.admitted.inc({ event_id: String(eventId) }, admitted.length);
      for (const entry of admitted) this.metrics.waited.observe(Math.max(0, entry.waited_seconds));
    }
    return admitted.length;
  }

  /** Undefined when the token admits this account to this event; else why not (and it is counted). */
  refusal(token: string | undefined, eventId: number, userId: number): TokenRefusal | undefined {
    const refusal = this.tokens.refusal(token, { eventId, userId }, Date.now());
    if (refusal) this.metrics.rejected.inc({ reason: refusal });
    return refusal;
  }

  private async requireManager(principal: Principal, eventId: number): Promise<void> {
    if (!(await this.events.find(eventId))) throw queueEventNotFound();
    if (!(await this.events.canManage(principal, eventId))) throw notOnTeam();
  }

  private async roomView(room: RoomRow): Promise<RoomView> {
    const [counts] = await countQueues(this.db, [room.event_id]);
    return {
      event_id: room.event_id,
      enabled: room.enabled,
      on_sale_at: room.on_sale_at.toISOString(),
      rate_per_minute: room.rate_per_minute,
      max_active: room.max_active,
      token_ttl_seconds: room.token_ttl_seconds,
      grace_seconds: room.grace_seconds,
      failure_mode: room.failure_mode,
      shuffled_at: room.shuffled_at?.toISOString() ?? null,
      admitted: room.admitted_count,
      pre_queue: counts?.pre_queue ?? 0,
      waiting: counts?.waiting ?? 0,
      active: counts?.active ?? 0,
      admitted_last_minute: counts?.admitted_last_minute ?? 0,
    };
  }

  private placeView(room: RoomRow, entry: EntryRow | undefined): PlaceView {
    const now = Date.now();
    const status = entry ? placeStatus(room, entry, now) : 'not-in-queue';
    const rate = room.rate_per_minute;
    const ahead =
      status === 'waiting' && entry?.position != null ? Math.max(0, entry.position - room.admitted_through - 1) : null;
    const untilOnSale = Math.max(0, Math.ceil((room.on_sale_at.getTime() - now) / 1000));
    let etaSeconds: number | null = null;
    if (status === 'pre-queue') etaSeconds = untilOnSale;
    else if (ahead !== null && rate !== null) etaSeconds = Math.ceil(((ahead + 1) * 60) / rate);
    let progress = 0;
    if (status === 'admitted') progress = 1;
    else if (ahead !== null) {
      const start = entry?.ahead_at_start ?? ahead;
      progress = start > 0 ? Math.min(1, Math.max(0, 1 - ahead / start)) : 1;
    }
    const tokenExpiresAt = status === 'admitted' ? entry?.token_expires_at : undefined;
    return {
      event_id: room.event_id,
      status,
      room_enabled: room.enabled,
      on_sale_at: room.on_sale_at.toISOString(),
      position: status === 'waiting' ? (entry?.position ?? null) : null,
      ahead,
      eta_seconds: etaSeconds,
      progress: Math.round(progress * 1000) / 1000,
      rate_per_minute: rate,
      token_ttl_seconds: room.token_ttl_seconds,
      token:
        entry && tokenExpiresAt
          ? this.tokens.sign({
              eventId: room.event_id,
              userId: entry.user_id,
              expiresAt: Math.floor(tokenExpiresAt.getTime() / 1000),
            })
          : null,
      token_expires_at: tokenExpiresAt?.toISOString() ?? null,
      poll_after_seconds: POLL_SECONDS,
      ...queueLinks(room.event_id),
    };
  }
}

/** An entry's state as the buyer sees it, at `now`. */
function placeStatus(room: RoomRow, entry: EntryRow, now: number): PlaceStatus {
  if (entry.status === 'admitted') return (entry.token_expires_at?.getTime() ?? 0) > now ? 'admitted' : 'expired';
  if (entry.last_seen_at.getTime() + room.grace_seconds * 1000 <= now) return 'lapsed';
  return entry.position === null ? 'pre-queue' : 'waiting';
}
