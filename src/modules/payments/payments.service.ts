import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { narrow } from '../../platform/db/narrow.ts';
import { addEvent } from '../../platform/bus/index.ts';
import { assertOwner, type Principal } from '../../platform/http/access.ts';
import { DomainError } from '../../platform/errors.ts';
import {
  amountTooSmall,
  gatewayFailed,
  gatewayUnavailable,
  invalidWebhookSignature,
  nothingToPay,
  paymentInProgress,
} from './payments.errors.ts';
import type { PaymentEventPayload } from './payments.events.ts';
import type { OrderChange, PayableOrder, PayableOrders } from './payments.ports.ts';
import {
  GATEWAY_ERRORS,
  GatewayError,
  verifyWebhookSignature,
  type GatewayPayment,
  type PaymentGateway,
} from './payments.gateway.ts';
import {
  claimDueRefund,
  completeRefund,
  findDelivery,
  findLivePayment,
  findPayment,
  findPaymentByGatewayId,
  findPaymentByOrderId,
  insertHistory,
  insertPayment,
  insertRefund,
  listHistory,
  listPaymentsOfOrder,
  listRefundsOfOrder,
  lockCapturedPayment,
  lockPayment,
  movePayment,
  paymentsDb,
  paymentsToReconcile,
  paymentsTrx,
  recordDelivery,
  refundAttemptFailed,
  requestVoid,
  succeededRefundTotal,
  touchChecked,
  type OrderRef,
  type PaymentRow,
  type PaymentsDb,
} from './payments.repository.ts';
import { CAPTURED_STATUSES, LIVE_STATUSES, type PaymentStatus, type PaymentsTables } from './payments.tables.ts';

/** The kind of order the HackLoad and native booking doors pay for. */
export const BOOKING = 'booking';

export interface PaymentsOptions {
  gateway: PaymentGateway;
  /** Where the gateway sends the browser back and posts webhooks. */
  publicUrl: string;
  ttlSeconds: number;
  /** Verifies X-Webhook-Signature when set. */
  webhookSecret: string | undefined;
  /** The gateway's merchant id; webhooks naming another are ignored. */
  teamSlug: string;
  /** Payments in flight are checked with the gateway when not checked for this long. */
  staleSeconds: number;
  logger: Logger;
}

export interface PaymentView {
  id: number;
  order_id: string;
  /** Which kind of order it pays for ('booking', 'rental', …). */
  order_kind: string;
  /** The order's id within its kind (named for the first kind, bookings). */
  booking_id: number;
  status: PaymentStatus;
  amount: number;
  refunded_amount: number;
  currency: string;
  payment_url: string;
  expires_at: string;
  failure_reason: string | null;
  created_at: string;
}

export interface WebhookInput {
  rawBody: string;
  body: { paymentId: string; status: string; teamSlug: string; timestamp?: string; data?: Record<string, unknown> };
  signature: string | undefined;
  deliveryId: string | undefined;
}

/** How a payment was started: the Billetter door cancels the booking when its payment fails. */
export interface InitiateOptions {
  cancelBookingOnFailure?: boolean;
}

const GATEWAY_MINIMUM = 1000;
const MAX_REFUND_ATTEMPTS = 10;

type RemoteOutcome = 'authorized' | 'captured' | 'failed' | 'open' | 'other';

function classify(status: string): RemoteOutcome {
  switch (status) {
    case 'AUTHORIZED':
      return 'authorized';
    case 'CONFIRMED':
    case 'PARTIAL_REFUNDED':
    case 'REFUNDED':
      return 'captured';
    case 'REJECTED':
    case 'CANCELLED':
    case 'REVERSED':
    case 'EXPIRED':
    case 'DEADLINE_EXPIRED':
      return 'failed';
    case 'NEW':
    case 'FORM_SHOWED':
    case 'AUTHORIZING':
    case 'CONFIRMING':
      return 'open';
    default:
      return 'other';
  }
}

