import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The acquiring protocol of ../shared/docs/hackload.md §4 ("ТөлеуБар", T-Bank style): Init, Confirm,
 * Cancel and Check, each a POST of JSON with `teamSlug` and a SHA-256 `token`. `PaymentGateway` is
 * what the payments service needs from any provider; `AcquiringGatewayClient` speaks this one.
 */

/** Statuses a gateway reports (T-Bank's vocabulary; unknown ones are passed through as strings). */
export type GatewayStatus =
  | 'NEW'
  | 'FORM_SHOWED'
  | 'AUTHORIZING'
  | 'AUTHORIZED'
  | 'CONFIRMING'
  | 'CONFIRMED'
  | 'REJECTED'
  | 'CANCELLED'
  | 'REVERSED'
  | 'REFUNDED'
  | 'PARTIAL_REFUNDED'
  | 'EXPIRED'
  | 'DEADLINE_EXPIRED';

export interface GatewayPayment {
  paymentId: string;
  orderId: string;
  status: string;
  amount: number;
  currency: string;
  /** Why a payment failed, in the gateway's words (declined, insufficient funds), when it says. */
  failureReason?: string;
}

export interface InitRequest {
  orderId: string;
  /** Minor units. */
  amount: number;
  currency: string;
  description: string;
  successUrl: string;
  failUrl: string;
  notificationUrl: string;
  /** Minutes the payment page accepts a card. */
  expiryMinutes: number;
  email?: string;
  data?: Record<string, string>;
  items?: { name: string; quantity: number; price: number; amount: number }[];
}

export interface InitResult extends GatewayPayment {
  paymentUrl: string;
  expiresAt: string | undefined;
}

export interface PaymentGateway {
  readonly name: string;
  /**
   * The longest one call may take, its retries included. Work claimed for a call (a refund) is
   * leased at least this long, so no other process sends it again while this one may still wait.
   */
  readonly longestCallMs: number;
  init(request: InitRequest): Promise<InitResult>;
  /** The payments of a paymentId or an orderId, as the gateway sees them now. */
  check(reference: { paymentId: string } | { orderId: string }): Promise<GatewayPayment[]>;
  /** AUTHORIZED → CONFIRMED (capture). */
  confirm(paymentId: string, amount?: number): Promise<GatewayPayment>;
  /** Cancel before payment, reversal after authorization, refund (full or `amount`) after capture. */
  cancel(paymentId: string, options?: { amount?: number; reason?: string }): Promise<GatewayPayment>;
}

/** The gateway's error codes (hackload.md §4). */
export const GATEWAY_ERRORS = {
  auth: '1001',
  duplicate: '1002',
  validation: '1100',
  notFound: '1404',
  alreadyConfirmed: '2409',
  alreadyCancelled: '3409',
  dailyLimit: '3015',
} as const;

/**
 * A failed gateway call. `unreachable`: no answer (refused, reset, timeout) — the call may or may
 * not have happened. `failed`: the gateway answered 5xx or nonsense. `refused`: a business error
 * with the gateway's `code` (see GATEWAY_ERRORS).
 */
