export { Bus } from './bus.ts';
export type { BusEvent, EventMap, EventType } from './event-map.ts';
export { deleteOldInboxEntries, type EventHandler, type Subscription } from './consumer.ts';
export { addEvent, readOutboxStats, deletePublishedEvents } from './outbox.ts';
export { OutboxRelay } from './relay.ts';
export { InProcessTransport } from './in-process.transport.ts';
export type { Transport } from './transport.ts';
export { NatsTransport } from './nats.transport.ts';
