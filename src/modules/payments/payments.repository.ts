import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { narrow } from '../../platform/db/narrow.ts';
import {
  CAPTURED_STATUSES,
  LIVE_STATUSES,
  type PaidItems,
  type PaymentStatus,
  type PaymentsTables,
  type PaymentTable,
  type RefundTable,
} from './payments.tables.ts';

export type PaymentsDb = Kysely<PaymentsTables>;
export type PaymentRow = Selectable<PaymentTable>;
export type RefundRow = Selectable<RefundTable>;

/** An order of some kind (payments.ports.ts): its payments are keyed by both. */
export interface OrderRef {
  kind: string;
  id: number;
}

export function paymentsDb(db: Kysely<object>): PaymentsDb {
  return db.$extendTables<PaymentsTables>();
}

/** A transaction some other module opened (a bus consumer's), narrowed to ours. */
export function paymentsTrx(trx: Transaction<object>): Transaction<PaymentsTables> {
  return narrow<PaymentsTables>(trx);
}

/** Inserts a NEW payment; undefined when the order already has one in flight (the partial unique index). */
export async function insertPayment(
  trx: Transaction<PaymentsTables>,
  payment: {
    order: OrderRef;
    userId: number;
    eventId: number | null;
    orderId: string;
    gateway: string;
    gatewayPaymentId: string;
    amount: number;
    currency: string;
    paymentUrl: string;
    items: PaidItems;
    expiresAt: Date;
    cancelBookingOnFailure: boolean;
  },
): Promise<PaymentRow | undefined> {
  return trx
    .insertInto('payments.payments')
    .values({
      order_kind: payment.order.kind,
      booking_id: payment.order.id,
      user_id: payment.userId,
      event_id: payment.eventId,
      order_id: payment.orderId,
      gateway: payment.gateway,
      gateway_payment_id: payment.gatewayPaymentId,
      amount: payment.amount,
      currency: payment.currency,
      status: 'NEW',
      payment_url: payment.paymentUrl,
      items: JSON.stringify(payment.items),
      expires_at: payment.expiresAt,
      cancel_booking_on_failure: payment.cancelBookingOnFailure,
      failure_reason: null,
      last_checked_at: null,
    })
    .onConflict((conflict) =>
      conflict
        .columns(['order_kind', 'booking_id'])
        .where('status', 'in', [...LIVE_STATUSES])
        .doNothing(),
    )
    .returningAll()
    .executeTakeFirst();
}

export async function findPayment(db: PaymentsDb, id: number): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments.payments').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockPayment(trx: Transaction<PaymentsTables>, id: number): Promise<PaymentRow> {
  return trx.selectFrom('payments.payments').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
}

export async function findPaymentByGatewayId(db: PaymentsDb, gateway: string, gatewayPaymentId: string) {
  return db
    .selectFrom('payments.payments')
    .selectAll()
    .where('gateway', '=', gateway)
    .where('gateway_payment_id', '=', gatewayPaymentId)
    .executeTakeFirst();
}

