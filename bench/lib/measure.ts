import { execFile } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { createHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import type pg from 'pg';
import type { Scenario, SqlBaseline } from './scenario.ts';

/** One measurement of one row in one round. */
export interface Sample {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  warmupSeconds: number;
  durationSeconds: number;
  /** Runs between the warm-up and the measurement (e.g. a fresh hall, when the warm-up used it up). */
  afterWarmup?: () => Promise<void>;
  /** Ends the current load early (Ctrl-C); the measurement then throws instead of returning. */
  signal: AbortSignal;
}

/**
 * Drives HTTP load with autocannon from this (the parent) process: a warm-up whose result is
 * thrown away (JIT, connection setup, pool filling), then the measured run. Only 2xx responses
 * count as throughput, so an endpoint failing fast cannot look fast.
 */
export async function measureHttp(
  baseUrl: string,
  { path, nextBody, nextPath, ...request }: Scenario['request'],
  options: LoadOptions & { connections: number },
): Promise<Sample> {
  const url = new URL(path, baseUrl).toString();
  const run = async (duration: number) => {
    const instance = autocannon({
      url,
      ...request,
      // With a per-request body or path autocannon rebuilds every request through setupRequest.
      ...(nextBody || nextPath
        ? {
            requests: [
              {
                setupRequest: (built) => ({
                  ...built,
                  ...(nextBody ? { body: nextBody() } : {}),
                  ...(nextPath ? { path: nextPath() } : {}),
                }),
              },
            ],
          }
        : {}),
      connections: options.connections,
      duration,
      timeout: 10,
    });
    const stop = () => instance.stop();
    options.signal.addEventListener('abort', stop);
    try {
      return await instance;
    } finally {
      options.signal.removeEventListener('abort', stop);
    }
  };
  if (options.warmupSeconds > 0) await run(options.warmupSeconds);
  options.signal.throwIfAborted();
  await options.afterWarmup?.();
  const result = await run(options.durationSeconds);
  options.signal.throwIfAborted();
  return {
    perSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * Open-loop load: requests start on a fixed schedule (`rate` per second, evenly spaced) whether or
 * not earlier ones were answered, over at most `connections` keep-alive connections (a request
 * finding them all busy waits for one). Latency counts from the moment a request was due, not
 * from when it could be sent, so a stalled server shows in the percentiles (no coordinated
 * omission). This is "N clients arriving at a given rate", where autocannon measures N clients in
 * a closed loop (its own rate limit sends each connection's share in a burst every second).
 */
export async function measureHttpAtRate(
  baseUrl: string,
  { path, nextBody, nextPath, method = 'GET', headers = {}, body }: Scenario['request'],
  options: LoadOptions & { connections: number; rate: number },
): Promise<Sample> {
  const url = new URL(path, baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const send = (
    due: number,
    counts: { ok: number; non2xx: number; errors: number },
    latencyUs: ReturnType<typeof createHistogram>,
  ) =>
    new Promise<void>((resolve) => {
      const payload = nextBody ? nextBody() : body;
      const outgoing = httpRequest(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path: nextPath ? nextPath() : url.pathname + url.search,
          headers,
          timeout: 10_000,
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            latencyUs.record(Math.max(1, Math.round((performance.now() - due) * 1000)));
            if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300) counts.ok++;
            else counts.non2xx++;
            resolve();
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
      outgoing.on('error', () => {
        counts.errors++;
        resolve();
      });
      outgoing.end(payload);
    });
  const run = async (seconds: number): Promise<Sample> => {
    const counts = { ok: 0, non2xx: 0, errors: 0 };
    const latencyUs = createHistogram();
    const total = Math.round(seconds * options.rate);
    const interval = 1000 / options.rate;
    const inFlight: Promise<void>[] = [];
    const start = performance.now();
    let sent = 0;
    while (sent < total && !options.signal.aborted) {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      for (; sent < due; sent++) inFlight.push(send(start + sent * interval, counts, latencyUs));
      await sleep(Math.max(0, start + sent * interval - performance.now()));
    }
    await Promise.all(inFlight);
    const elapsed = Math.max(seconds, (performance.now() - start) / 1000);
    return {
      perSecond: counts.ok / elapsed,
      p50Ms: counts.ok + counts.non2xx ? latencyUs.percentile(50) / 1000 : 0,
      p99Ms: counts.ok + counts.non2xx ? latencyUs.percentile(99) / 1000 : 0,
      errors: counts.errors,
      non2xx: counts.non2xx,
    };
  };
  try {
    if (options.warmupSeconds > 0) await run(options.warmupSeconds);
    options.signal.throwIfAborted();
    await options.afterWarmup?.();
    const sample = await run(options.durationSeconds);
    options.signal.throwIfAborted();
    return sample;
  } finally {
    agent.destroy();
  }
}

/**
 * The raw database running one statement in a closed loop: `concurrency` workers, each issuing the
 * next query as soon as the previous one returns, through the given pool (the same pg.Pool setup
 * the service uses). Bounded in time: workers stop issuing at the deadline, and a query that
 * hangs past it fails the measurement instead of hanging the harness.
 */
export async function measureSql(
  pool: pg.Pool,
  baseline: SqlBaseline,
  options: LoadOptions & { concurrency: number },
): Promise<Sample> {
  const loop = (seconds: number) => sqlLoop(pool, baseline, options.concurrency, seconds, options.signal);
  if (options.warmupSeconds > 0) await loop(options.warmupSeconds);
  options.signal.throwIfAborted();
  const sample = await loop(options.durationSeconds);
  options.signal.throwIfAborted();
  return sample;
}

const HUNG_QUERY_GRACE_MS = 10_000;

async function sqlLoop(
  pool: pg.Pool,
  baseline: SqlBaseline,
  concurrency: number,
  seconds: number,
  signal: AbortSignal,
): Promise<Sample> {
  const latencyNs = createHistogram();
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  // PGlite answers in microtasks only, which would starve timers and signal handlers (Ctrl-C, the
  // hung-query guard below) for the whole loop. So every 100 ms all workers wait for one shared
  // macrotask turn and then resume together; a per-worker yield would instead let the first worker
  // to resume run alone until its next yield, silently measuring concurrency 1.
  let lastTurn = start;
  let turn: Promise<void> | undefined;
  const eventLoopTurn = () =>
    (turn ??= new Promise((resolve) =>
      setImmediate(() => {
        turn = undefined;
        lastTurn = performance.now();
        resolve();
      }),
    ));
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && !signal.aborted) {
      if (performance.now() - lastTurn > 100) await eventLoopTurn();
      const began = process.hrtime.bigint();
      try {
        const values = baseline.params?.() ?? [];
        await (typeof baseline.sql === 'string'
          ? pool.query(baseline.sql, values)
          : pool.query(baseline.sql.queryConfig(values)));
        latencyNs.record(process.hrtime.bigint() - began);
        ok++;
      } catch {
        errors++;
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => {
        reject(new Error(`${baseline.name}: a query was still running ${HUNG_QUERY_GRACE_MS} ms after the deadline`));
      },
      seconds * 1000 + HUNG_QUERY_GRACE_MS,
    );
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: concurrency }, worker)), hung]);
  } finally {
    clearTimeout(timer);
  }
  const elapsedSeconds = (performance.now() - start) / 1000;
  return {
    perSecond: ok / elapsedSeconds,
    p50Ms: ok ? latencyNs.percentile(50) / 1e6 : 0,
    p99Ms: ok ? latencyNs.percentile(99) / 1e6 : 0,
    errors,
    non2xx: 0,
  };
}

