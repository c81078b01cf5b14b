import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ProviderCallError, ProviderUnavailableError } from './provider.errors.ts';

export { ProviderCallError };

/**
 * The client of the event provider's Partner API (hackload.md §3). What the network may do to us,
 * and what we do about it:
 *
 * - every call has a timeout;
 * - reads (GET) are retried with exponential backoff and full jitter, since reading twice is
 *   harmless. Changes are NOT retried here: a select, start or submit whose answer was lost may
 *   have happened, and repeating it blindly is the HackLoad winners' bug (a retried start opens a
 *   second order, a re-select of a place we already hold gets 409, a re-submit gets 409). Whoever
 *   changes something reads the order and the place back and decides — the saga in phase B;
 * - a circuit breaker: after `failureThreshold` failures in a row (no answer, a timeout, a 5xx
 *   other than an answer the call expects) it opens, and every call fails at once with
 *   ProviderUnavailableError (a 503 problem) instead of piling up behind timeouts; after
 *   `openMs` one probe call is let through (half-open), and its success closes the breaker;
 * - at most `concurrency` calls in flight; more wait in a bounded queue, beyond which they are
 *   refused at once (a slow provider must not turn into unbounded memory here);
 * - metrics on the service's registry: calls by operation and outcome, latency, retries, breaker state.
 */

export interface ProviderPlace {
  id: string;
  row: number;
  seat: number;
  is_free: boolean;
}

export type ProviderOrderStatus = 'STARTED' | 'SUBMITTED' | 'CONFIRMED' | 'CANCELLED';

export interface ProviderOrder {
  id: string;
  status: ProviderOrderStatus;
  started_at: number;
  updated_at: number;
  places_count: number;
}

/** One HTTP exchange with the provider: a status and the raw body. Throws when there is no answer. */
export type ProviderTransport = (request: {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
  timeoutMs: number;
}) => Promise<{ status: number; body: string }>;

/** Calls a provider over HTTP (fetch, keep-alive). */
export function httpTransport(baseUrl: string): ProviderTransport {
  return async ({ method, path, body, timeoutMs }) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: await response.text() };
  };
}

export type BreakerState = 'closed' | 'open' | 'half-open';

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Closed → open after `failureThreshold` failures in a row; open → half-open after `openMs`, when
 * one probe is let through; the probe's success closes it, its failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = 'closed';
  private readonly options: {
    failureThreshold: number;
    openMs: number;
    now?: () => number;
    onChange?: (state: BreakerState) => void;
  };

  constructor(options: CircuitBreaker['options']) {
    this.options = options;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Whether a call may go out now; in half-open only the one probe may. */
  tryAcquire(): boolean {
    if (this.current === 'closed') return true;
    const now = (this.options.now ?? Date.now)();
    if (this.current === 'open' && now - this.openedAt >= this.options.openMs) this.move('half-open');
    if (this.current === 'half-open' && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  /** Milliseconds until a probe may go out (for Retry-After). */
  get retryAfterMs(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, this.options.openMs - ((this.options.now ?? Date.now)() - this.openedAt));
  }

  succeeded(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== 'closed') this.move('closed');
  }

  failed(): void {
    this.failures += 1;
    if (this.current === 'half-open' || (this.current === 'closed' && this.failures >= this.options.failureThreshold)) {
      this.probing = false;
      this.openedAt = (this.options.now ?? Date.now)();
      this.move('open');
    }
  }

  private move(state: BreakerState): void {
    this.current = state;
    this.options.onChange?.(state);
  }
}

/** At most `max` tasks at once; up to `maxQueued` more wait in order; beyond that, refused. */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  readonly max: number;
  readonly maxQueued: number;

  constructor(max: number, maxQueued: number) {
    this.max = max;
    this.maxQueued = maxQueued;
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) {
      if (this.waiting.length >= this.maxQueued) throw new ProviderUnavailableError('busy', 1);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.active -= 1;
    }
  }
}

