import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import { notFoundProblem, sendProblem, toProblem } from '../../platform/http/problem.ts';
import type { App } from '../../platform/http/server.ts';
import { sandboxMerchantOnly, sandboxSwitchesOff } from './payments.errors.ts';
import { computeToken, globalFetch, tokenFieldsOf, webhookSignature, type HttpCall } from './payments.gateway.ts';

/**
 * A payment gateway for development and tests that speaks the acquiring protocol (hackload.md §4):
 * Init / Confirm / Cancel / Check with tokens, a hosted card page (a plain HTML form, no JavaScript),
 * a random processing delay, redirects to the success and fail URLs, and signed webhooks retried
 * with backoff. Fault switches drop, delay or duplicate webhooks, or take the API down. State is
 * in memory: it is a sandbox, and a restart forgets its payments.
 *
 * Over 500 lines on purpose: it is one protocol's fake end to end (API, card page, webhooks, fault
 * switches, its own server), changed together whenever the protocol's doc changes.
 */

export const TEST_CARDS = {
  success: '4111111111111111',
  declined: '4000000000000002',
  insufficientFunds: '4000000000000119',
} as const;

/**
 * Bounds of the fault switches over HTTP: enough to test late and duplicated webhooks, too little
 * to hurt the process (a billion copies of each webhook once ran it out of memory in 35 s).
 */
export const FAULT_LIMITS = { webhookDelayMs: 60_000, webhookCopies: 10, answerDelayMs: 60_000 } as const;

export interface SandboxFaults {
  /** Webhooks are not sent at all. */
  dropWebhooks: boolean;
  /** Each webhook waits this long before its first attempt (at most FAULT_LIMITS.webhookDelayMs over HTTP). */
  webhookDelayMs: number;
  /** How many times each webhook is delivered, same delivery id (at most FAULT_LIMITS.webhookCopies over HTTP). */
  webhookCopies: number;
  /** The API answers 503 to everything. */
  down: boolean;
  /**
   * Each API call waits this long before it is carried out and answered, as on a slow or stalled
   * gateway: a caller that gives up first does not know whether it happened (at most
   * FAULT_LIMITS.answerDelayMs over HTTP).
   */
  answerDelayMs: number;
}

export interface SandboxOptions {
  teamSlug: string;
  password: string;
  /** Signs webhooks when set. */
  webhookSecret: string | undefined;
  /** Processing delay after the card is submitted, drawn uniformly from [min, max] ms. */
  delayMs: { min: number; max: number };
  logger: Logger;
  /** How webhooks are sent (the global fetch, or in-process for the embedded sandbox). */
  http?: HttpCall;
  /** Retries after the first webhook attempt, waiting backoffMs × 2^n. */
  webhookRetries?: number;
  webhookBackoffMs?: number;
}

interface SandboxPayment {
  paymentId: string;
  orderId: string;
  amount: number;
  refunded: number;
  currency: string;
  description: string;
  status: string;
  failureReason: string | undefined;
  successUrl: string | undefined;
  failUrl: string | undefined;
  notificationUrl: string | undefined;
  expiresAt: Date;
  createdAt: Date;
  webhooks: { deliveryId: string; status: string; attempts: number; delivered: boolean }[];
}

type Answer = { statusCode: number; body: Record<string, unknown> };

const OPEN = new Set(['NEW', 'FORM_SHOWED']);