/**
 * Payments: starting one for a booking, learning its outcome (callbacks, webhooks and the
 * reconciliation job all lead to `settle`, which asks the gateway), refunds, and late payments.
 * Calls to the gateway never happen inside a database transaction.
 *
 * Over 500 lines on purpose: starting, settling, refunding and reading are one payment's state
 * machine (payments.tables.ts) and share its recording and settling internals; splitting them
 * would spread the machine's transitions over files that each need all of them.
 */
export class PaymentsService {
  private readonly db: PaymentsDb;
  private readonly orders: PayableOrders;
  private readonly options: PaymentsOptions;
  private readonly gateway: PaymentGateway;
  private readonly logger: Logger;

  constructor(db: Kysely<object>, orders: PayableOrders, options: PaymentsOptions) {
    this.db = paymentsDb(db);
    this.orders = orders;
    this.options = options;
    this.gateway = options.gateway;
    this.logger = options.logger;
  }

  // ── Starting ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Starts paying for a booking: asks the gateway for a payment page (outside any transaction),
   * then in one transaction records the payment and moves the booking to PENDING. The payment
   * expires when the booking's hold does (or after PAYMENT_TTL_SECONDS, if that is sooner): the
   * organizer's hold time is the deadline to pay. A gateway failure changes nothing; a booking with
   * a payment page already open gets that page again.
   */
  async initiate(principal: Principal, bookingId: number, options: InitiateOptions = {}): Promise<PaymentView> {
    return this.initiateFor(principal, { kind: BOOKING, id: bookingId }, options);
  }

  /** Starts paying for an order of any kind, as `initiate` does for a booking. */
  async initiateFor(principal: Principal, order: OrderRef, options: InitiateOptions = {}): Promise<PaymentView> {
    const payable = this.payable(order.kind);
    const bookingId = order.id;
    const quote = await payable.quote(principal, order.id);
    const live = await findLivePayment(this.db, order);
    if (live) {
      if (live.status !== 'AUTHORIZED' && !live.void_requested && live.expires_at.getTime() > Date.now()) return this.view(live);
      throw paymentInProgress();
    }
    if (quote.amount === 0) throw nothingToPay();
    if (quote.amount < GATEWAY_MINIMUM) throw amountTooSmall(GATEWAY_MINIMUM);
    // The gateway's order id: a booking's is its id (HackLoad's callbacks may name just that); other kinds are prefixed.
    const prefix = order.kind === BOOKING ? '' : `${order.kind.slice(0, 8)}-`;
    const orderId = `${prefix}${bookingId}-${randomBytes(4).toString('hex')}`;
    const now = Date.now();
    const expiresAt = new Date(Math.min(now + this.options.ttlSeconds * 1000, quote.holdEndsAt?.getTime() ?? Infinity));
    const base = this.options.publicUrl;
    let init;
    try {
      init = await this.gateway.init({
        orderId,
        amount: quote.amount,
        currency: quote.currency,
        description: `Sbor ${payable.label} ${bookingId}`,
        successUrl: `${base}/api/payments/success?orderId=${encodeURIComponent(orderId)}`,
        failUrl: `${base}/api/payments/fail?orderId=${encodeURIComponent(orderId)}`,
        notificationUrl: `${base}/api/payments/notifications`,
        // The protocol counts whole minutes: the page may outlive the hold by under one, and a card
        // taken in that minute is a late payment (re-taken if the seats are free, else refunded).
        expiryMinutes: Math.max(1, Math.ceil((expiresAt.getTime() - now) / 60_000)),
        email: principal.email,
        data: order.kind === BOOKING ? { bookingId: String(bookingId) } : { orderKind: order.kind, orderId: String(bookingId) },
      });
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      this.logger.warn({ err: error, order, orderId }, 'payment gateway failed at init; order unchanged');
      throw error.kind === 'unreachable' || (error.httpStatus ?? 0) >= 500 ? gatewayUnavailable(error) : gatewayFailed(error);
    }
    try {
      const payment = await this.db.transaction().execute(async (trx) => {
        const row = await insertPayment(trx, {
          order,
          userId: quote.userId,
          eventId: quote.eventId,
          orderId,
          gateway: this.gateway.name,
          gatewayPaymentId: init.paymentId,
          amount: quote.amount,
          currency: quote.currency,
          paymentUrl: init.paymentUrl,
          items: quote.items,
          expiresAt,
          cancelBookingOnFailure: options.cancelBookingOnFailure ?? false,
        });
        if (!row) throw paymentInProgress();
        await insertHistory(trx, {
          paymentId: row.id,
          from: null,
          to: 'NEW',
          source: 'initiate',
          detail: `gateway ${init.paymentId}`,
        });
        await payable.startPayment(shared(trx), principal, bookingId, { amount: quote.amount });
        return row;
      });
      return this.view(payment);
    } catch (error) {
      // The booking cannot await this payment (it changed, or another payment won): void the page.
      await this.gateway.cancel(init.paymentId, { reason: 'not recorded' }).catch((cancelError: unknown) => {
        this.logger.error({ err: cancelError, paymentId: init.paymentId }, 'could not void an unrecorded gateway payment');
      });
      if (error instanceof DomainError && error.code === 'payment-in-progress') {
        const winner = await findLivePayment(this.db, order);
        if (winner) return this.view(winner);
      }
      throw error;
    }
  }