export interface ProviderClientOptions {
  transport: ProviderTransport;
  timeoutMs: number;
  concurrency: number;
  /** Retries of a read after the first attempt (default 3). */
  retries?: number;
  /** First backoff; attempt n waits a random time in [0, backoffMs × 2^n] (default 50). */
  backoffMs?: number;
  breaker?: { failureThreshold: number; openMs: number };
  /** Where the metrics go (the service's registry); none in tests that build many clients. */
  registry?: Registry;
}

type Operation =
  | 'start_order'
  | 'get_order'
  | 'submit_order'
  | 'confirm_order'
  | 'cancel_order'
  | 'list_places'
  | 'get_place'
  | 'select_place'
  | 'release_place';

/** What a change call answered: the status, for the caller to interpret (see each method). */
export type ChangeAnswer = { status: number };

export class ProviderClient {
  readonly breaker: CircuitBreaker;
  readonly limit: ConcurrencyLimit;
  private readonly options: Required<Omit<ProviderClientOptions, 'registry' | 'breaker'>>;
  private readonly metrics:
    | {
        calls: Counter<'operation' | 'outcome'>;
        duration: Histogram<'operation'>;
        retries: Counter<'operation'>;
      }
    | undefined;

  constructor(options: ProviderClientOptions) {
    this.options = {
      transport: options.transport,
      timeoutMs: options.timeoutMs,
      concurrency: options.concurrency,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 50,
    };
    this.limit = new ConcurrencyLimit(options.concurrency, options.concurrency * 20);
    const registry = options.registry;
    const breakerGauge =
      registry &&
      new Gauge({
        name: 'provider_breaker_state',
        help: 'Circuit breaker in front of the event provider: 0 closed, 1 half-open, 2 open.',
        registers: [registry],
      });
    breakerGauge?.set(0);
    this.breaker = new CircuitBreaker({
      ...(options.breaker ?? { failureThreshold: 5, openMs: 5000 }),
      onChange: (state) => breakerGauge?.set(BREAKER_GAUGE[state]),
    });
    this.metrics = registry && {
      calls: new Counter({
        name: 'provider_calls_total',
        help: 'Calls to the event provider by operation and outcome (ok, answer, failed, refused).',
        labelNames: ['operation', 'outcome'],
        registers: [registry],
      }),
      duration: new Histogram({
        name: 'provider_call_duration_seconds',
        help: 'Latency of calls to the event provider that got an answer.',
        labelNames: ['operation'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
      retries: new Counter({
        name: 'provider_retries_total',
        help: 'Reads of the event provider retried after a failure.',
        labelNames: ['operation'],
        registers: [registry],
      }),
    };
  }

  /** Opens an order. Not retried: a second attempt would open a second order. */
  async startOrder(): Promise<string> {
    const answer = await this.call('start_order', { method: 'POST', path: '/api/partners/v1/orders' }, [201]);
    return (JSON.parse(answer.body) as { order_id: string }).order_id;
  }

  /** The order, or undefined when the provider does not know it. */
  async getOrder(id: string): Promise<ProviderOrder | undefined> {
    const answer = await this.read('get_order', `/api/partners/v1/orders/${encodeURIComponent(id)}`, [200, 404]);
    return answer.status === 404 ? undefined : (JSON.parse(answer.body) as ProviderOrder);
  }

  /** 200 submitted; 409 not STARTED or no places joined yet. */
  submitOrder(id: string): Promise<ChangeAnswer> {
    return this.change('submit_order', `/api/partners/v1/orders/${encodeURIComponent(id)}/submit`, [200, 409]);
  }

  /** 200 confirmed; 409 not SUBMITTED. */
  confirmOrder(id: string): Promise<ChangeAnswer> {
    return this.change('confirm_order', `/api/partners/v1/orders/${encodeURIComponent(id)}/confirm`, [200, 409]);
  }

  /** 200 cancelled; 409 already cancelled, or confirmed. */
  cancelOrder(id: string): Promise<ChangeAnswer> {
    return this.change('cancel_order', `/api/partners/v1/orders/${encodeURIComponent(id)}/cancel`, [200, 409]);
  }

  /** One page of places, by row and seat (pageSize at most 1000). */
  async listPlaces(page: number, pageSize: number): Promise<ProviderPlace[]> {
    const answer = await this.read('list_places', `/api/partners/v1/places?page=${page}&pageSize=${pageSize}`, [200]);
    return JSON.parse(answer.body) as ProviderPlace[];
  }

  async getPlace(id: string): Promise<ProviderPlace | undefined> {
    const answer = await this.read('get_place', `/api/partners/v1/places/${encodeURIComponent(id)}`, [200, 404]);
    return answer.status === 404 ? undefined : (JSON.parse(answer.body) as ProviderPlace);
  }

  /**
   * 204 selected (it joins the order later); 409 taken or the order is not STARTED; 500 lost a
   * race for the place — or the place or order is unknown: the caller reads the place to tell.
   * A 500 here is an answer, not a failure of the provider, so it does not count for the breaker.
   */
  selectPlace(id: string, orderId: string): Promise<ChangeAnswer> {
    return this.change('select_place', `/api/partners/v1/places/${encodeURIComponent(id)}/select`, [204, 409, 422, 500], {
      order_id: orderId,
    });
  }

  /** 204 released (free later); 409 free, not joined yet, or its order is not STARTED; 403 another order's. */
  releasePlace(id: string): Promise<ChangeAnswer> {
    return this.change('release_place', `/api/partners/v1/places/${encodeURIComponent(id)}/release`, [204, 403, 409]);
  }

  private change(operation: Operation, path: string, expected: number[], body?: unknown): Promise<ChangeAnswer> {
    return this.call(operation, { method: 'PATCH', path, ...(body !== undefined ? { body } : {}) }, expected);
  }

  /** A read, retried with exponential backoff and full jitter while the breaker lets calls through. */
  private async read(operation: Operation, path: string, expected: number[]): Promise<{ status: number; body: string }> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.call(operation, { method: 'GET', path }, expected);
      } catch (error) {
        if (!(error instanceof ProviderCallError) || attempt >= this.options.retries) throw error;
        this.metrics?.retries.inc({ operation });
        await sleep(Math.random() * this.options.backoffMs * 2 ** attempt);
      }
    }
  }

