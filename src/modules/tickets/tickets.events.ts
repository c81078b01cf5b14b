export interface IssuedTicket {
  id: number;
  code: string;
  seatId: number | null;
  row: number | null;
  number: number | null;
  zone: string | null;
  ticketTypeId: number | null;
  ticketTypeName: string | null;
}

export interface TicketsPurchasedPayload {
  bookingId: number;
  eventId: number;
  userId: number;
  tickets: IssuedTicket[];
}

export interface TicketCheckinPayload {
  ticketId: number;
  eventId: number;
  bookingId: number;
  holderUserId: number;
  gate: string;
  scanId: string;
  usedAt: string;
  source: 'online' | 'offline';
}

export interface TicketsCancelledPayload {
  eventId: number;
  bookingId: number;
  ticketIds: number[];
  reason: string;
}

declare module '../../platform/bus/event-map.ts' {
  interface EventMap {
    /** The tickets of a confirmed booking were issued (once per booking), with their codes. */
    'ticket.purchased': TicketsPurchasedPayload;
    /** A ticket was let in: online at once, or when an offline scanner synced. */
    'ticket.checkin': TicketCheckinPayload;
    /** Tickets of one booking were cancelled (booking cancelled or refunded, event cancelled). */
    'ticket.cancelled': TicketsCancelledPayload;
  }
}
