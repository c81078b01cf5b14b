import type { RentalKind, RentalStatus } from './rentals.tables.ts';

export interface RentalEventPayload {
  rentalId: number;
  hallId: number;
  organizerId: number;
  userId: number;
  kind: RentalKind;
  status: RentalStatus;
  startsAt: string;
  endsAt: string;
  total: number;
  currency: string;
}

declare module '../../platform/bus/event-map.ts' {
  interface EventMap {
    'rental.created': RentalEventPayload;
    'rental.confirmed': RentalEventPayload & { paidOffline: boolean };
    /** `refundAmount` is what the policy gives back (payments refunds it once rentals are paid online). */
    'rental.cancelled': RentalEventPayload & { by: 'renter' | 'studio'; refundAmount: number };
    'rental.expired': RentalEventPayload;
    'rental.completed': RentalEventPayload;
  }
}
