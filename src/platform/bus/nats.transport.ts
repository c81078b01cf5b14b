import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { deliverOnce, MAX_DELIVERY_ATTEMPTS, parkDeadLetter, redeliveryDelayMs, type Subscription } from './consumer.ts';
import type { BusEvent } from './event-map.ts';
import type { Transport } from './transport.ts';

export interface NatsTransportOptions {
  url: string;
  db: Kysely<object>;
  logger: Logger;
  streamName?: string;
  subjectPrefix?: string;
  /** Copies of the stream across a NATS cluster (1 on a single server). */
  replicas?: number;
}

/** Short, so a relay whose server is gone backs off and retries instead of hanging on one event. */
const PUBLISH_TIMEOUT_MS = 3_000;
const ACK_WAIT_MS = 30_000;
const RESUBSCRIBE_DELAY_MS = 1_000;

/**
 * The durable bus for several processes: events go to a JetStream stream, and each subscription
 * reads it through its own durable pull consumer. The server drops a republished event by its
 * message id inside the duplicate window; consumers drop any later redelivery through their inbox.
 */
export class NatsTransport implements Transport {
  readonly name = 'nats';
  private connected = true;
  private readonly stopping = new AbortController();
  private readonly consumerLoops: Promise<void>[] = [];
  private readonly openConsumers = new Set<ConsumerMessages>();
  private readonly statusWatch: Promise<void>;

  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly db: Kysely<object>;
  private readonly logger: Logger;
  private readonly streamName: string;
  private readonly subjectPrefix: string;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, options: Required<NatsTransportOptions>) {
    this.nc = nc;
    this.jsm = jsm;
    this.js = jetstream(nc);
    this.db = options.db;
    this.logger = options.logger;
    this.streamName = options.streamName;
    this.subjectPrefix = options.subjectPrefix;
    this.statusWatch = this.watchStatus();
  }

  static async connect(options: NatsTransportOptions): Promise<NatsTransport> {
    const settings = { streamName: 'SBOR_EVENTS', subjectPrefix: 'sbor.events', replicas: 1, ...options };
    // The server may restart under us; the client keeps trying, and the relay's backoff and the
    // consumers' loops carry on once it is back.
    // A comma-separated list names a cluster's nodes: any of them will do to connect, and the
    // client learns the rest from the server and moves to another node when one goes away.
    const nc = await connect({ servers: settings.url.split(','), name: 'sbor', maxReconnectAttempts: -1 });
    try {
      // Creating a replicated stream waits for its copies to agree: longer than the 5 s default
      // on a busy three-node cluster.
      const jsm = await jetstreamManager(nc, { timeout: 15_000 });
      await ensureStream(jsm, settings.streamName, settings.subjectPrefix, settings.replicas);
      return new NatsTransport(nc, jsm, settings);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  async publish(event: BusEvent): Promise<void> {
    // While disconnected the client would buffer the message and send it whenever it reconnects;
    // failing now lets the relay back off and publish again, in order.
    if (!this.isConnected()) throw new Error('NATS is not connected');
    await this.js.publish(this.subject(event.type), JSON.stringify(event), {
      msgID: String(event.id),
      timeout: PUBLISH_TIMEOUT_MS,
    });
  }

  async startConsumers(subscriptions: readonly Subscription[]): Promise<void> {
    const durables = new Map<string, Subscription>();
    for (const subscription of subscriptions) {
      const durable = subscription.consumer.replace(/[^A-Za-z0-9_-]/g, '_');
      if (durables.has(durable)) throw new Error(`Two subscriptions map to the NATS consumer ${durable}`);
      durables.set(durable, subscription);
    }
    for (const [durable, subscription] of durables) await this.ensureConsumer(durable, subscription);
    for (const [durable, subscription] of durables) this.consumerLoops.push(this.consumeLoop(durable, subscription));
  }

  isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  async close(): Promise<void> {
    if (this.closing()) return;
    this.stopping.abort();
    await Promise.all([...this.openConsumers].map((messages) => messages.close()));
    await Promise.all(this.consumerLoops);
    // Draining flushes pending acks but needs the server; when it is gone (or goes meanwhile),
    // closing is all there is to do.
    if (this.isConnected()) await this.nc.drain().catch(() => undefined);
    if (!this.nc.isClosed()) await this.nc.close();
    await this.statusWatch;
  }

  private closing(): boolean {
    return this.stopping.signal.aborted;
  }

  private subject(type: string): string {
    return `${this.subjectPrefix}.${type}`;
  }

  private async ensureConsumer(durable: string, subscription: Subscription): Promise<void> {
    // nats-server 2.9 has no multi-subject filters: a consumer of several types reads every event
    // and skips the others.
    const [onlyType] = subscription.types;
    const filter_subject = subscription.types.size === 1 && onlyType ? this.subject(onlyType) : this.subject('>');
    // One unacknowledged event at a time keeps the stream's order for the handler even when an
    // event fails and waits for its redelivery, as the in-process bus does.
    const settings = { filter_subject, max_ack_pending: 1, ack_wait: nanos(ACK_WAIT_MS), max_deliver: -1 };
    const existing = await this.jsm.consumers.info(this.streamName, durable).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
      throw error;
    });
    if (!existing) {
      // A new consumer starts with the next event published, it does not replay the stream: a
      // subscription added later reacts to what happens from then on, not to days of history.
      await this.jsm.consumers.add(this.streamName, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        ...settings,
      });
    } else if (existing.config.filter_subject !== filter_subject || existing.config.max_ack_pending !== 1) {
      await this.jsm.consumers.update(this.streamName, durable, settings);
    }
  }

  /** `consume()` rides out reconnects, but its iterator can still end; start it again until close. */
  private async consumeLoop(durable: string, subscription: Subscription): Promise<void> {
    while (!this.closing()) {
      try {
        const consumer = await this.js.consumers.get(this.streamName, durable);
        const messages = await consumer.consume();
        this.openConsumers.add(messages);
        try {
          // close() may have run while this was starting; the iterator then ends at once.
          if (this.closing()) void messages.close();
          for await (const message of messages) await this.handle(subscription, message);
        } finally {
          this.openConsumers.delete(messages);
        }
      } catch (error) {
        if (this.closing()) return;
        this.logger.warn({ err: error, consumer: subscription.consumer }, 'NATS consumer stopped; starting it again');
      }
      await sleep(RESUBSCRIBE_DELAY_MS, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  private async handle(subscription: Subscription, message: JsMsg): Promise<void> {
    let event: BusEvent;
    try {
      event = message.json<BusEvent>();
    } catch (error) {
      this.logger.error(
        { err: error, consumer: subscription.consumer, subject: message.subject },
        'unreadable NATS message dropped',
      );
      message.term('not a bus event');
      return;
    }
    if (!subscription.types.has(event.type)) {
      message.ack();
      return;
    }
    try {
      await deliverOnce(this.db, subscription, event, this.logger);
    } catch (error) {
      await this.retryOrPark(subscription, message, event, error);
      return;
    }
    message.ack();
  }

  private async retryOrPark(subscription: Subscription, message: JsMsg, event: BusEvent, error: unknown): Promise<void> {
    const attempts = message.info.deliveryCount;
    this.logger.warn(
      { err: error, consumer: subscription.consumer, eventId: event.id, requestId: event.requestId, attempts },
      'event handler failed',
    );
    if (attempts < MAX_DELIVERY_ATTEMPTS) {
      message.nak(redeliveryDelayMs(attempts));
      return;
    }
    try {
      await parkDeadLetter(this.db, subscription.consumer, event, error);
    } catch (parkError) {
      this.logger.error({ err: parkError, consumer: subscription.consumer, eventId: event.id }, 'could not park dead letter');
      message.nak(redeliveryDelayMs(attempts));
      return;
    }
    message.ack();
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.logger.warn({ server: status.server }, 'NATS disconnected');
      } else if (status.type === 'reconnect') {
        this.connected = true;
        this.logger.info({ server: status.server }, 'NATS reconnected');
      }
    }
  }
}

async function ensureStream(jsm: JetStreamManager, name: string, subjectPrefix: string, replicas: number): Promise<void> {
  const config = {
    subjects: [`${subjectPrefix}.>`],
    // On a cluster, 3 copies keep the stream (and its consumers, which follow it) writable with
    // one node down; the server refuses more copies than it has nodes.
    num_replicas: replicas,
    duplicate_window: nanos(2 * 60_000),
    max_age: nanos(7 * 24 * 60 * 60_000),
  };
  const exists = await jsm.streams.info(name).then(
    () => true,
    (error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return false;
      throw error;
    },
  );
  if (exists) await jsm.streams.update(name, config);
  else await jsm.streams.add({ name, storage: StorageType.File, ...config });
}
