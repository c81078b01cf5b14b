// The open-loop load generator the HackLoad scenarios share (decision record 0033).
//
// Requests are sent on a schedule fixed in advance by the arrival rate, whatever the server does;
// each one's latency runs from when it was *due*, not from when it left. A server that stalls for
// a second therefore shows the stall in every request that fell due during it (the load test's
// users would have waited that long), where a closed loop — N connections each sending its next
// request after the previous answer — sends nothing during the stall and records one slow sample
// per connection ("coordinated omission"). The generator being late (its own event loop busy) is
// counted the same way: the latency includes it.
import http from 'node:http';

/** What became of one request. */
export interface Outcome {
  /** HTTP status; 0 for a network error or a timeout. */
  status: number;
  /** Whether the scenario takes the answer as correct (e.g. 2xx, or a clean "sold out"). */
  ok: boolean;
  /** Why it failed, for the report (a few kinds, not one per request). */
  error?: string;
}

/** One request as measured: due time (ms since the run's start), latency from then, its outcome. */
export interface Sample {
  dueMs: number;
  latencyMs: number;
  status: number;
  ok: boolean;
  error?: string | undefined;
}

export interface OpenLoopOptions {
  /** Arrivals per second at `elapsedSeconds` since the start (a constant, a ramp, steps). */
  rate: (elapsedSeconds: number) => number;
  durationSeconds: number;
  /** Sends the `index`th request; never throws for an HTTP or network failure (an Outcome says it). */
  send: (index: number) => Promise<Outcome>;
  /**
   * At most this many requests outstanding (default 20,000): an arrival beyond it is not sent and
   * counts as a failure ('generator overloaded'), so a server that stops answering cannot make the
   * generator hold unbounded memory.
   */
  maxInFlight?: number;
  /** Clock in milliseconds (default performance.now); tests may pass their own. */
  now?: () => number;
}

/**
 * Runs the schedule; resolves with every request's sample once the last one has answered (or
 * failed), in order of due time.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<Sample[]> {
  const now = options.now ?? (() => performance.now());
  const maxInFlight = options.maxInFlight ?? 20_000;
  const durationMs = options.durationSeconds * 1000;
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  const startedAt = now();
  let nextDueMs = 0;
  let index = 0;

  const launch = (dueMs: number, requestIndex: number): void => {
    if (pending.size >= maxInFlight) {
      samples.push({ dueMs, latencyMs: now() - startedAt - dueMs, status: 0, ok: false, error: 'generator overloaded' });
      return;
    }
    const done: Promise<void> = options
      .send(requestIndex)
      .catch((error: unknown): Outcome => ({
        status: 0,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      }))
      .then((outcome) => {
        samples.push({ dueMs, latencyMs: now() - startedAt - dueMs, ...outcome });
        pending.delete(done);
      });
    pending.add(done);
  };

  while (nextDueMs < durationMs) {
    const elapsedMs = now() - startedAt;
    // Everything due by now goes out at once, each keeping its own due time.
    while (nextDueMs <= elapsedMs && nextDueMs < durationMs) {
      launch(nextDueMs, index++);
      const rate = options.rate(nextDueMs / 1000);
      // A rate of 0 pauses arrivals: look again 10 ms later.
      nextDueMs += rate > 0 ? 1000 / rate : 10;
    }
    const waitMs = nextDueMs - (now() - startedAt);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(waitMs, 50))));
  }
  while (pending.size > 0) await Promise.all(pending);
  return samples.sort((a, b) => a.dueMs - b.dueMs);
}

/** The figures of a set of samples, HackLoad's way: success = correct answers ÷ all requests. */
export interface Summary {
  requests: number;
  /** Requests per second over the window they were due in. */
  rps: number;
  ok: number;
  errors: number;
  /** errors ÷ requests (a non-correct answer, a network error, or a timeout). */
  errorRate: number;
  successRate: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** The commonest failure kinds with their counts. */
  failures: Record<string, number>;
}

/**
 * Summarises samples; `windowSeconds` is the span their due times covered (for the rate).
 * `slowMs`: an answer slower than this counts as a failure too (HackLoad: 2 s for search).
 */
export function summarize(samples: readonly Sample[], windowSeconds: number, slowMs = Number.POSITIVE_INFINITY): Summary {
  const latencies = Float64Array.from(samples, (sample) => sample.latencyMs).sort();
  const failures: Record<string, number> = {};
  let ok = 0;
  for (const sample of samples) {
    const slow = sample.latencyMs > slowMs;
    if (sample.ok && !slow) {
      ok++;
      continue;
    }
    const kind = slow && sample.ok ? `slower than ${slowMs} ms` : (sample.error ?? `status ${sample.status}`);
    failures[kind] = (failures[kind] ?? 0) + 1;
  }
  const requests = samples.length;
  return {
    requests,
    rps: round(requests / Math.max(windowSeconds, 0.001)),
    ok,
    errors: requests - ok,
    errorRate: requests === 0 ? 0 : (requests - ok) / requests,
    successRate: requests === 0 ? 0 : ok / requests,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    max: round(latencies.at(-1) ?? 0),
    failures,
  };
}

/** The nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: Float64Array | readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return round(sorted[rank] ?? 0);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** A keep-alive HTTP client for one base URL, at most `connections` sockets. */
export interface HttpClient {
  request: (
    method: string,
    path: string,
    options?: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number },
  ) => Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>;
  close: () => void;
}

export function httpClient(baseUrl: string, connections = 256): HttpClient {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  return {
    request: (method, path, options = {}) =>
      new Promise((resolve, reject) => {
        const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
        const request = http.request(
          {
            agent,
            host: base.hostname,
            port: base.port,
            method,
            path,
            headers: {
              ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
              ...options.headers,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                headers: response.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            response.on('error', reject);
          },
        );
        request.setTimeout(options.timeoutMs ?? 10_000, () => request.destroy(new Error('timeout')));
        request.on('error', reject);
        request.end(payload);
      }),
    close: () => agent.destroy(),
  };
}

/** Sends one request and turns the answer into an Outcome: 2xx (or `accept`) is correct. */
export async function outcomeOf(
  client: HttpClient,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; accept?: (status: number) => boolean } = {},
): Promise<Outcome> {
  try {
    const { status } = await client.request(method, path, options);
    const ok = options.accept ? options.accept(status) : status >= 200 && status < 300;
    return ok ? { status, ok } : { status, ok, error: `status ${status}` };
  } catch (error) {
    return { status: 0, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
