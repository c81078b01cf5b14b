import { DomainError } from '../../platform/errors.ts';
import type { BookingStatus } from './sales.tables.ts';

/**
 * The booking state machine, in both seeds' words:
 *
 *   CREATED ──checkout──► PENDING ──pay──► CONFIRMED ──complete──► COMPLETED
 *      │  └────────confirm (free / box office)──┘  │
 *      ├──cancel──► CANCELLED ◄──cancel (refund)───┘
 *      └──expire──► EXPIRED        (PENDING may also be cancelled or expire)
 *                     EXPIRED ──pay-late──► CONFIRMED   (paid late; the inventory was still free)
 *
 * CREATED is an open booking seats can be added to (HackLoad); PENDING awaits payment with the
 * inventory fixed; holds of both end at `expires_at`.
 */
export type BookingAction = 'checkout' | 'confirm' | 'cancel' | 'expire' | 'complete' | 'pay-late';

const TRANSITIONS: Record<BookingAction, { from: readonly BookingStatus[]; to: BookingStatus }> = {
  checkout: { from: ['CREATED'], to: 'PENDING' },
  confirm: { from: ['CREATED', 'PENDING'], to: 'CONFIRMED' },
  cancel: { from: ['CREATED', 'PENDING', 'CONFIRMED'], to: 'CANCELLED' },
  expire: { from: ['CREATED', 'PENDING'], to: 'EXPIRED' },
  complete: { from: ['CONFIRMED'], to: 'COMPLETED' },
  // Paid after the hold ended, and its inventory was taken again (payments' late-payment path).
  'pay-late': { from: ['EXPIRED'], to: 'CONFIRMED' },
};

/** Statuses whose booking holds inventory until `expires_at`. */
export const OPEN_STATUSES: readonly BookingStatus[] = ['CREATED', 'PENDING'];

export function isOpen(status: BookingStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** Where `action` takes a booking in `from`; throws a 409 problem when the move is illegal. */
export function nextStatus(from: BookingStatus, action: BookingAction): BookingStatus {
  const transition = TRANSITIONS[action];
  if (!transition.from.includes(from)) {
    throw new DomainError('conflict', 'illegal-booking-transition', `A booking in status ${from} cannot ${action}.`, {
      booking_status: from,
      action,
    });
  }
  return transition.to;
}

export function canTransition(from: BookingStatus, action: BookingAction): boolean {
  return TRANSITIONS[action].from.includes(from);
}
