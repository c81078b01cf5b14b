import { DomainError } from '../../platform/errors.ts';

export const ticketNotFound = () => new DomainError('not-found', 'ticket-not-found', 'No such ticket.');
export const notScanner = () =>
  new DomainError('forbidden', 'not-on-team', "This needs the scanner, manager or owner role in the event's organizer team.");

/** A check-in refused; `reason` is the same word validation answers with. */
export const codeForged = () =>
  new DomainError('unprocessable', 'ticket-code-forged', 'This code was not issued by us or has been altered.', {
    reason: 'forged',
  });
export const codeUnknown = (ticketId: number) =>
  new DomainError('not-found', 'ticket-code-unknown', 'This code is not the current code of any ticket.', {
    reason: 'unknown',
    ticket_id: ticketId,
  });
export const ticketCancelled = (ticketId: number) =>
  new DomainError('conflict', 'ticket-cancelled', 'This ticket was cancelled.', { reason: 'cancelled', ticket_id: ticketId });
export const ticketAlreadyUsed = (ticketId: number, usedAt: Date, gate: string) =>
  new DomainError('conflict', 'ticket-already-used', `Already used at ${usedAt.toISOString()} at gate ${gate}.`, {
    reason: 'already-used',
    ticket_id: ticketId,
    used_at: usedAt.toISOString(),
    gate,
  });
export const ticketOtherEvent = (eventId: number) =>
  new DomainError('conflict', 'ticket-other-event', 'This ticket is for another event.', {
    reason: 'other-event',
    ticket_event_id: eventId,
  });
export const scanIdReused = () =>
  new DomainError(
    'conflict',
    'scan-id-reused',
    'This scan id was already used for another ticket; scanners make a new one per scan.',
  );