export async function findPaymentByOrderId(db: PaymentsDb, orderId: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments.payments').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

export async function findLivePayment(db: PaymentsDb, order: OrderRef): Promise<PaymentRow | undefined> {
  return db
    .selectFrom('payments.payments')
    .selectAll()
    .where('order_kind', '=', order.kind)
    .where('booking_id', '=', order.id)
    .where('status', 'in', [...LIVE_STATUSES])
    .executeTakeFirst();
}

export async function listPaymentsOfOrder(db: PaymentsDb, order: OrderRef): Promise<PaymentRow[]> {
  return db
    .selectFrom('payments.payments')
    .selectAll()
    .where('order_kind', '=', order.kind)
    .where('booking_id', '=', order.id)
    .orderBy('id', 'desc')
    .execute();
}

export async function listHistory(db: PaymentsDb, paymentIds: number[]) {
  if (paymentIds.length === 0) return [];
  return db
    .selectFrom('payments.status_history')
    .select(['payment_id', 'from_status', 'to_status', 'source', 'detail', 'at'])
    .where('payment_id', 'in', paymentIds)
    .orderBy('id')
    .execute();
}

export async function listRefundsOfOrder(db: PaymentsDb, order: OrderRef): Promise<RefundRow[]> {
  return db
    .selectFrom('payments.refunds')
    .selectAll()
    .where('order_kind', '=', order.kind)
    .where('booking_id', '=', order.id)
    .orderBy('id')
    .execute();
}

export async function insertHistory(
  trx: Transaction<PaymentsTables>,
  entry: { paymentId: number; from: PaymentStatus | null; to: PaymentStatus; source: string; detail?: string },
): Promise<void> {
  await trx
    .insertInto('payments.status_history')
    .values({
      payment_id: entry.paymentId,
      from_status: entry.from,
      to_status: entry.to,
      source: entry.source,
      detail: entry.detail ?? '',
    })
    .execute();
}

/** Moves a locked payment to `to` and records the change; no-op when it is there already. */
export async function movePayment(
  trx: Transaction<PaymentsTables>,
  payment: PaymentRow,
  to: PaymentStatus,
  source: string,
  detail = '',
  extra: { failureReason?: string } = {},
): Promise<PaymentRow> {
  if (payment.status === to) return payment;
  const updated = await trx
    .updateTable('payments.payments')
    .set({
      status: to,
      updated_at: sql<Date>`now()`,
      last_checked_at: sql<Date>`now()`,
      ...(extra.failureReason !== undefined ? { failure_reason: extra.failureReason } : {}),
    })
    .where('id', '=', payment.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await insertHistory(trx, { paymentId: payment.id, from: payment.status, to, source, detail });
  return updated;
}

export async function touchChecked(db: PaymentsDb, paymentId: number): Promise<void> {
  await db
    .updateTable('payments.payments')
    .set({ last_checked_at: sql<Date>`now()` })
    .where('id', '=', paymentId)
    .execute();
}

/**
 * Payments reconciliation should ask the gateway about: in flight and past their expiry, asked to
 * be voided, or not checked for `staleSeconds` (a lost webhook must not leave money in limbo).
 */
export async function paymentsToReconcile(db: PaymentsDb, limit: number, staleSeconds: number): Promise<PaymentRow[]> {
  return db
    .selectFrom('payments.payments')
    .selectAll()
    .where('status', 'in', [...LIVE_STATUSES])
    .where((eb) =>
      eb.or([
        eb('expires_at', '<=', sql<Date>`now()`),
        eb('void_requested', '=', true),
        eb(sql`coalesce(last_checked_at, created_at)`, '<=', sql<Date>`now() - make_interval(secs => ${staleSeconds})`),
      ]),
    )
    .orderBy(sql`coalesce(last_checked_at, created_at)`)
    .limit(limit)
    .execute();
}

/** The order went away: its payments in flight are voided at the next check. */
export async function requestVoid(trx: Transaction<PaymentsTables>, order: OrderRef): Promise<number> {
  const result = await trx
    .updateTable('payments.payments')
    .set({ void_requested: true, updated_at: sql<Date>`now()` })
    .where('order_kind', '=', order.kind)
    .where('booking_id', '=', order.id)
    .where('status', 'in', [...LIVE_STATUSES])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The captured payment of an order, locked (latest first). */
export async function lockCapturedPayment(trx: Transaction<PaymentsTables>, order: OrderRef): Promise<PaymentRow | undefined> {
  return trx
    .selectFrom('payments.payments')
    .selectAll()
    .where('order_kind', '=', order.kind)
    .where('booking_id', '=', order.id)
    .where('status', 'in', [...CAPTURED_STATUSES])
    .orderBy('id', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * Records a refund and reserves its amount on the payment in one conditional update, so refunds
 * can never add up to more than was paid (the check constraint stands behind it).
 */
export async function insertRefund(
  trx: Transaction<PaymentsTables>,
  payment: PaymentRow,
  amount: number,
  reason: string,
): Promise<RefundRow | undefined> {
  const reserved = await trx
    .updateTable('payments.payments')
    .set({ refunded_amount: sql<number>`refunded_amount + ${amount}`, updated_at: sql<Date>`now()` })
    .where('id', '=', payment.id)
    .where(sql<boolean>`refunded_amount + ${amount} <= amount`)
    .executeTakeFirst();
  if (Number(reserved.numUpdatedRows) !== 1) return undefined;
  return trx
    .insertInto('payments.refunds')
    .values({
      payment_id: payment.id,
      order_kind: payment.order_kind,
      booking_id: payment.booking_id,
      amount,
      currency: payment.currency,
      reason,
      last_error: null,
      completed_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Claims the next due refund for this process and leases it for `leaseSeconds` (at least the
 * gateway call's longest time): a crash mid-call frees it then, and no other instance sends it
 * while this one may still be waiting for the gateway. One at a time, so a lease never runs out
 * while its refund waits behind others in the same batch.
 */
export async function claimDueRefund(db: PaymentsDb, leaseSeconds: number) {
  const result = await sql<{
    id: number;
    payment_id: number;
    amount: number;
    reason: string;
    attempts: number;
  }>`
    with due as (
      select id from payments.refunds
      where status = 'PENDING' and next_attempt_at <= now()
      order by next_attempt_at limit 1
      for update skip locked
    )
    update payments.refunds as refund
    set attempts = refund.attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseSeconds})
    from due where refund.id = due.id
    returning refund.id, refund.payment_id, refund.amount, refund.reason, refund.attempts`.execute(db);
  return result.rows[0];
}

export async function completeRefund(trx: Transaction<PaymentsTables>, refundId: number): Promise<RefundRow | undefined> {
  return trx
    .updateTable('payments.refunds')
    .set({ status: 'SUCCEEDED', completed_at: sql<Date>`now()`, last_error: null })
    .where('id', '=', refundId)
    .where('status', '=', 'PENDING')
    .returningAll()
    .executeTakeFirst();
}

export async function refundAttemptFailed(
  db: PaymentsDb,
  refundId: number,
  error: string,
  final: boolean,
  retryInSeconds: number,
) {
  await db
    .updateTable('payments.refunds')
    .set({
      last_error: error,
      ...(final ? { status: 'FAILED' as const } : {}),
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${retryInSeconds})`,
    })
    .where('id', '=', refundId)
    .execute();
}

export async function succeededRefundTotal(db: PaymentsDb, paymentId: number): Promise<number> {
  const row = await db
    .selectFrom('payments.refunds')
    .select(sql<number>`coalesce(sum(amount), 0)::bigint`.as('total'))
    .where('payment_id', '=', paymentId)
    .where('status', '=', 'SUCCEEDED')
    .executeTakeFirstOrThrow();
  return row.total;
}

export async function findDelivery(db: PaymentsDb, deliveryId: string) {
  return db.selectFrom('payments.webhook_deliveries').selectAll().where('delivery_id', '=', deliveryId).executeTakeFirst();
}

/** Records a webhook delivery; a repeat only counts. Returns whether this was the first. */
export async function recordDelivery(db: PaymentsDb, delivery: { deliveryId: string; gatewayPaymentId: string; status: string }) {
  const row = await sql<{ first: boolean }>`
    insert into payments.webhook_deliveries (delivery_id, gateway_payment_id, status)
    values (${delivery.deliveryId}, ${delivery.gatewayPaymentId}, ${delivery.status})
    on conflict (delivery_id) do update
      set received_count = payments.webhook_deliveries.received_count + 1, last_received_at = now()
    returning (xmax = 0) as first`.execute(db);
  return row.rows[0]?.first ?? false;
}
