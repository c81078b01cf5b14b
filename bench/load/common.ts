// What the load scenarios share: options, the data set's users, the bare-Fastify baseline run
// on the same schedule, and the report.
import { generateUser } from '../../src/modules/identity/index.ts';
import { assertLoopback, startChild } from '../lib/children.ts';
import { httpClient, outcomeOf, runOpenLoop, summarize, type HttpClient, type Summary } from './open-loop.ts';

/** The seed `npm run load -- data` generates the users with (user k's password is a function of it). */
export const USERS_SEED = 42;

export interface DataSetUser {
  id: number;
  email: string;
  basic: string;
}

/** The first `count` active users of the data set (as `npm run load -- data` loaded them), from `from`. */
export function dataSetUsers(count: number, from = 1): DataSetUser[] {
  const users: DataSetUser[] = [];
  for (let id = from; users.length < count; id++) {
    const user = generateUser(id, USERS_SEED);
    if (!user.is_active) continue;
    users.push({
      id,
      email: user.email,
      basic: `Basic ${Buffer.from(`${user.email}:${user.password_plain}`).toString('base64')}`,
    });
  }
  return users;
}

/** Signs in with the data set's password; returns the Bearer header. */
export async function bearerFor(client: HttpClient, user: DataSetUser): Promise<string> {
  const { password_plain: password } = generateUser(user.id, USERS_SEED);
  const answer = await client.request('POST', '/api/auth/login', { body: { email: user.email, password } });
  if (answer.status !== 200) throw new Error(`login of ${user.email} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
  return `Bearer ${(JSON.parse(answer.text) as { access_token: string }).access_token}`;
}

export function serviceUrl(url: string | undefined, help: string): string {
  if (!url) {
    console.error(`${help}\n\n--url is required`);
    process.exit(2);
  }
  assertLoopback(url);
  return url;
}

export function positiveNumber(value: string, name: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    console.error(`${name} must be a positive number, got ${value}`);
    process.exit(2);
  }
  return number;
}

/**
 * The same-run baseline: bare Fastify (bench/bare-fastify.ts, its own process) under the same
 * arrival schedule, answering `path` ('/' or '/events-page', the weight of a search page).
 */
export async function bareFastifyBaseline(
  rate: (elapsedSeconds: number) => number,
  durationSeconds: number,
  path: '/' | '/events-page',
  connections: number,
): Promise<{ samples: Awaited<ReturnType<typeof runOpenLoop>>; summary: Summary }> {
  const child = await startChild(new URL('../bare-fastify.ts', import.meta.url));
  const client = httpClient(child.url, connections);
  try {
    const samples = await runOpenLoop({ rate, durationSeconds, send: () => outcomeOf(client, 'GET', path) });
    return { samples, summary: summarize(samples, durationSeconds) };
  } finally {
    client.close();
    await child.stop();
  }
}

/** One table row of a summary: milliseconds rounded, rates as percentages. */
export function row(label: string, summary: Summary): Record<string, string | number> {
  return {
    run: label,
    requests: summary.requests,
    rps: summary.rps,
    'p50 ms': summary.p50,
    'p95 ms': summary.p95,
    'p99 ms': summary.p99,
    'max ms': summary.max,
    'errors %': Math.round(summary.errorRate * 10_000) / 100,
    'success %': Math.round(summary.successRate * 10_000) / 100,
  };
}

/** Prints the table and one JSON line (for docs and comparisons). */
export function report(scenario: string, rows: Record<string, string | number>[], extra: Record<string, unknown> = {}): void {
  console.table(rows);
  for (const [key, value] of Object.entries(extra))
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
      console.log(`${key}: ${String(value)}`);
  console.log(JSON.stringify({ scenario, at: new Date().toISOString(), rows, ...extra }));
}

/** The load test's searches: the list, and six phrases with and without its date. */
export const HACKLOAD_PHRASES = [
  'концерт',
  'Дмитрий Козлов',
  'азарт',
  'Чемпионат',
  'Красная шапочка',
  'Экспозиция "Звездные войны"',
];
export const HACKLOAD_SEARCHES: string[] = [
  '/api/events?page=1&pageSize=20',
  ...HACKLOAD_PHRASES.flatMap((query) => [
    `/api/events?query=${encodeURIComponent(query)}&page=1&pageSize=20`,
    `/api/events?query=${encodeURIComponent(query)}&date=2024-12-25&page=1&pageSize=20`,
  ]),
];
