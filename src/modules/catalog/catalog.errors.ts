import { DomainError } from '../../platform/errors.ts';
import type { EventStatus } from './catalog.tables.ts';

export const organizerNotFound = () => new DomainError('not-found', 'organizer-not-found', 'No such organizer.');
export const slugTaken = () => new DomainError('conflict', 'slug-taken', 'This slug is taken; choose another.');
export const notOnTeam = (needed: string) =>
  new DomainError('forbidden', 'not-on-team', `This needs the ${needed} role in the organizer's team.`);
export const eventNotFound = () => new DomainError('not-found', 'event-not-found', 'No such event.');
export const illegalTransition = (from: EventStatus, action: string) =>
  new DomainError('conflict', 'illegal-event-transition', `An event in status ${from} cannot be ${action}.`, {
    event_status: from,
  });
export const notEditable = (status: EventStatus, fields: string[]) =>
  new DomainError(
    'conflict',
    'event-not-editable',
    status === 'PUBLISHED'
      ? `A published event keeps what tickets were sold for; only description and images can change (not ${fields.join(', ')}).`
      : `An event in status ${status} cannot be edited.`,
    { event_status: status, fields },
  );
export const notSellable = (reason: string) =>
  new DomainError('unprocessable', 'event-not-sellable', `The event cannot be published: ${reason}.`);
export const userNotFoundForTeam = () => new DomainError('not-found', 'user-not-found', 'No account with this email.');
export const lastOwner = () => new DomainError('conflict', 'last-owner', 'An organizer needs at least one owner.');
export const invalidTimezone = (zone: string) =>
  new DomainError('invalid', 'invalid-timezone', `Unknown time zone ${zone}.`, {
    errors: [{ field: 'body/timezone', message: 'is not an IANA time zone' }],
  });
