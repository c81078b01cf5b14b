/** What the payments module tells the rest of the system, through the outbox. */
export interface PaymentEventPayload {
  paymentId: number;
  orderId: string;
  /** Which kind of order was paid for ('booking', 'rental', …); `bookingId` is its id within that kind. */
  orderKind: string;
  bookingId: number;
  userId: number;
  /** Null for an order not for an event (a rental). */
  eventId: number | null;
  amount: number;
  currency: string;
}

declare module '../../platform/bus/event-map.ts' {
  interface EventMap {
    /** Money captured and the booking confirmed (or re-taken after a late payment). */
    'payment.succeeded': PaymentEventPayload;
    /**
     * Declined, cancelled or expired. `heldUntil`: the booking still holds its seats or tickets until
     * then, for another try; null: the booking was cancelled or expired and its inventory freed.
     */
    'payment.failed': PaymentEventPayload & { reason: string; heldUntil: string | null };
    /** A refund reached the gateway. */
    'payment.refunded': PaymentEventPayload & { refundId: number; refundAmount: number; reason: string };
    /** Paid after the hold ended and the seats were gone: refunded automatically; tell the buyer. */
    'payment.late-refunded': PaymentEventPayload & { reason: string };
  }
}