export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let index = 0; index < number.length; index += 1) {
    let digit = Number(number[number.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export class SandboxGateway {
  readonly faults: SandboxFaults = { dropWebhooks: false, webhookDelayMs: 0, webhookCopies: 1, down: false, answerDelayMs: 0 };
  private readonly payments = new Map<string, SandboxPayment>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly options: SandboxOptions;
  private readonly http: HttpCall;
  private closed = false;
  /** Where the hosted page is reached (set when the routes are mounted). */
  publicBase = '';

  constructor(options: SandboxOptions) {
    this.options = options;
    this.http = options.http ?? globalFetch;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  setFaults(changes: Partial<SandboxFaults>): SandboxFaults {
    Object.assign(this.faults, changes);
    return { ...this.faults };
  }

  /** Whether an Authorization header carries the merchant's own credentials (Basic teamSlug:password). */
  isMerchant(authorization: string | undefined): boolean {
    const expected = Buffer.from(`Basic ${Buffer.from(`${this.options.teamSlug}:${this.options.password}`).toString('base64')}`);
    const given = Buffer.from(authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The protocol: one of init, confirm, cancel, check, with the JSON body as sent. */
  handle(operation: 'init' | 'confirm' | 'cancel' | 'check', body: Record<string, unknown>): Answer {
    if (this.faults.down)
      return { statusCode: 503, body: { success: false, errorCode: '9999', message: 'Gateway is down (sandbox fault switch)' } };
    if (body.teamSlug !== this.options.teamSlug) return refuse(401, '1001', 'Unknown teamSlug');
    const fields = tokenFieldsOf(body);
    if (operation === 'init' && fields.Currency === undefined) fields.Currency = 'KZT';
    if (typeof body.token !== 'string' || body.token !== computeToken(fields, this.options.password)) {
      return refuse(401, '1001', 'Token validation failed');
    }
    switch (operation) {
      case 'init':
        return this.init(body);
      case 'check':
        return this.check(body);
      case 'confirm':
        return this.confirm(body);
      case 'cancel':
        return this.cancel(body);
    }
  }

  /** Test view of one payment, with the webhooks sent for it. */
  inspect(paymentId: string): SandboxPayment | undefined {
    const payment = this.payments.get(paymentId);
    if (payment) this.expireIfDue(payment);
    return payment;
  }

  /** GET of the hosted page: the card form (and FORM_SHOWED). */
  showForm(paymentId: string): { statusCode: number; html: string } {
    const payment = this.payments.get(paymentId);
    if (!payment) return { statusCode: 404, html: page('Платёж не найден', '<p>Payment not found.</p>') };
    this.expireIfDue(payment);
    if (!OPEN.has(payment.status)) {
      return { statusCode: 410, html: page('Платёж закрыт', `<p>This payment is ${escape(payment.status)}.</p>`) };
    }
    if (payment.status === 'NEW') this.move(payment, 'FORM_SHOWED');
    return { statusCode: 200, html: this.form(payment) };
  }

  /**
   * POST of the hosted page: validates the card, waits the processing delay, authorizes or rejects,
   * and answers with the redirect to the merchant's success or fail URL.
   */
  async submitForm(fields: Record<string, string>): Promise<{ statusCode: number; html?: string; location?: string }> {
    const payment = this.payments.get(fields.paymentId ?? '');
    if (!payment) return { statusCode: 404, html: page('Платёж не найден', '<p>Payment not found.</p>') };
    this.expireIfDue(payment);
    if (!OPEN.has(payment.status)) {
      return { statusCode: 410, html: page('Платёж закрыт', `<p>This payment is ${escape(payment.status)}.</p>`) };
    }
    const card = (fields.cardNumber ?? '').replace(/[\s-]/g, '');
    if (!luhnValid(card)) return { statusCode: 422, html: this.form(payment, 'Неверный номер карты / invalid card number') };
    payment.status = 'AUTHORIZING';
    const { min, max } = this.options.delayMs;
    await new Promise((resolve) => setTimeout(resolve, min + Math.random() * (max - min)));
    if (card === TEST_CARDS.declined) this.move(payment, 'REJECTED', 'declined');
    else if (card === TEST_CARDS.insufficientFunds) this.move(payment, 'REJECTED', 'insufficient funds');
    else this.move(payment, 'AUTHORIZED');
    const location = payment.status === 'AUTHORIZED' ? payment.successUrl : payment.failUrl;
    if (location) return { statusCode: 303, location };
    return { statusCode: 200, html: page('Готово', `<p>Payment ${escape(payment.status)}.</p>`) };
  }

  private init(body: Record<string, unknown>): Answer {
    const amount = body.amount;
    const orderId = body.orderId;
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1000) {
      return refuse(400, '1100', 'amount must be an integer of at least 1000 minor units');
    }
    if (typeof orderId !== 'string' || orderId.length === 0 || orderId.length > 36) {
      return refuse(400, '1100', 'orderId must be a string of 1..36 characters');
    }
    if ([...this.payments.values()].some((payment) => payment.orderId === orderId)) {
      return refuse(409, '1002', `orderId ${orderId} already has a payment`);
    }
    const minutes = typeof body.paymentExpiry === 'number' && body.paymentExpiry > 0 ? body.paymentExpiry : 30;
    const now = new Date();
    const payment: SandboxPayment = {
      paymentId: `sbx_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
      orderId,
      amount,
      refunded: 0,
      currency: typeof body.currency === 'string' ? body.currency : 'KZT',
      description: typeof body.description === 'string' ? body.description : '',
      status: 'NEW',
      failureReason: undefined,
      successUrl: typeof body.successURL === 'string' ? body.successURL : undefined,
      failUrl: typeof body.failURL === 'string' ? body.failURL : undefined,
      notificationUrl: typeof body.notificationURL === 'string' ? body.notificationURL : undefined,
      expiresAt: new Date(now.getTime() + minutes * 60_000),
      createdAt: now,
      webhooks: [],
    };
    this.payments.set(payment.paymentId, payment);
    return {
      statusCode: 200,
      body: {
        success: true,
        errorCode: '0',
        ...describe(payment),
        paymentURL: `${this.publicBase}/api/v1/PaymentForm/render/${payment.paymentId}`,
        expiresAt: payment.expiresAt.toISOString(),
        createdAt: payment.createdAt.toISOString(),
      },
    };
  }

  private check(body: Record<string, unknown>): Answer {
    const found = [...this.payments.values()].filter(
      (payment) =>
        (typeof body.paymentId === 'string' && payment.paymentId === body.paymentId) ||
        (typeof body.orderId === 'string' && payment.orderId === body.orderId),
    );
    if (found.length === 0) return refuse(404, '1404', 'Payment not found');
    for (const payment of found) this.expireIfDue(payment);
    return {
      statusCode: 200,
      body: {
        success: true,
        errorCode: '0',
        ...(found.length === 1 && found[0] ? describe(found[0]) : {}),
        payments: found.map(describe),
        totalCount: found.length,
        orderId: found[0]?.orderId,
      },
    };
  }

  private confirm(body: Record<string, unknown>): Answer {
    const payment = this.payments.get(typeof body.paymentId === 'string' ? body.paymentId : '');
    if (!payment) return refuse(404, '1404', 'Payment not found');
    if (payment.status === 'CONFIRMED') return refuse(409, '2409', 'Payment is already confirmed');
    if (payment.status !== 'AUTHORIZED') return refuse(409, '1100', `Payment in status ${payment.status} cannot be confirmed`);
    if (typeof body.amount === 'number' && body.amount !== payment.amount)
      return refuse(400, '1100', 'amount differs from the authorized amount');
    this.move(payment, 'CONFIRMED');
    return { statusCode: 200, body: { success: true, errorCode: '0', ...describe(payment) } };
  }

  private cancel(body: Record<string, unknown>): Answer {
    const payment = this.payments.get(typeof body.paymentId === 'string' ? body.paymentId : '');
    if (!payment) return refuse(404, '1404', 'Payment not found');
    this.expireIfDue(payment);
    const amount = typeof body.amount === 'number' ? body.amount : undefined;
    if (OPEN.has(payment.status) || payment.status === 'AUTHORIZED') {
      this.move(payment, 'CANCELLED', typeof body.reason === 'string' ? body.reason : 'cancelled by the merchant');
    } else if (payment.status === 'CONFIRMED' || payment.status === 'PARTIAL_REFUNDED') {
      const remaining = payment.amount - payment.refunded;
      const refund = amount ?? remaining;
      if (refund <= 0 || refund > remaining) return refuse(400, '1100', `refund amount must be 1..${remaining}`);
      payment.refunded += refund;
      this.move(payment, payment.refunded === payment.amount ? 'REFUNDED' : 'PARTIAL_REFUNDED');
    } else {
      return refuse(409, '3409', `Payment is already ${payment.status}`);
    }
    return { statusCode: 200, body: { success: true, errorCode: '0', ...describe(payment), refundedAmount: payment.refunded } };
  }

  private expireIfDue(payment: SandboxPayment): void {
    if (OPEN.has(payment.status) && payment.expiresAt.getTime() <= Date.now()) this.move(payment, 'EXPIRED', 'EXPIRED');
  }

  private move(payment: SandboxPayment, status: string, reason?: string): void {
    payment.status = status;
    if (reason) payment.failureReason = reason;
    const hook = webhookStatus(status);
    if (hook) this.notify(payment, hook);
  }

  private notify(payment: SandboxPayment, status: string): void {
    if (!payment.notificationUrl || this.closed) return;
    const record = { deliveryId: randomUUID(), status, attempts: 0, delivered: false };
    payment.webhooks.push(record);
    if (this.faults.dropWebhooks) return;
    const failure =
      status === 'failed'
        ? { failure_reason: payment.status === 'REJECTED' ? 'REJECTED' : payment.status, message: payment.failureReason ?? '' }
        : {};
    const rawBody = JSON.stringify({
      paymentId: payment.paymentId,
      status,
      teamSlug: this.options.teamSlug,
      timestamp: new Date().toISOString(),
      data: { orderId: payment.orderId, amount: payment.amount, currency: payment.currency, ...failure },
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-webhook-event': `payment.${status.toLowerCase()}`,
      'x-webhook-delivery': record.deliveryId,
    };
    if (this.options.webhookSecret) headers['x-webhook-signature'] = webhookSignature(this.options.webhookSecret, rawBody);
    const url = payment.notificationUrl;
    for (let copy = 0; copy < Math.max(1, this.faults.webhookCopies); copy += 1) {
      this.later(this.faults.webhookDelayMs, () => this.deliver(url, headers, rawBody, record, 0));
    }
  }

  private async deliver(
    url: string,
    headers: Record<string, string>,
    rawBody: string,
    record: SandboxPayment['webhooks'][number],
    attempt: number,
  ): Promise<void> {
    record.attempts += 1;
    try {
      const response = await this.http(url, { method: 'POST', headers, body: rawBody, signal: AbortSignal.timeout(10_000) });
      await response.text();
      if (response.status >= 200 && response.status < 300) {
        record.delivered = true;
        return;
      }
      this.options.logger.warn({ url, status: response.status, deliveryId: record.deliveryId }, 'sandbox webhook refused');
    } catch (error) {
      this.options.logger.warn({ url, err: error, deliveryId: record.deliveryId }, 'sandbox webhook failed');
    }
    if (attempt < (this.options.webhookRetries ?? 3)) {
      const backoff = (this.options.webhookBackoffMs ?? 1000) * 2 ** attempt;
      this.later(backoff, () => this.deliver(url, headers, rawBody, record, attempt + 1));
    }
  }

  private later(delayMs: number, work: () => Promise<void>): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work().catch((error: unknown) => this.options.logger.error({ err: error }, 'sandbox webhook crashed'));
    }, delayMs);
    this.timers.add(timer);
  }

  private form(payment: SandboxPayment, error?: string): string {
    const amount = `${(payment.amount / 100).toFixed(2)} ${escape(payment.currency)}`;
    return page(
      'Оплата картой',
      `<p>${escape(payment.description)}</p>
<p><strong>${amount}</strong> · заказ ${escape(payment.orderId)}</p>
${error ? `<p role="alert" style="color:#b00">${escape(error)}</p>` : ''}
<form method="post" action="${this.publicBase}/api/v1/PaymentForm/submit">
  <input type="hidden" name="paymentId" value="${escape(payment.paymentId)}">
  <p><label>Номер карты <input name="cardNumber" inputmode="numeric" autocomplete="cc-number" required></label></p>
  <p><label>Срок (ММ/ГГ) <input name="cardExpiry" autocomplete="cc-exp" placeholder="12/30"></label></p>
  <p><label>CVV <input name="cvv" autocomplete="cc-csc" size="4"></label></p>
  <p><label>Владелец <input name="cardholderName" autocomplete="cc-name"></label></p>
  <p><button type="submit">Оплатить ${amount}</button></p>
</form>
<p><small>Sandbox: ${TEST_CARDS.success} succeeds, ${TEST_CARDS.declined} is declined, ${TEST_CARDS.insufficientFunds} has insufficient funds; other Luhn-valid numbers succeed.</small></p>`,
    );
  }
}

function describe(payment: SandboxPayment) {
  return {
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    status: payment.status,
    amount: payment.amount,
    currency: payment.currency,
    ...(payment.failureReason ? { failureReason: payment.failureReason } : {}),
  };
}

function refuse(statusCode: number, errorCode: string, message: string): Answer {
  return { statusCode, body: { success: false, errorCode, message } };
}

/** Webhook status words of the protocol: NEW, FORM_SHOWED, AUTHORIZED, completed, failed. */
function webhookStatus(status: string): string | undefined {
  if (status === 'FORM_SHOWED' || status === 'AUTHORIZED') return status;
  if (status === 'CONFIRMED') return 'completed';
  if (status === 'REJECTED' || status === 'CANCELLED' || status === 'EXPIRED') return 'failed';
  return undefined;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} — Sandbox</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem">
<h1>${escape(title)}</h1>
${body}
</body></html>`;
}

// Any field name matches the pattern, so nothing is "additional": the protocol's fields pass through.
const ProtocolBody = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Protocol fields with teamSlug and token.',
  additionalProperties: false,
});
const ProtocolAnswer = Type.Record(Type.String(), Type.Unknown());
const FaultsSchema = Type.Object({
  dropWebhooks: Type.Boolean(),
  webhookDelayMs: Type.Integer({ minimum: 0, maximum: FAULT_LIMITS.webhookDelayMs }),
  webhookCopies: Type.Integer({ minimum: 1, maximum: FAULT_LIMITS.webhookCopies }),
  down: Type.Boolean(),
  answerDelayMs: Type.Integer({ minimum: 0, maximum: FAULT_LIMITS.answerDelayMs }),
});

/**
 * Who may use the test switches (`/faults` and `/payments/:paymentId`). They are off unless
 * SANDBOX_FAULTS=on, since one of them stops payments for everyone. Inside the service they are
 * for admins (the app's own accounts); the standalone gateway has no accounts, so there they take
 * the merchant's credentials, HTTP Basic `PAYMENT_TERMINAL_KEY:PAYMENT_PASSWORD`.
 */
export interface SandboxSwitches {
  enabled: boolean;
  by: 'admin' | 'merchant';
}

/**
 * Mounts the sandbox under `prefix` (e.g. /sandbox): `{prefix}/api/v1/Payment{Init,Confirm,Cancel,Check}/…`,
 * the page at `{prefix}/api/v1/PaymentForm/render/:paymentId` (POST `…/PaymentForm/submit`), and
 * test switches at `{prefix}/faults` and `{prefix}/payments/:paymentId`.
 */
export async function registerSandboxRoutes(
  app: App,
  sandbox: SandboxGateway,
  prefix: string,
  switches: SandboxSwitches,
): Promise<void> {
  // Before the body is read: a caller who may not use the switches hears only that. (Admins are
  // checked by the app's access hook, which runs first; the merchant here.)
  const switchAccess = switches.by === 'admin' ? ('admin' as const) : ('public' as const);
  const guardSwitches = async (request: FastifyRequest) => {
    if (switches.by === 'merchant' && !sandbox.isMerchant(request.headers.authorization)) throw sandboxMerchantOnly();
    if (!switches.enabled) throw sandboxSwitchesOff();
  };
  await app.register(
    async (plain) => {
      const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
      // The hosted page posts an HTML form; only this scope parses it.
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });
      const tags = ['sandbox gateway'];
      for (const [path, operation] of [
        ['PaymentInit/init', 'init'],
        ['PaymentConfirm/confirm', 'confirm'],
        ['PaymentCancel/cancel', 'cancel'],
        ['PaymentCheck/check', 'check'],
      ] as const) {
        scope.post(
          `/api/v1/${path}`,
          {
            config: { access: 'public' },
            schema: { tags, summary: `Sandbox gateway: ${operation}`, body: ProtocolBody, response: { default: ProtocolAnswer } },
          },
          async (request, reply) => {
            const delay = sandbox.faults.answerDelayMs;
            if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
            const answer = sandbox.handle(operation, request.body);
            return reply.code(answer.statusCode).send(answer.body);
          },
        );
      }
      scope.get(
        '/api/v1/PaymentForm/render/:paymentId',
        {
          config: { access: 'public' },
          schema: {
            tags,
            summary: 'Sandbox gateway: the hosted card page (HTML, works without JavaScript).',
            params: Type.Object({ paymentId: Type.String({ maxLength: 64 }) }),
            response: { default: Type.String({ contentMediaType: 'text/html' }) },
          },
        },
        async (request, reply) => {
          const shown = sandbox.showForm(request.params.paymentId);
          return reply.code(shown.statusCode).type('text/html; charset=utf-8').send(shown.html);
        },
      );
      scope.post(
        '/api/v1/PaymentForm/submit',
        {
          config: { access: 'public' },
          schema: {
            tags,
            summary: 'Sandbox gateway: the card form is posted here; answers 303 to the success or fail URL.',
            body: Type.Record(Type.String(), Type.String({ maxLength: 200 }), { additionalProperties: false }),
            response: { default: Type.String({ contentMediaType: 'text/html' }) },
          },
        },
        async (request, reply) => {
          const result = await sandbox.submitForm(request.body);
          if (result.location)
            return reply.code(303).header('location', result.location).type('text/html; charset=utf-8').send('');
          return reply
            .code(result.statusCode)
            .type('text/html; charset=utf-8')
            .send(result.html ?? '');
        },
      );
      scope.get(
        '/faults',
        {
          config: { access: switchAccess },
          onRequest: guardSwitches,
          schema: { tags, summary: 'Sandbox fault switches (off unless SANDBOX_FAULTS=on).', response: { 200: FaultsSchema } },
        },
        async () => sandbox.faults,
      );
      scope.put(
        '/faults',
        {
          config: { access: switchAccess },
          onRequest: guardSwitches,
          schema: {
            tags,
            summary:
              'Set sandbox fault switches (drop, delay or duplicate webhooks; take the API down). Off unless SANDBOX_FAULTS=on.',
            body: Type.Partial(FaultsSchema, { additionalProperties: false }),
            response: { 200: FaultsSchema },
          },
        },
        async (request) => sandbox.setFaults(request.body),
      );
      scope.get(
        '/payments/:paymentId',
        {
          config: { access: switchAccess },
          onRequest: guardSwitches,
          schema: {
            tags,
            summary: 'Sandbox: one payment as the gateway sees it, with its webhooks (for tests; off unless SANDBOX_FAULTS=on).',
            params: Type.Object({ paymentId: Type.String({ maxLength: 64 }) }),
            response: { 200: Type.Record(Type.String(), Type.Unknown()), 404: Type.Object({ message: Type.String() }) },
          },
        },
        async (request, reply) => {
          const payment = sandbox.inspect(request.params.paymentId);
          if (!payment) return reply.code(404).send({ message: 'Payment not found' });
          return { ...payment, expiresAt: payment.expiresAt.toISOString(), createdAt: payment.createdAt.toISOString() };
        },
      );
    },
    { prefix },
  );
}

export const SANDBOX_PREFIX = '/sandbox';

/**
 * The sandbox as its own HTTP server (`sbor sandbox-gateway`): a bare Fastify with just these
 * routes, so a test or a developer can put a real network hop between the service and the gateway.
 */
export async function startSandboxServer(
  options: SandboxOptions & { port: number; host: string; faults: boolean },
): Promise<{ url: string; sandbox: SandboxGateway; close(): Promise<void> }> {
  const logger: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance: logger,
    // As in the service: an unknown switch is an error the caller hears about, not dropped silently.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Refusals as the service words them (problem+json); the protocol routes answer in their own format.
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error as Error, request);
    if (problem.status === 401) reply.header('www-authenticate', 'Basic realm="sandbox gateway", charset="UTF-8"');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, notFoundProblem(request)));
  const sandbox = new SandboxGateway(options);
  await registerSandboxRoutes(app, sandbox, SANDBOX_PREFIX, { enabled: options.faults, by: 'merchant' });
  const address = await app.listen({ port: options.port, host: options.host });
  sandbox.publicBase = `${address}${SANDBOX_PREFIX}`;
  return {
    url: `${address}${SANDBOX_PREFIX}`,
    sandbox,
    async close() {
      sandbox.close();
      await app.close();
    },
  };
}