  private async call(
    operation: Operation,
    request: { method: 'GET' | 'POST' | 'PATCH'; path: string; body?: unknown },
    expected: number[],
  ): Promise<{ status: number; body: string }> {
    return this.limit.run(async () => {
      if (!this.breaker.tryAcquire()) {
        this.metrics?.calls.inc({ operation, outcome: 'refused' });
        throw new ProviderUnavailableError('breaker-open', Math.ceil(this.breaker.retryAfterMs / 1000));
      }
      const started = performance.now();
      let answer: { status: number; body: string };
      try {
        answer = await this.options.transport({ ...request, timeoutMs: this.options.timeoutMs });
      } catch (error) {
        this.breaker.failed();
        this.metrics?.calls.inc({ operation, outcome: 'failed' });
        throw new ProviderCallError(
          `provider ${operation}: no answer (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      this.metrics?.duration.observe({ operation }, (performance.now() - started) / 1000);
      if (expected.includes(answer.status)) {
        this.breaker.succeeded();
        this.metrics?.calls.inc({ operation, outcome: answer.status < 300 ? 'ok' : 'answer' });
        return answer;
      }
      // Anything else (5xx, a status the contract does not have) is the provider failing.
      this.breaker.failed();
      this.metrics?.calls.inc({ operation, outcome: 'failed' });
      throw new ProviderCallError(`provider ${operation}: answered ${answer.status}`, answer.status);
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
