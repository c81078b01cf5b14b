import { DomainError } from '../../platform/errors.ts';
import type { RentalStatus } from './rentals.tables.ts';
import type { OwnershipRefusal } from '../../platform/http/access.ts';

export const organizerNotFound = () => new DomainError('not-found', 'organizer-not-found', 'No such organizer.');
export const hallNotFound = () => new DomainError('not-found', 'hall-not-found', 'No such hall.');
export const rentalNotFound = () => new DomainError('not-found', 'rental-not-found', 'No such rental.');
export const extraNotFound = (id: number) =>
  new DomainError('not-found', 'extra-not-found', `No extra ${id} for this studio.`, { extra_id: id });
export const closureNotFound = () => new DomainError('not-found', 'closure-not-found', 'No such closure.');
export const notOnStudioTeam = () =>
  new DomainError('forbidden', 'not-on-team', "This needs the owner or manager role in the studio's team.");
export const invalidTimezone = (zone: string) =>
  new DomainError('invalid', 'invalid-timezone', `Unknown time zone ${zone}.`, {
    errors: [{ field: 'body/timezone', message: 'is not an IANA time zone' }],
  });
export const invalidHall = (why: string) => new DomainError('invalid', 'invalid-hall', why);
export const invalidTariff = (why: string) => new DomainError('invalid', 'invalid-tariff', why);
export const invalidRange = (why: string) => new DomainError('invalid', 'invalid-range', why);
export const offGrid = (field: string) =>
  new DomainError('invalid', 'not-on-quarter-hour', `${field} must fall on a quarter hour of the hall's local time.`);
export const hallClosed = (at: string) =>
  new DomainError('unprocessable', 'hall-closed', `The hall is closed at ${at}.`, { closed_at: at });
export const badLength = (minutes: number, min: number, max: number) =>
  new DomainError('unprocessable', 'rental-length', `A rental of this hall lasts ${min} to ${max} minutes, not ${minutes}.`, {
    min_minutes: min,
    max_minutes: max,
  });
export const tooLittleNotice = (minutes: number) =>
  new DomainError('unprocessable', 'notice-too-short', `This hall is booked at least ${minutes} minutes ahead.`, {
    min_notice_minutes: minutes,
  });
export const beyondHorizon = (days: number) =>
  new DomainError('unprocessable', 'beyond-horizon', `This hall is booked at most ${days} days ahead.`, { horizon_days: days });
export const hallNotPriced = () => new DomainError('unprocessable', 'hall-not-priced', 'This hall has no tariff yet.');
export const notPriced = (at: string) =>
  new DomainError('unprocessable', 'time-not-priced', `No tariff band prices the quarter hour at ${at}.`, { at });
export const extraCurrencyMismatch = (name: string, extra: string, hall: string) =>
  new DomainError('unprocessable', 'extra-currency-mismatch', `${name} is priced in ${extra}, the hall in ${hall}.`);
export const totalTooLarge = () =>
  new DomainError('unprocessable', 'rental-total-too-large', 'This rental would cost more than an order may.');
export const slotTaken = () =>
  new DomainError('conflict', 'slot-taken', 'This time (or its buffer) overlaps another rental or block of the hall.');
export const outOfStock = (name: string, at: string) =>
  new DomainError('conflict', 'extra-out-of-stock', `${name} is all taken at ${at}.`, { at });
export const illegalTransition = (from: RentalStatus, action: string) =>
  new DomainError('conflict', 'illegal-rental-transition', `A ${from} rental cannot be ${action}.`, { rental_status: from });
/** Someone else's rental reads as none (a 404 both ways), as the rest of this module answers. */
export const STRANGER_TO_RENTAL: OwnershipRefusal = { notFound: rentalNotFound, forbidden: rentalNotFound };
export const rentalChanged = () =>
  new DomainError('conflict', 'rental-changed', 'The rental changed while the payment was being started; try again.');
export const watchNotFound = () => new DomainError('not-found', 'watch-not-found', 'No such watch.');
/** Someone else's watch reads as none, as rentals do. */
export const STRANGER_TO_WATCH: OwnershipRefusal = { notFound: watchNotFound, forbidden: watchNotFound };
export const slotAvailable = () =>
  new DomainError('conflict', 'slot-available', 'This time is free now: book it (POST /api/rentals) instead of watching it.');
export const tooManyWatches = (max: number) =>
  new DomainError('conflict', 'too-many-watches', `At most ${max} watches may wait at once; delete one first.`, {
    max_watches: max,
  });
export const alreadyWatching = (watchId: number) =>
  new DomainError('conflict', 'already-watching', 'You are already watching this slot.', { watch_id: watchId });
