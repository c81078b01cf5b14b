import type { ColumnType, Generated } from 'kysely';

export const PAYMENT_STATUSES = [
  'NEW',
  'FORM_SHOWED',
  'AUTHORIZED',
  'CONFIRMED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'REJECTED',
  'CANCELLED',
  'EXPIRED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Payments still waiting for an outcome: reconciliation checks these with the gateway. */
export const LIVE_STATUSES: readonly PaymentStatus[] = ['NEW', 'FORM_SHOWED', 'AUTHORIZED'];
/** Money was captured (and may since have been refunded in part or whole). */
export const CAPTURED_STATUSES: readonly PaymentStatus[] = ['CONFIRMED', 'PARTIALLY_REFUNDED', 'REFUNDED'];

/** What was paid for, as the order's kind described it (a receipt, so a late payment can re-take it). */
export type PaidItems = unknown;

export interface PaymentTable {
  id: Generated<number>;
  /** Which kind of payable order (payments.ports.ts): 'booking', 'rental', … */
  order_kind: Generated<string>;
  /** The order's id within its kind (named for the first kind, bookings). */
  booking_id: number;
  user_id: number;
  event_id: number | null;
  /** Our order id at the gateway (unique there and here). */
  order_id: string;
  gateway: string;
  gateway_payment_id: string;
  /** Minor units. */
  amount: number;
  currency: string;
  /** Reserved by recorded refunds (pending or done); never above amount. */
  refunded_amount: Generated<number>;
  status: PaymentStatus;
  payment_url: string;
  items: ColumnType<PaidItems, string, string>;
  expires_at: Date;
  /** The booking went away: cancel at the gateway on the next check. */
  void_requested: Generated<boolean>;
  failure_reason: string | null;
  /** A failure cancels the booking (the Billetter door) instead of keeping its hold for a retry. */
  cancel_booking_on_failure: Generated<boolean>;
  last_checked_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PaymentStatusHistoryTable {
  id: Generated<number>;
  payment_id: number;
  from_status: PaymentStatus | null;
  to_status: PaymentStatus;
  /** What taught us: initiate, callback, webhook, reconcile, refund. */
  source: string;
  detail: string;
  at: Generated<Date>;
}

export const REFUND_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export interface RefundTable {
  id: Generated<number>;
  payment_id: number;
  order_kind: Generated<string>;
  /** The order's id within its kind. */
  booking_id: number;
  amount: number;
  currency: string;
  reason: string;
  status: Generated<RefundStatus>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  last_error: string | null;
  created_at: Generated<Date>;
  completed_at: Date | null;
}

export interface WebhookDeliveryTable {
  delivery_id: string;
  gateway_payment_id: string;
  status: string;
  received_count: Generated<number>;
  first_received_at: Generated<Date>;
  last_received_at: Generated<Date>;
}

export type PaymentsTables = {
  'payments.payments': PaymentTable;
  'payments.status_history': PaymentStatusHistoryTable;
  'payments.refunds': RefundTable;
  'payments.webhook_deliveries': WebhookDeliveryTable;
};