  // ── Learning the outcome ─────────────────────────────────────────────────────────────────────

  /** The browser came back (success or fail URL): settle by asking the gateway, never by the URL alone. */
  async settleOrder(orderId: string, source: string): Promise<PaymentView | undefined> {
    let payment = await findPaymentByOrderId(this.db, orderId);
    // HackLoad's own examples put the booking id in orderId.
    if (!payment && /^\d{1,15}$/.test(orderId))
      payment = (await listPaymentsOfOrder(this.db, { kind: BOOKING, id: Number(orderId) }))[0];
    if (!payment) {
      this.logger.warn({ orderId, source }, 'payment callback for an unknown order; nothing changed');
      return undefined;
    }
    return this.view(await this.settle(payment, source));
  }

  /**
   * A gateway webhook: the signature is checked when a secret is configured (a forged one changes
   * nothing), a delivery id seen before is only counted, and the payment is settled by asking the
   * gateway, so late, duplicated and out-of-order deliveries are harmless.
   */
  async handleWebhook(input: WebhookInput): Promise<'applied' | 'duplicate' | 'ignored'> {
    const secret = this.options.webhookSecret;
    if (secret && !verifyWebhookSignature(secret, input.rawBody, input.signature)) {
      this.logger.warn(
        { paymentId: input.body.paymentId, deliveryId: input.deliveryId },
        'webhook with a bad signature rejected',
      );
      throw invalidWebhookSignature();
    }
    const deliveryId = input.deliveryId ?? `${input.body.paymentId}:${input.body.status}:${input.body.timestamp ?? ''}`;
    const delivery = { deliveryId, gatewayPaymentId: input.body.paymentId, status: input.body.status };
    if (await findDelivery(this.db, deliveryId)) {
      await recordDelivery(this.db, delivery);
      return 'duplicate';
    }
    const payment =
      input.body.teamSlug === this.options.teamSlug
        ? await findPaymentByGatewayId(this.db, this.gateway.name, input.body.paymentId)
        : undefined;
    if (!payment) {
      this.logger.warn({ ...delivery, teamSlug: input.body.teamSlug }, 'webhook for an unknown payment; nothing changed');
      await recordDelivery(this.db, delivery);
      return 'ignored';
    }
    await this.settle(payment, 'webhook');
    // Recorded after settling: if settling failed, the gateway's retry is not mistaken for a duplicate.
    await recordDelivery(this.db, delivery);
    return 'applied';
  }

