import type { Transaction } from 'kysely';
import type { EventType } from '../../platform/bus/index.ts';
import type { OwnershipRefusal, Principal } from '../../platform/http/access.ts';

/**
 * The port payments settles every payable order through. Each kind of order (a booking, a rental…)
 * is one `PayableOrder`, bound by kind in main.ts, so payments imports none of the modules that
 * sell, and a new kind of order costs no change here. Every hook that takes a transaction runs in
 * the payment's own, so a payment and its order never disagree.
 */
export interface PayableOrder {
  /** Shown at the gateway and in logs: "booking", "hall rental". */
  readonly label: string;
  /** The kind's answers for someone else's order, or none (a 404 either way, as its own module gives them). */
  readonly strangers: OwnershipRefusal;
  /** Whose order this is; undefined when there is no such order. */
  ownerOf(orderId: number): Promise<number | undefined>;
  /** What paying costs now; refuses (a DomainError) an order that is not the caller's or not payable. */
  quote(principal: Principal, orderId: number): Promise<OrderQuote>;
  /** The order awaits this payment; throws if its amount is no longer `amount`. */
  startPayment(trx: Transaction<object>, principal: Principal, orderId: number, payment: { amount: number }): Promise<unknown>;
  /** The money was captured: confirm the order (or re-take it late); 'unavailable' has payments refund it. */
  settlePaid(trx: Transaction<object>, orderId: number, items: unknown, reason: string): Promise<SettleOutcome>;
  /** The payment failed: the order keeps its hold for another try, or is cancelled or expired. */
  failPayment(
    trx: Transaction<object>,
    orderId: number,
    failure: { reason: string; cancelBooking: boolean },
  ): Promise<{ outcome: 'held' | 'cancelled' | 'expired' | 'none'; holdEndsAt: Date | null }>;
  /** The order's events after which payments refunds (or voids a payment in flight), and how much. */
  readonly refundOn?: {
    events: readonly EventType[];
    changeOf(event: { type: string; payload: unknown }): OrderChange | undefined;
  };
  /** Part of a paid order given back by its owner; the refund follows through `refundOn`. */
  returnItems?(principal: Principal, orderId: number, itemIds: number[]): Promise<unknown>;
}

/** Payable orders by kind ('booking', 'rental', …): the kind is stored with each payment. */
export type PayableOrders = Readonly<Record<string, PayableOrder>>;

export interface OrderQuote {
  userId: number;
  /** The event the order is for, when it is for one (a rental is not). */
  eventId: number | null;
  /** Minor units. */
  amount: number;
  currency: string;
  /** What is paid for, kept as the payment's receipt and handed back to `settlePaid`. */
  items: unknown;
  /** When the order's hold ends (the database's instant): its payment must not outlive it. */
  holdEndsAt: Date | null;
}

/** How a payment's money met its order: confirmed now, already, re-taken late, or nothing left. */
export type SettleOutcome = 'confirmed' | 'already' | 'retaken' | 'unavailable';

/** An order changed after payment: void its payment in flight, refund the rest, or refund an amount. */
export interface OrderChange {
  orderId: number;
  refund: 'void' | 'rest' | number;
  reason: string;
}
