import { DomainError } from '../../platform/errors.ts';

/** Where a buyer queues for an event: the API to poll, and the web app's page. */
export function queueLinks(eventId: number): { queue_url: string; queue_page: string } {
  return { queue_url: `/api/events/${eventId}/queue`, queue_page: `/events/${eventId}/queue` };
}

export const queueRequired = (eventId: number, reason: string) =>
  new DomainError(
    'forbidden',
    'queue-required',
    'This event sells through a waiting room: join the queue, and buy with the admission token it gives you (Queue-Token header).',
    { event_id: eventId, reason, ...queueLinks(eventId) },
  );
export const noWaitingRoom = () =>
  new DomainError('conflict', 'no-waiting-room', 'This event has no waiting room on: buy directly.');
export const queueEventNotFound = () => new DomainError('not-found', 'event-not-found', 'No such event.');
export const notOnTeam = () =>
  new DomainError('forbidden', 'not-on-team', "This needs the owner or manager role in the event's organizer team.");
export const roomNeedsALimit = () =>
  new DomainError('invalid', 'room-needs-a-limit', 'Set an admission rate, a cap on people buying at once, or both.');
export const tooManyJoins = (retryAfter: number) =>
  new DomainError('rate-limited', 'too-many-joins', `Too many attempts to join the queue. Try again in ${retryAfter} s.`, {
    retry_after: retryAfter,
  });
