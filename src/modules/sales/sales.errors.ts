import { DomainError } from '../../platform/errors.ts';
import type { OwnershipRefusal } from '../../platform/http/access.ts';

/** The catalog's answer for a missing event (GET /api/events/:id), also given for one the caller may not see. */
export const eventNotFound = () => new DomainError('not-found', 'event-not-found', 'No such event.');
export const eventNotOnSale = () => new DomainError('unprocessable', 'event-not-on-sale', 'This event is not on sale.');
export const bookingNotFound = () => new DomainError('not-found', 'booking-not-found', 'No such booking.');
export const notYourBooking = () => new DomainError('forbidden', 'not-your-booking', 'This booking belongs to someone else.');
export const bookingNotOpen = (status: string) =>
  new DomainError('conflict', 'booking-not-open', `Seats can be changed only in an open booking; this one is ${status}.`, {
    booking_status: status,
  });
export const bookingExpired = () =>
  new DomainError('conflict', 'booking-expired', 'This booking has expired; its seats were released.');
export const seatNotFound = () => new DomainError('not-found', 'seat-not-found', 'No such seat.');
/** The HackLoad contract answers a taken seat with 419. */
export const seatTaken = () => new DomainError('conflict', 'seat-taken', 'This seat is already taken.');
export const seatNotYours = () => new DomainError('forbidden', 'seat-not-yours', 'This seat is held by someone else’s booking.');
/** A stranger to a booking: 404 as for a missing one, 403 where the Billetter contract says (see assertOwner). */
export const STRANGER_TO_BOOKING: OwnershipRefusal = { notFound: bookingNotFound, forbidden: notYourBooking };
/** A stranger to a seat held by someone's booking. */
export const STRANGER_TO_SEAT: OwnershipRefusal = { notFound: seatNotFound, forbidden: seatNotYours };
export const seatNotHeld = () =>
  new DomainError('conflict', 'seat-not-held', 'This seat is not held by a booking you can change.');
export const tooManySeats = (max: number) =>
  new DomainError('conflict', 'too-many-seats', `A booking may hold at most ${max} seats for this event.`, { max });
export const activeBookingExists = (bookingId: number | undefined) =>
  new DomainError('conflict', 'active-booking-exists', 'You already have an open booking for this event.', {
    ...(bookingId ? { booking_id: bookingId } : {}),
  });
export const ticketTypeNotFound = () =>
  new DomainError('not-found', 'ticket-type-not-found', 'No such ticket type for this event.');
export const ticketTypeLocked = () =>
  new DomainError(
    'unprocessable',
    'ticket-type-locked',
    'Tickets of this type are sold only with a promo code that unlocks them.',
  );
export const soldOut = (available: number) =>
  new DomainError('conflict', 'sold-out', available > 0 ? `Only ${available} left.` : 'Sold out.', { available });
export const notOnSaleWindow = () =>
  new DomainError('conflict', 'outside-sales-window', 'Tickets of this type are not on sale now.');
export const quantityTooLarge = (max: number) =>
  new DomainError('invalid', 'quantity-too-large', `At most ${max} per order.`, {
    errors: [{ field: 'body/quantity', message: `must be at most ${max}` }],
  });
export const emptyBooking = () => new DomainError('conflict', 'empty-booking', 'Add seats or tickets before paying.');
export const contactRequired = () =>
  new DomainError('unprocessable', 'contact-required', 'This event needs a phone number or telegram in your profile.');
export const resetDisabled = () =>
  new DomainError('forbidden', 'reset-disabled', 'Reset is off. It exists only for load-test environments (ENABLE_RESET=true).');
export const tooManyForUser = (max: number) =>
  new DomainError('conflict', 'user-limit-reached', `One person may hold or buy at most ${max} tickets for this event.`, { max });
export const selectRateLimited = (retryAfter: number) =>
  new DomainError('rate-limited', 'too-many-selections', `Too many seat selections. Try again in ${retryAfter} s.`, {
    retry_after: retryAfter,
  });
export const layoutExists = () => new DomainError('conflict', 'layout-exists', 'This event already has seats.');
export const layoutTooLarge = (max: number, seats: number) =>
  new DomainError('unprocessable', 'layout-too-large', `A hall may have at most ${max} seats; this layout has ${seats}.`, {
    max,
    seats,
  });
export const unitsLimitReached = (max: number, left: number) =>
  new DomainError(
    'unprocessable',
    'units-limit-reached',
    `An event may have at most ${max} general-admission units in all its ticket types; ${left} can still be added.`,
    { max, left },
  );
export const priceOutOfRange = (field: string, max: number) =>
  new DomainError('invalid', 'validation-error', `${field} must be an integer from 0 to ${max}`, {
    errors: [{ field, message: `must be an integer from 0 to ${max}` }],
  });
export const bookingNotPayable = (status: string) =>
  new DomainError('conflict', 'booking-not-payable', `A booking in status ${status} cannot be paid for.`, {
    booking_status: status,
  });
export const bookingChanged = () =>
  new DomainError('conflict', 'booking-changed', 'The booking changed while the payment was being created; try again.');
export const refundWindowClosed = (hours: number) =>
  new DomainError('conflict', 'refund-window-closed', `Paid bookings can be cancelled until ${hours} hours before the event.`, {
    cutoff_hours: hours,
  });
export const seatNotInBooking = () =>
  new DomainError('conflict', 'seat-not-in-booking', 'Only sold seats of this booking can be returned.');
export const promoCodeNotFound = () => new DomainError('not-found', 'promo-code-not-found', 'No such promo code.');
export const promoCodeUnknown = () =>
  new DomainError('unprocessable', 'promo-code-unknown', 'This promo code does not exist for this event.');
export const promoCodeInactive = () =>
  new DomainError('unprocessable', 'promo-code-inactive', 'This promo code has been switched off.');
export const promoCodeNotYetValid = (from: Date) =>
  new DomainError('unprocessable', 'promo-code-not-yet-valid', `This promo code is valid from ${from.toISOString()}.`, {
    valid_from: from.toISOString(),
  });
export const promoCodeExpired = (until: Date) =>
  new DomainError('unprocessable', 'promo-code-expired', `This promo code was valid until ${until.toISOString()}.`, {
    valid_until: until.toISOString(),
  });
export const promoCodeUsedUp = () =>
  new DomainError('conflict', 'promo-code-used-up', 'This promo code has been used as many times as it may be.');
export const promoCodeNotApplicable = () =>
  new DomainError('unprocessable', 'promo-code-not-applicable', 'This promo code is not for these tickets.');
export const promoCodeExists = (codes: string[]) =>
  new DomainError('conflict', 'promo-code-exists', `This event already has the code ${codes.join(', ')}.`, { codes });
export const promoMaxUsesBelowUses = (uses: number) =>
  new DomainError(
    'conflict',
    'promo-max-uses-below-uses',
    `The code has been used ${uses} times; max_uses cannot go below that.`,
    {
      uses,
    },
  );
export const promoDiscountInvalid = (message: string) =>
  new DomainError('invalid', 'validation-error', message, { errors: [{ field: 'body/discount_value', message }] });
export const promoLimitNotOfEvent = (ids: number[]) =>
  new DomainError('unprocessable', 'promo-limit-not-of-event', `Not a ticket type or zone of this event: ${ids.join(', ')}.`, {
    ids,
  });
