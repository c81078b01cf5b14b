import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { redeliveryDelayMs } from './consumer.ts';
import { acquireLease, releaseLease } from './lease.ts';
import { findUnpublishedEvents, markEventsPublished } from './outbox.ts';
import type { Transport } from './transport.ts';

const RELAY_LEASE = 'outbox-relay';

export interface RelayOptions {
  intervalMs: number;
  batchSize?: number;
  leaseSeconds?: number;
}

/**
 * Publishes committed outbox events to the transport in id order, then marks them published.
 * Only the holder of the relay lease publishes, so several relay processes keep the order. A crash
 * between publish and mark re-publishes the event; NATS drops it by its message id inside the
 * duplicate window, and consumers drop it by their inbox in any case.
 */
export class OutboxRelay {
  /** Which process holds the lease, readable in platform.leases: host, pid, and a unique suffix. */
  private readonly holder = `${hostname()}:${String(process.pid)}:${randomUUID()}`;
  private readonly batchSize: number;
  private readonly leaseSeconds: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private consecutiveFailures = 0;
  private stopped = true;

  private readonly db: Kysely<object>;
  private readonly transport: Transport;
  private readonly logger: Logger;
  private readonly options: RelayOptions;

  constructor(db: Kysely<object>, transport: Transport, logger: Logger, options: RelayOptions) {
    this.db = db;
    this.transport = transport;
    this.logger = logger;
    this.options = options;
    this.batchSize = options.batchSize ?? 500;
    this.leaseSeconds = options.leaseSeconds ?? 15;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Publishes everything committed so far (as lease holder). Returns how many were published. */
  async drain(): Promise<number> {
    const run = this.running.then(() => this.publishAll());
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Stops the loop and makes one last attempt to flush the backlog. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    try {
      await this.drain();
    } catch (error) {
      this.logger.warn({ err: error }, 'outbox relay could not flush on stop; the backlog stays for the next relay');
    }
    await releaseLease(this.db, RELAY_LEASE, this.holder).catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    try {
      await this.drain();
      this.consecutiveFailures = 0;
      this.schedule(this.options.intervalMs);
    } catch (error) {
      this.consecutiveFailures += 1;
      const delay = redeliveryDelayMs(this.consecutiveFailures);
      this.logger.warn({ err: error, retryInMs: delay }, 'outbox relay could not publish');
      this.schedule(delay);
    }
  }

  private async publishAll(): Promise<number> {
    let total = 0;
    for (;;) {
      if (!(await acquireLease(this.db, RELAY_LEASE, this.holder, this.leaseSeconds))) return total;
      const events = await findUnpublishedEvents(this.db, this.batchSize);
      const published: number[] = [];
      try {
        for (const event of events) {
          await this.transport.publish(event);
          published.push(event.id);
        }
      } finally {
        // Mark what did go out even when a later event failed, so it is not sent again needlessly.
        await markEventsPublished(this.db, published);
      }
      total += published.length;
      if (events.length < this.batchSize) return total;
    }
  }
}