  /**
   * The one settlement step. Asks the gateway for the payment's state and acts on it:
   * AUTHORIZED → Confirm, then as CONFIRMED; CONFIRMED → booking confirmed (or re-taken, or
   * refunded when its inventory is gone); REJECTED/CANCELLED/EXPIRED → booking cancelled;
   * still open past expiry (or voided) → Cancel at the gateway, then as failed. Idempotent.
   */
  async settle(payment: PaymentRow, source: string): Promise<PaymentRow> {
    let remote: GatewayPayment | undefined;
    try {
      const found = await this.gateway.check({ paymentId: payment.gateway_payment_id });
      remote = found.find((entry) => entry.paymentId === payment.gateway_payment_id) ?? found[0];
    } catch (error) {
      const unknown = error instanceof GatewayError && error.code === GATEWAY_ERRORS.notFound;
      if (!unknown) {
        this.logger.warn({ err: error, paymentId: payment.id, source }, 'payment check failed; will retry');
        await touchChecked(this.db, payment.id);
        return payment;
      }
    }
    if (!remote) {
      // The gateway does not know it (a restart lost it, or it never took it). Before expiry it may
      // still appear; after, nobody can pay it any more: it failed, and the booking goes its way.
      if (payment.expires_at.getTime() <= Date.now())
        return this.applyFailed(payment.id, 'EXPIRED', source, 'unknown to the gateway');
      return this.touched(payment);
    }
    let outcome = classify(remote.status);
    if (outcome === 'authorized') {
      try {
        await this.gateway.confirm(payment.gateway_payment_id, payment.amount);
        outcome = 'captured';
      } catch (error) {
        if (error instanceof GatewayError && error.code === GATEWAY_ERRORS.alreadyConfirmed) outcome = 'captured';
        else {
          this.logger.warn({ err: error, paymentId: payment.id, source }, 'payment confirm failed; will retry');
          return this.record(payment.id, 'AUTHORIZED', source, 'confirm pending');
        }
      }
    }
    if (outcome === 'captured') return this.applyCaptured(payment.id, source);
    if (outcome === 'failed') return this.applyFailed(payment.id, remote.status, source, remote.failureReason);
    if (outcome === 'open') {
      if (payment.void_requested || payment.expires_at.getTime() <= Date.now()) {
        const reason = payment.void_requested ? 'booking went away' : 'payment expired';
        try {
          await this.gateway.cancel(payment.gateway_payment_id, { reason });
        } catch (error) {
          this.logger.warn({ err: error, paymentId: payment.id, source }, 'cancelling an open payment failed; will recheck');
          await touchChecked(this.db, payment.id);
          return payment;
        }
        return this.applyFailed(payment.id, payment.void_requested ? 'CANCELLED' : 'EXPIRED', source);
      }
      return remote.status === 'FORM_SHOWED' ? this.record(payment.id, 'FORM_SHOWED', source) : this.touched(payment);
    }
    return this.touched(payment);
  }

  /** Reconciliation: payments in flight past expiry, voided, or unchecked for a while. Returns how many. */
  async reconcile(limit = 50): Promise<number> {
    const due = await paymentsToReconcile(this.db, limit, this.options.staleSeconds);
    for (const payment of due) {
      try {
        await this.settle(payment, 'reconcile');
      } catch (error) {
        this.logger.error({ err: error, paymentId: payment.id }, 'reconciling a payment failed');
      }
    }
    return due.length;
  }

  private async applyCaptured(paymentId: number, source: string): Promise<PaymentRow> {
    return this.db.transaction().execute(async (trx) => {
      const locked = await lockPayment(trx, paymentId);
      if (CAPTURED_STATUSES.includes(locked.status)) return locked;
      const payable = this.payable(locked.order_kind);
      const outcome = await payable.settlePaid(shared(trx), locked.booking_id, locked.items, `paid (payment ${locked.id})`);
      const updated = await movePayment(trx, locked, 'CONFIRMED', source, `${locked.order_kind} ${outcome}`);
      if (outcome === 'unavailable') {
        // Paid after the hold ended and the inventory is gone (or the booking was cancelled): refund it all.
        const reason =
          locked.order_kind === BOOKING
            ? 'paid after the booking ended; its seats were no longer available'
            : `paid after the ${payable.label} ended; it was no longer available`;
        await insertRefund(trx, updated, updated.amount, reason);
        await addEvent(trx, 'payment.late-refunded', updated.id, { ...this.payload(updated), reason });
      } else {
        await addEvent(trx, 'payment.succeeded', updated.id, this.payload(updated));
      }
      return updated;
    });
  }

