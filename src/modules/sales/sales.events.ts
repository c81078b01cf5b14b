import type { BookingStatus } from './sales.tables.ts';

export interface BookingEventPayload {
  bookingId: number;
  eventId: number;
  userId: number;
  status: BookingStatus;
  totalAmount: number;
  currency: string;
  seatIds: number[];
  ticketTypeId: number | null;
  quantity: number;
  /** booking.created only: the booking is a waitlist offer (waitlist.offered tells the person). */
  fromWaitlist?: boolean;
}

/** A waitlist entry was offered inventory: held for them in `bookingId` until `offerExpiresAt`. */
export interface WaitlistOfferPayload {
  entryId: number;
  eventId: number;
  ticketTypeId: number | null;
  userId: number;
  quantity: number;
  bookingId: number;
  offerExpiresAt: string;
}

declare module '../../platform/bus/event-map.ts' {
  interface EventMap {
    'booking.created': BookingEventPayload;
    'booking.confirmed': BookingEventPayload;
    'booking.expired': BookingEventPayload;
    /** With `refund: true` when a paid booking was cancelled. */
    'booking.cancelled': BookingEventPayload & { reason: string; refund: boolean };
    'waitlist.offered': WaitlistOfferPayload;
    /** Some seats of a paid booking were returned: `refundAmount` is owed back (payments refunds it). */
    'booking.seats-returned': BookingEventPayload & { returnedSeatIds: number[]; refundAmount: number };
    /** HackLoad's load-test reset (`POST /api/reset`): the event's bookings are gone; tickets voids its tickets. */
    'event.reset': { eventId: number };
  }
}
