/** What the catalog tells the rest of the system, through the outbox. */
export interface EventLifecyclePayload {
  eventId: number;
  organizerId: number | null;
  title: string;
  startsAt: string;
}

declare module '../../platform/bus/event-map.ts' {
  interface EventMap {
    'event.published': EventLifecyclePayload;
    /** Sales cancels bookings and refunds; notifications tell holders and the waitlist. */
    'event.cancelled': EventLifecyclePayload & { reason: string };
    'event.completed': EventLifecyclePayload;
    /** Once per event, one day before it starts. */
    'event.reminder': EventLifecyclePayload;
  }
}