  /**
   * A failed payment: recorded with why (the gateway's words when it gives them), and the booking
   * told — it keeps its hold for another try, or is cancelled when the payment's door asks for it.
   */
  private async applyFailed(paymentId: number, remoteStatus: string, source: string, remoteReason?: string): Promise<PaymentRow> {
    const to: PaymentStatus =
      remoteStatus === 'REJECTED' ? 'REJECTED' : remoteStatus.includes('EXPIRED') ? 'EXPIRED' : 'CANCELLED';
    return this.db.transaction().execute(async (trx) => {
      const locked = await lockPayment(trx, paymentId);
      // Only a payment in flight can fail; a stale signal never undoes a capture or a final state.
      if (!LIVE_STATUSES.includes(locked.status)) return locked;
      // Prefixed "payment": notifications tell of such a cancellation by payment.failed, not twice.
      const reason = `payment ${to.toLowerCase()}${remoteReason ? `: ${remoteReason}` : ''}`;
      const updated = await movePayment(trx, locked, to, source, '', { failureReason: reason });
      const booking = await this.payable(locked.order_kind).failPayment(shared(trx), locked.booking_id, {
        reason,
        cancelBooking: locked.cancel_booking_on_failure,
      });
      await addEvent(trx, 'payment.failed', updated.id, {
        ...this.payload(updated),
        reason,
        heldUntil: booking.holdEndsAt?.toISOString() ?? null,
      });
      return updated;
    });
  }

  private async record(paymentId: number, to: PaymentStatus, source: string, detail = ''): Promise<PaymentRow> {
    return this.db.transaction().execute(async (trx) => {
      const locked = await lockPayment(trx, paymentId);
      if (!LIVE_STATUSES.includes(locked.status)) return locked;
      return movePayment(trx, locked, to, source, detail);
    });
  }

  private async touched(payment: PaymentRow): Promise<PaymentRow> {
    await touchChecked(this.db, payment.id);
    return payment;
  }

  // ── Refunds ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Bus (an order kind's `refundOn` events), in the consumer's transaction: a refunded cancellation
   * or a returned part records a refund of the captured payment; an unpaid order that went away has
   * its payment in flight voided. The gateway is called later, by `processRefunds`.
   */
  async onOrderChange(trx: Transaction<object>, kind: string, change: OrderChange): Promise<void> {
    const payments = paymentsTrx(trx);
    const order = { kind, id: change.orderId };
    if (change.refund === 'void') {
      await requestVoid(payments, order);
      return;
    }
    const captured = await lockCapturedPayment(payments, order);
    if (!captured) {
      this.logger.info({ order }, 'refund owed for an order paid outside the gateway; nothing to send');
      return;
    }
    const amount = change.refund === 'rest' ? captured.amount - captured.refunded_amount : change.refund;
    if (amount <= 0) return;
    const refund = await insertRefund(payments, captured, amount, change.reason);
    if (!refund) this.logger.error({ order, amount }, 'refund would exceed what was paid; not recorded');
  }

