import { DomainError } from '../../platform/errors.ts';

export const notificationNotFound = () => new DomainError('not-found', 'notification-not-found', 'No such notification.');
