/**
 * The one map from event type to payload. Each module adds its own events by augmenting this
 * interface in its `<module>.events.ts`:
 *
 *   declare module '../../platform/bus/event-map.ts' {
 *     interface EventMap { 'booking.confirmed': { bookingId: number } }
 *   }
 *
 * so `addEvent(trx, 'booking.confirmed', …)` and every subscriber are type-checked against it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface EventMap {}

export type EventType = Extract<keyof EventMap, string>;

/** What travels on the bus: the outbox row, as published. */
export interface BusEvent<T extends EventType = EventType> {
  /** The outbox row id: unique, increasing, and the de-duplication key everywhere. */
  id: number;
  type: T;
  aggregateId: string;
  payload: EventMap[T];
  occurredAt: string;
  /** The HTTP request that caused it (directly or through events it caused), when one did. */
  requestId?: string;
}