  /** Sends due refunds to the gateway (Cancel with the amount); retried with backoff, parked after 10 attempts. */
  async processRefunds(limit = 20): Promise<number> {
    // Leased a little longer than the call can last: the transaction after it, a pause of the process.
    const leaseSeconds = Math.ceil(this.gateway.longestCallMs / 1000) + 15;
    let sent = 0;
    for (; sent < limit; sent += 1) {
      const refund = await claimDueRefund(this.db, leaseSeconds);
      if (!refund) break;
      const payment = await findPayment(this.db, refund.payment_id);
      if (!payment) continue;
      try {
        const whole = refund.amount === payment.amount;
        await this.gateway.cancel(payment.gateway_payment_id, {
          ...(whole ? {} : { amount: refund.amount }),
          reason: refund.reason,
        });
      } catch (error) {
        const alreadyDone = error instanceof GatewayError && error.code === GATEWAY_ERRORS.alreadyCancelled;
        if (!alreadyDone) {
          const final = refund.attempts >= MAX_REFUND_ATTEMPTS;
          const message = error instanceof Error ? error.message : String(error);
          (final ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger))(
            { refundId: refund.id, attempts: refund.attempts, err: error },
            final ? 'refund failed for good; needs an operator' : 'refund attempt failed; will retry',
          );
          await refundAttemptFailed(this.db, refund.id, message, final, Math.min(3600, 2 ** refund.attempts));
          continue;
        }
      }
      const refunded = await succeededRefundTotal(this.db, payment.id);
      await this.db.transaction().execute(async (trx) => {
        const done = await completeRefund(trx, refund.id);
        if (!done) return;
        const locked = await lockPayment(trx, payment.id);
        const total = refunded + done.amount;
        const updated = await movePayment(
          trx,
          locked,
          total >= locked.amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
          'refund',
          `refund ${done.id}: ${done.amount}`,
        );
        await addEvent(trx, 'payment.refunded', updated.id, {
          ...this.payload(updated),
          refundId: done.id,
          refundAmount: done.amount,
          reason: done.reason,
        });
      });
    }
    return sent;
  }

  /** Returns some seats of a paid booking; the refund follows through the bus. */
  async returnSeats(principal: Principal, bookingId: number, seatIds: number[]): Promise<unknown> {
    const payable = this.payable(BOOKING);
    if (!payable.returnItems) throw new Error('bookings are bound without returnItems');
    return payable.returnItems(principal, bookingId, seatIds);
  }

  // ── Reading ──────────────────────────────────────────────────────────────────────────────────

  async paymentsOfBooking(principal: Principal, bookingId: number) {
    return this.paymentsOfOrder(principal, { kind: BOOKING, id: bookingId });
  }

  /** An order's payments with their history, and its refunds; someone else's order is a 404. */
  async paymentsOfOrder(principal: Principal, order: OrderRef) {
    const payments = await listPaymentsOfOrder(this.db, order);
    // Before its first payment an order is known only to its module: someone else's, or none, is a 404 all the same.
    const owner = payments[0]?.user_id ?? (await this.payable(order.kind).ownerOf(order.id));
    const { strangers } = this.payable(order.kind);
    if (owner === undefined) throw strangers.notFound();
    assertOwner(principal, owner, strangers);
    const [history, refunds] = await Promise.all([
      listHistory(
        this.db,
        payments.map((payment) => payment.id),
      ),
      listRefundsOfOrder(this.db, order),
    ]);
    return {
      payments: payments.map((payment) => ({
        ...this.view(payment),
        history: history
          .filter((entry) => entry.payment_id === payment.id)
          .map((entry) => ({
            from_status: entry.from_status,
            to_status: entry.to_status,
            source: entry.source,
            detail: entry.detail,
            at: entry.at.toISOString(),
          })),
      })),
      refunds: refunds.map((refund) => ({
        id: refund.id,
        payment_id: refund.payment_id,
        amount: refund.amount,
        currency: refund.currency,
        reason: refund.reason,
        status: refund.status,
        created_at: refund.created_at.toISOString(),
        completed_at: refund.completed_at?.toISOString() ?? null,
      })),
    };
  }

  view(payment: PaymentRow): PaymentView {
    return {
      id: payment.id,
      order_id: payment.order_id,
      order_kind: payment.order_kind,
      booking_id: payment.booking_id,
      status: payment.status,
      amount: payment.amount,
      refunded_amount: payment.refunded_amount,
      currency: payment.currency,
      payment_url: payment.payment_url,
      expires_at: payment.expires_at.toISOString(),
      failure_reason: payment.failure_reason,
      created_at: payment.created_at.toISOString(),
    };
  }

  /** The bound order kind; a payment of a kind no longer bound is a programming error, not bad input. */
  private payable(kind: string): PayableOrder {
    const payable = this.orders[kind];
    if (!payable) throw new Error(`no payable order of kind ${kind} is bound (main.ts)`);
    return payable;
  }

  private payload(payment: PaymentRow): PaymentEventPayload {
    return {
      paymentId: payment.id,
      orderId: payment.order_id,
      orderKind: payment.order_kind,
      bookingId: payment.booking_id,
      userId: payment.user_id,
      eventId: payment.event_id,
      amount: payment.amount,
      currency: payment.currency,
    };
  }
}

/** Our transaction, handed to another module's pass-the-transaction hook. */
function shared(trx: Transaction<PaymentsTables>): Transaction<object> {
  return narrow<object, PaymentsTables>(trx);
}
