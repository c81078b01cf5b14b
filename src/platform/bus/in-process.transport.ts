import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { deliverOnce, MAX_DELIVERY_ATTEMPTS, parkDeadLetter, type Subscription } from './consumer.ts';
import type { BusEvent } from './event-map.ts';
import type { Transport } from './transport.ts';

/**
 * The embedded bus: publishing an event runs every matching consumer before it resolves. The relay
 * marks an event published only after that, so a crash mid-delivery means the event is published
 * again on restart, and consumers that had already handled it skip it through their inbox. A
 * failing consumer makes publish reject (the relay retries with backoff); after
 * MAX_DELIVERY_ATTEMPTS the event is parked as a dead letter for that consumer, so one poison event
 * cannot stop the bus.
 */
export class InProcessTransport implements Transport {
  readonly name = 'in-process';
  private subscriptions: readonly Subscription[] = [];
  private readonly failedAttempts = new Map<string, number>();

  private readonly db: Kysely<object>;
  private readonly logger: Logger;

  constructor(db: Kysely<object>, logger: Logger) {
    this.db = db;
    this.logger = logger;
  }

  async publish(event: BusEvent): Promise<void> {
    for (const subscription of this.subscriptions) {
      if (subscription.types.has(event.type)) await this.deliver(subscription, event);
    }
  }

  private async deliver(subscription: Subscription, event: BusEvent): Promise<void> {
    const key = `${subscription.consumer}:${event.id}`;
    try {
      await deliverOnce(this.db, subscription, event, this.logger);
      this.failedAttempts.delete(key);
    } catch (error) {
      const attempts = (this.failedAttempts.get(key) ?? 0) + 1;
      this.logger.warn(
        { err: error, consumer: subscription.consumer, eventId: event.id, requestId: event.requestId, attempts },
        'event handler failed',
      );
      if (attempts < MAX_DELIVERY_ATTEMPTS) {
        this.failedAttempts.set(key, attempts);
        throw error;
      }
      this.failedAttempts.delete(key);
      await parkDeadLetter(this.db, subscription.consumer, event, error);
    }
  }

  async startConsumers(subscriptions: readonly Subscription[]): Promise<void> {
    this.subscriptions = subscriptions;
  }

  isConnected(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.subscriptions = [];
  }
}
