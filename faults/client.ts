import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { History, Operation } from './history.ts';

export interface Answer {
  status: number | 'timeout' | 'network';
  body: unknown;
  location: string | undefined;
  operation: Operation;
}

export interface CallOptions {
  op: string;
  buyer: string;
  headers?: Record<string, string>;
  /** JSON body, or a form (the gateway's page). */
  body?: unknown;
  form?: Record<string, string>;
  idempotencyKey?: string;
  /** Safe to send again: the client may retry it after no answer or a transient 5xx. */
  retryable: boolean;
  attempt?: number;
  timeoutMs?: number;
  /** The booking this request is about, when the caller knows it (creations read it from the answer). */
  bookingId?: number;
}

/** The client side of the workload: every request goes through here and lands in the history. */
export class Client {
  private readonly history: History;
  private readonly timeoutMs: number;

  constructor(history: History, timeoutMs = 15_000) {
    this.history = history;
    this.timeoutMs = timeoutMs;
  }

  async call(method: string, url: string, options: CallOptions): Promise<Answer> {
    const start = this.history.now();
    const requestId = `faults-${randomUUID()}`;
    const headers: Record<string, string> = { 'x-request-id': requestId, ...options.headers };
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const faults = [...this.history.active];
    const path = new URL(url).pathname;
    const gateway = path.startsWith('/sandbox/');
    let status: Answer['status'];
    let parsed: unknown;
    let location: string | undefined;
    let problem: string | undefined;
    let retryAfter: string | undefined;
    let origin: Operation['origin'] = gateway ? 'gateway' : 'sbor';
    try {
      const response = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
      });
      status = response.status;
      location = response.headers.get('location') ?? undefined;
      retryAfter = response.headers.get('retry-after') ?? undefined;
      const type = response.headers.get('content-type') ?? '';
      const text = await response.text();
      if (type.includes('json') && text) {
        parsed = JSON.parse(text) as unknown;
        const problemType = (parsed as { type?: unknown }).type;
        if (type.includes('problem') && typeof problemType === 'string') problem = problemType.split('/').pop();
        // nginx's own 502/504 are problems too (deploy/nginx/sbor.conf.template), with Retry-After.
        if (!gateway && (problem === 'upstream-unavailable' || problem === 'upstream-timeout')) origin = 'nginx';
      } else {
        parsed = text;
        // What is not Sbor's JSON at 5xx is nginx's own error page (the api process died or timed out).
        if (!gateway && response.status >= 500) origin = 'nginx';
      }
    } catch (error) {
      status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network';
    }
    const answered = parsed as { id?: unknown; booking_id?: unknown } | undefined;
    const created = typeof status === 'number' && status === 201 && /^\/api\/(bookings|events\/\d+\/tickets)$/.test(path);
    const bookingId = options.bookingId ?? (created ? answered?.id : answered?.booking_id);
    const operation = this.history.record({
      start,
      end: this.history.now(),
      buyer: options.buyer,
      op: options.op,
      method,
      path,
      status,
      origin,
      ...(problem ? { problem } : {}),
      ...(retryAfter ? { retryAfter } : {}),
      ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
      attempt: options.attempt ?? 1,
      retryable: options.retryable,
      ...(typeof bookingId === 'number' ? { bookingId } : {}),
      requestId,
      faults,
    });
    return { status, body: parsed, location, operation };
  }

  /**
   * Sends a request that is safe to repeat, again after no answer or a transient 5xx (502, 503,
   * 504), and after 409 `idempotency-in-progress`, with backoff; gives up after `attempts`.
   */
  async retrying(method: string, url: string, options: CallOptions, attempts = 6): Promise<Answer> {
    let answer: Answer | undefined;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      answer = await this.call(method, url, { ...options, attempt });
      if (!transient(answer)) return answer;
      const wait = Number(answer.operation.retryAfter);
      await sleep(Number.isFinite(wait) && wait > 0 ? Math.min(wait, 10) * 1000 : Math.min(500 * 2 ** (attempt - 1), 8000));
    }
    return answer!;
  }
}

export function transient(answer: Answer): boolean {
  const { status } = answer;
  return (
    status === 'timeout' ||
    status === 'network' ||
    status === 502 ||
    status === 503 ||
    status === 504 ||
    (status === 409 && answer.operation.problem === 'idempotency-in-progress')
  );
}