export class GatewayError extends Error {
  override name = 'GatewayError';
  readonly kind: 'unreachable' | 'failed' | 'refused';
  readonly code: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(
    kind: GatewayError['kind'],
    message: string,
    details: { code?: string; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.code = details.code;
    this.httpStatus = details.httpStatus;
  }
}

/** The fields that take part in the token, by their PascalCase names. */
const TOKEN_FIELDS = ['TeamSlug', 'Amount', 'OrderId', 'Currency', 'PaymentId'] as const;
type TokenField = (typeof TOKEN_FIELDS)[number];

/**
 * The request token: lowercase hex SHA-256 of the values of the non-null fields among TeamSlug,
 * Amount, OrderId, Currency and PaymentId plus `Password`, in ordinal order of their names.
 * Exception (the reference gateway's code): with PaymentId and without Amount the order is
 * PaymentId + Password + TeamSlug. Amounts are integers; Init's currency counts as KZT when omitted.
 */
export function tokenString(fields: Partial<Record<TokenField, string | number | undefined | null>>, password: string): string {
  const values = new Map<string, string>();
  for (const name of TOKEN_FIELDS) {
    const value = fields[name];
    if (value !== undefined && value !== null) values.set(name, String(value));
  }
  values.set('Password', password);
  if (values.has('PaymentId') && values.has('TeamSlug') && !values.has('Amount')) {
    return `${values.get('PaymentId') ?? ''}${password}${values.get('TeamSlug') ?? ''}`;
  }
  return [...values.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => values.get(key) ?? '')
    .join('');
}

export function computeToken(fields: Partial<Record<TokenField, string | number | undefined | null>>, password: string): string {
  return createHash('sha256').update(tokenString(fields, password), 'utf8').digest('hex');
}

/** The token fields of a JSON request body (camelCase keys as sent). */
export function tokenFieldsOf(body: Record<string, unknown>): Partial<Record<TokenField, string | number>> {
  const pick = (key: string): string | number | undefined => {
    const value = body[key];
    return typeof value === 'string' || typeof value === 'number' ? value : undefined;
  };
  return {
    TeamSlug: pick('teamSlug'),
    Amount: pick('amount'),
    OrderId: pick('orderId'),
    Currency: pick('currency'),
    PaymentId: pick('paymentId'),
  };
}

/** `sha256=<hex HMAC-SHA256(secret, raw body)>`, the X-Webhook-Signature header. */
export function webhookSignature(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

export function verifyWebhookSignature(secret: string, rawBody: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(webhookSignature(secret, rawBody));
  const given = Buffer.from(header.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A minimal fetch: the global one, or one that routes to an in-process app (the embedded sandbox). */
export type HttpCall = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export const globalFetch: HttpCall = (url, init) => fetch(url, init);

export interface AcquiringClientOptions {
  /** Up to and including the API version, e.g. https://pay.example/api/v1 */
  baseUrl: string;
  teamSlug: string;
  password: string;
  timeoutMs: number;
  http?: HttpCall;
  /** Extra attempts for calls that are safe to repeat (Check, Confirm, full Cancel). */
  retries?: number;
  name?: string;
}

const RETRY_DELAYS_MS = [100, 400, 1000];

export class AcquiringGatewayClient implements PaymentGateway {
  readonly name: string;
  readonly longestCallMs: number;
  private readonly options: AcquiringClientOptions;
  private readonly http: HttpCall;

  constructor(options: AcquiringClientOptions) {
    this.options = options;
    this.http = options.http ?? globalFetch;
    this.name = options.name ?? 'acquiring';
    const retries = options.retries ?? 2;
    const pauses = Array.from({ length: retries }, (_, attempt) => RETRY_DELAYS_MS[attempt] ?? 1000);
    this.longestCallMs = options.timeoutMs * (retries + 1) + pauses.reduce((sum, pause) => sum + pause, 0);
  }

  /** Not retried: a lost answer cannot tell whether the payment was created (the orderId is unique, 1002). */
  async init(request: InitRequest): Promise<InitResult> {
    const body = await this.call(
      'PaymentInit/init',
      {
        amount: request.amount,
        orderId: request.orderId,
        currency: request.currency,
        description: request.description,
        successURL: request.successUrl,
        failURL: request.failUrl,
        notificationURL: request.notificationUrl,
        paymentExpiry: request.expiryMinutes,
        language: 'ru',
        ...(request.email ? { email: request.email } : {}),
        ...(request.data ? { data: request.data } : {}),
        ...(request.items ? { items: request.items } : {}),
      },
      0,
    );
    const payment = toPayment(body);
    const paymentUrl = stringField(body, 'paymentURL') ?? stringField(body, 'paymentUrl');
    if (!paymentUrl) throw new GatewayError('failed', 'Init answered without a paymentURL');
    return { ...payment, amount: payment.amount || request.amount, paymentUrl, expiresAt: stringField(body, 'expiresAt') };
  }

  async check(reference: { paymentId: string } | { orderId: string }): Promise<GatewayPayment[]> {
    const body = await this.call('PaymentCheck/check', { ...reference }, this.options.retries ?? 2);
    const list = body.payments;
    if (Array.isArray(list)) return list.map((entry) => toPayment(asRecord(entry)));
    return [toPayment(body)];
  }

  async confirm(paymentId: string, amount?: number): Promise<GatewayPayment> {
    return toPayment(
      await this.call(
        'PaymentConfirm/confirm',
        { paymentId, ...(amount !== undefined ? { amount } : {}) },
        this.options.retries ?? 2,
      ),
    );
  }

  /** A partial refund is not repeated on a lost answer (a second one would refund twice). */
  async cancel(paymentId: string, options: { amount?: number; reason?: string } = {}): Promise<GatewayPayment> {
    const partial = options.amount !== undefined;
    return toPayment(
      await this.call(
        'PaymentCancel/cancel',
        {
          paymentId,
          ...(options.amount !== undefined ? { amount: options.amount } : {}),
          ...(options.reason ? { reason: options.reason } : {}),
        },
        partial ? 0 : (this.options.retries ?? 2),
      ),
    );
  }

  private async call(path: string, fields: Record<string, unknown>, retries: number): Promise<Record<string, unknown>> {
    const body = { teamSlug: this.options.teamSlug, ...fields };
    const token = computeToken(tokenFieldsOf(body), this.options.password);
    const payload = JSON.stringify({ ...body, token });
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.once(path, payload);
      } catch (error) {
        const retriable = error instanceof GatewayError && error.kind !== 'refused';
        if (!retriable || attempt >= retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt] ?? 1000));
      }
    }
  }

  private async once(path: string, payload: string): Promise<Record<string, unknown>> {
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/${path}`;
    let response: { status: number; text(): Promise<string> };
    let text: string;
    try {
      response = await this.http(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new GatewayError(
        'unreachable',
        `payment gateway unreachable: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    let body: Record<string, unknown>;
    try {
      body = asRecord(JSON.parse(text));
    } catch {
      throw new GatewayError('failed', `payment gateway answered ${response.status} with a body that is not JSON`, {
        httpStatus: response.status,
      });
    }
    if (response.status >= 500) {
      throw new GatewayError('failed', `payment gateway answered ${response.status}`, { httpStatus: response.status });
    }
    if (body.success !== true) {
      const raw = body.errorCode;
      const code = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : undefined;
      const message = stringField(body, 'message') ?? stringField(body, 'details') ?? 'refused';
      throw new GatewayError('refused', `payment gateway refused (${code ?? response.status}): ${message}`, {
        ...(code !== undefined ? { code } : {}),
        httpStatus: response.status,
      });
    }
    return body;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
  return value as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

function toPayment(body: Record<string, unknown>): GatewayPayment {
  const amount = body.amount;
  // The gateway's words reach the buyer and our tables: kept short.
  const failureReason = stringField(body, 'failureReason')?.slice(0, FAILURE_REASON_MAX);
  return {
    paymentId: stringField(body, 'paymentId') ?? '',
    orderId: stringField(body, 'orderId') ?? '',
    status: stringField(body, 'status') ?? '',
    amount: typeof amount === 'number' ? amount : Number(amount ?? 0),
    currency: stringField(body, 'currency') ?? '',
    ...(failureReason ? { failureReason } : {}),
  };
}

const FAILURE_REASON_MAX = 200;