/**
 * The same closed loop as measureHttp, driven by wrk (C, one thread) instead of autocannon, for
 * fixed GET requests only. autocannon decodes every response body into a string, so its cost grows with
 * the answer's size and bytes weigh on rows with large answers; wrk only counts them. Requires the
 * `wrk` binary (Debian: apt-get install wrk).
 */
export async function measureHttpWithWrk(
  baseUrl: string,
  { path, headers = {} }: Scenario['request'],
  options: LoadOptions & { connections: number },
): Promise<Sample> {
  const url = new URL(path, baseUrl).toString();
  const args = (seconds: number) => [
    '-t1',
    `-c${String(options.connections)}`,
    `-d${String(seconds)}s`,
    '--timeout',
    '10s',
    '--latency',
    ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    url,
  ];
  if (options.warmupSeconds > 0) await run('wrk', args(options.warmupSeconds), options.signal);
  options.signal.throwIfAborted();
  await options.afterWarmup?.();
  const output = await run('wrk', args(options.durationSeconds), options.signal);
  options.signal.throwIfAborted();
  return parseWrk(output);
}

function run(command: string, args: string[], signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { signal, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** wrk's report: "N requests in 10.00s", "Requests/sec", the latency percentiles, errors, non-2xx. */
function parseWrk(output: string): Sample {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? Number.NaN);
  const latencyMs = (percentile: number) => {
    const match = new RegExp(`^\\s*${String(percentile)}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    if (!match) return Number.NaN;
    const scale = { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
    return Number(match[1]) * scale;
  };
  const requests = number(/(\d+) requests in/);
  const seconds = number(/requests in ([\d.]+)s/);
  const non2xx = number(/Non-2xx or 3xx responses: (\d+)/) || 0;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = socket ? socket.slice(1).reduce((sum, count) => sum + Number(count), 0) : 0;
  if (!Number.isFinite(requests) || !Number.isFinite(seconds)) throw new Error(`wrk: unexpected output\n${output}`);
  return { perSecond: (requests - non2xx) / seconds, p50Ms: latencyMs(50), p99Ms: latencyMs(99), errors, non2xx };
}
