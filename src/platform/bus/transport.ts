import type { BusEvent } from './event-map.ts';
import type { Subscription } from './consumer.ts';

/**
 * How events move between processes. The outbox relay publishes; consumers subscribe. Two
 * implementations: in-process (the embedded default, one process runs every role) and NATS
 * JetStream (durable, for several processes).
 */
export interface Transport {
  readonly name: 'in-process' | 'nats';
  /** Resolves once the transport has durably accepted the event; rejects if it could not. */
  publish(event: BusEvent): Promise<void>;
  /** Starts delivering events to these subscriptions (the worker role). */
  startConsumers(subscriptions: readonly Subscription[]): Promise<void>;
  isConnected(): boolean;
  close(): Promise<void>;
}
