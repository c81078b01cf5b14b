// Usage: node bench/hackload-replay.ts --url http://127.0.0.1:PORT [--users 10] [--iterations 50] [--deadline 300]
//
// Replays HackLoad's load-test client against a running `sbor serve` (ENABLE_RESET=true, event 1
// seeded by `sbor seed`; AUTH_RATE_LIMITS=off if you register many users) and prints what it saw:
//
//  (a) the auth check: 6 iterations × 7 requests = 42 checks, each printed with the status
//      expected and the status received;
//  (b) a shortened booking rush: POST /api/reset, then --users virtual users each loop
//      --iterations times: list 5 free seats, open a booking, select the first seat, and 0.5 s
//      later find that booking with that seat in GET /api/bookings. Success rate = attempts whose
//      four steps all passed ÷ attempts (HackLoad's bar: ≥ 95%); 419 answers are conflicts.
//
// Users are registered through POST /api/auth/register and authenticate with HTTP Basic on every
// call, as HackLoad's client does. Only a loopback server is accepted; every request times out
// after 10 s and the whole run stops at --deadline seconds. Exit code 0 when all 42 checks pass
// and the rush reaches 95%, 1 otherwise. See docs/benchmarks.md ("HackLoad replay").
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { assertLoopback } from './lib/children.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    users: { type: 'string', default: '10' },
    iterations: { type: 'string', default: '50' },
    deadline: { type: 'string', default: '300' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || !values.url) {
  console.log('Usage: node bench/hackload-replay.ts --url http://127.0.0.1:PORT [--users 10] [--iterations 50] [--deadline 300]');
  process.exit(values.help ? 0 : 2);
}
const base = values.url;
assertLoopback(base);
const virtualUsers = positive(values.users, '--users', 100);
const iterations = positive(values.iterations, '--iterations', 1000);
const deadline = Date.now() + positive(values.deadline, '--deadline', 3600) * 1000;
const EVENT_ID = 1;
const REQUEST_TIMEOUT_MS = 10_000;
const CHECK_DELAY_MS = 500;

interface User {
  email: string;
  authorization: string;
}

interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

const latencies = new Map<string, number[]>();

/** The run's --deadline passed: stop, without counting the interrupted attempt. */
class DeadlinePassed extends Error {}

async function request(step: string, method: string, path: string, user?: User, body?: unknown): Promise<Answer> {
  if (Date.now() > deadline) throw new DeadlinePassed(`--deadline passed before ${method} ${path}`);
  const headers: Record<string, string> = {};
  if (user) headers.authorization = user.authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const began = performance.now();
  const response = await fetch(new URL(path, base), {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  const ms = performance.now() - began;
  latencies.set(step, [...(latencies.get(step) ?? []), ms]);
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, ms };
}

const runId = `${Date.now().toString(36)}-${process.pid}`;

async function register(label: string): Promise<User> {
  const email = `replay-${label}-${runId}@example.com`;
  const password = `Replay-${randomUUID()}`;
  const answer = await request('register', 'POST', '/api/auth/register', undefined, {
    email,
    password,
    first_name: 'Replay',
    surname: label,
  });
  if (answer.status !== 201) throw new Error(`register ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { email, authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}` };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const idOf = (body: unknown): number | undefined => (isObject(body) && typeof body.id === 'number' ? body.id : undefined);

// ── (a) The auth check ─────────────────────────────────────────────────────────────────────────

async function authCheck(pair: User[], other: User): Promise<{ passed: number; total: number }> {
  console.log('\n(a) Auth check: 6 iterations × 7 requests');
  console.log('iter  who  request                                   expect  got  result');
  let passed = 0;
  let total = 0;
  const check = (iteration: number, who: string, what: string, expected: number[], answer: Answer | undefined, note = '') => {
    total++;
    const ok = answer !== undefined && expected.includes(answer.status);
    if (ok) passed++;
    const got = answer ? String(answer.status) : '—';
    console.log(
      `${String(iteration).padStart(4)}  ${who.padEnd(3)}  ${what.padEnd(40)}  ${expected.join('/').padStart(6)}  ${got.padStart(3)}  ${ok ? 'ok' : 'FAIL'}${note ? `  ${note}` : ''}`,
    );
    return ok;
  };
  for (let iteration = 1; iteration <= 6; iteration++) {
    // Some iterations reuse the same user, as theirs do.
    const a = pair[iteration % 2 === 1 ? 0 : 1]!;
    const who = iteration % 2 === 1 ? 'A1' : 'A2';
    const list = await request('auth: list', 'GET', `/api/seats?event_id=${EVENT_ID}`, a);
    const seat = Array.isArray(list.body)
      ? (list.body as unknown[]).find((item) => isObject(item) && item.status === 'FREE')
      : undefined;
    const seatId = idOf(seat);
    check(iteration, who, `GET /api/seats?event_id=1`, [200], list, seatId ? `first FREE seat ${seatId}` : 'no FREE seat');
    const booking = await request('auth: book', 'POST', '/api/bookings', a, { event_id: EVENT_ID });
    const bookingId = idOf(booking.body);
    check(iteration, who, 'POST /api/bookings {event_id:1}', [201], booking, bookingId ? `booking ${bookingId}` : '');
    const canContinue = seatId !== undefined && bookingId !== undefined;
    const step = async (label: string, who2: string, user: User, path: string, body: object, expected: number) => {
      const answer = canContinue ? await request(`auth: ${label}`, 'PATCH', path, user, body) : undefined;
      check(iteration, who2, `PATCH ${path}`, [expected], answer, answer ? '' : 'skipped: no seat or booking');
    };
    await step('select', who, a, '/api/seats/select', { booking_id: bookingId, seat_id: seatId }, 200);
    await step('release (other)', 'B', other, '/api/seats/release', { seat_id: seatId }, 403);
    await step('cancel (other)', 'B', other, '/api/bookings/cancel', { booking_id: bookingId }, 403);
    await step('release', who, a, '/api/seats/release', { seat_id: seatId }, 200);
    await step('cancel', who, a, '/api/bookings/cancel', { booking_id: bookingId }, 200);
  }
  console.log(`Auth check: ${passed}/${total} passed`);
  return { passed, total };
}

// ── (b) The shortened booking rush ─────────────────────────────────────────────────────────────

interface RushTally {
  attempts: number;
  successes: number;
  conflicts: number;
  failures: Map<string, number>;
  /** The deadline ended the rush before every virtual user finished its iterations. */
  stopped: boolean;
}

/** HackLoad's checks on GET /api/seats?event_id=1&status=FREE&pageSize=5; returns what is wrong. */
function invalidListing(body: unknown): string | undefined {
  if (!Array.isArray(body)) return 'not an array';
  if (body.length > 5) return `${body.length} items (> 5)`;
  const ids = new Set<unknown>();
  for (const item of body as unknown[]) {
    if (!isObject(item)) return 'an item is not an object';
    if (typeof item.id !== 'number' || typeof item.row !== 'number' || typeof item.number !== 'number')
      return 'id, row or number is not a number';
    if (typeof item.status !== 'string' || typeof item.price !== 'string') return 'status or price is not a string';
    if (item.status !== 'FREE') return `an item is ${item.status}`;
    if (ids.has(item.id)) return `seat ${item.id} listed twice`;
    ids.add(item.id);
  }
  return undefined;
}

async function virtualUser(user: User, tally: RushTally): Promise<void> {
  const fail = (reason: string) => tally.failures.set(reason, (tally.failures.get(reason) ?? 0) + 1);
  for (let i = 0; i < iterations; i++) {
    if (Date.now() > deadline) {
      tally.stopped = true;
      return;
    }
    tally.attempts++;
    try {
      const list = await request('rush: list', 'GET', `/api/seats?event_id=${EVENT_ID}&status=FREE&pageSize=5`, user);
      const invalid = list.status === 200 ? invalidListing(list.body) : `status ${list.status}`;
      if (invalid) {
        fail(`list: ${invalid}`);
        continue;
      }
      const first = idOf((list.body as unknown[])[0]);
      if (first === undefined) {
        fail('list: empty');
        continue;
      }
      const booking = await request('rush: book', 'POST', '/api/bookings', user, { event_id: EVENT_ID });
      const bookingId = idOf(booking.body);
      if (booking.status !== 201 || bookingId === undefined) {
        fail(`book: status ${booking.status}${bookingId === undefined ? ', no numeric id' : ''}`);
        continue;
      }
      const select = await request('rush: select', 'PATCH', '/api/seats/select', user, { booking_id: bookingId, seat_id: first });
      if (select.status === 419) {
        tally.conflicts++;
        continue;
      }
      if (select.status !== 200) {
        fail(`select: status ${select.status}`);
        continue;
      }
      await sleep(CHECK_DELAY_MS);
      const mine = await request('rush: check', 'GET', '/api/bookings', user);
      const found = Array.isArray(mine.body) ? (mine.body as unknown[]).find((item) => idOf(item) === bookingId) : undefined;
      const seats = isObject(found) && Array.isArray(found.seats) ? (found.seats as unknown[]) : [];
      if (mine.status !== 200 || !seats.some((seat) => idOf(seat) === first)) {
        fail(`check: booking ${bookingId} ${found ? 'lacks' : 'missing, so lacks'} seat ${first} (status ${mine.status})`);
        continue;
      }
      tally.successes++;
    } catch (error) {
      if (error instanceof DeadlinePassed) {
        tally.attempts--;
        tally.stopped = true;
        return;
      }
      fail(`error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

async function rush(users: User[]): Promise<RushTally> {
  console.log(`\n(b) Booking rush: POST /api/reset, then ${users.length} virtual users × ${iterations} iterations`);
  const reset = await request('reset', 'POST', '/api/reset');
  if (reset.status !== 200)
    throw new Error(`POST /api/reset: ${reset.status} ${JSON.stringify(reset.body)} (ENABLE_RESET=true?)`);
  const tally: RushTally = { attempts: 0, successes: 0, conflicts: 0, failures: new Map(), stopped: false };
  const began = performance.now();
  await Promise.all(users.map((user) => virtualUser(user, tally)));
  const seconds = (performance.now() - began) / 1000;
  const rate = tally.attempts ? (100 * tally.successes) / tally.attempts : 0;
  console.log(`Attempts:  ${tally.attempts} in ${seconds.toFixed(1)} s${tally.stopped ? ' (stopped by --deadline)' : ''}`);
  console.log(`Successes: ${tally.successes} (${rate.toFixed(1)}%; target ≥ 95%)`);
  console.log(`Conflicts: ${tally.conflicts} (419 on select)`);
  const failed = [...tally.failures].sort((x, y) => y[1] - x[1]);
  console.log(`Failures:  ${failed.reduce((sum, [, n]) => sum + n, 0)}${failed.length ? '' : ' (none)'}`);
  for (const [reason, count] of failed.slice(0, 10)) console.log(`  ${String(count).padStart(5)}  ${reason}`);
  return tally;
}

function printLatencies(): void {
  console.log('\nLatency per request kind (ms)');
  console.log('kind                        count     p50     p99     max');
  for (const [kind, values] of latencies) {
    const sorted = [...values].sort((x, y) => x - y);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    console.log(
      `${kind.padEnd(26)}  ${String(sorted.length).padStart(5)}  ${at(0.5).toFixed(1).padStart(6)}  ${at(0.99).toFixed(1).padStart(6)}  ${sorted.at(-1)!.toFixed(1).padStart(6)}`,
    );
  }
}

function positive(text: string, flag: string, maximum: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > maximum) {
    console.error(`${flag} must be an integer from 1 to ${maximum}, got "${text}"`);
    process.exit(2);
  }
  return value;
}

console.log(`HackLoad replay against ${base}: ${virtualUsers} virtual users × ${iterations} iterations`);
const [a1, a2, b, ...rushers] = await Promise.all(
  ['a1', 'a2', 'b', ...Array.from({ length: virtualUsers }, (_, i) => `vu${i + 1}`)].map(register),
);
const auth = await authCheck([a1!, a2!], b!);
const tally = await rush(rushers);
printLatencies();
const rate = tally.attempts ? tally.successes / tally.attempts : 0;
console.log(
  `\nSummary: auth check ${auth.passed}/${auth.total}; rush ${tally.successes}/${tally.attempts} = ${(100 * rate).toFixed(1)}% (${tally.conflicts} conflicts)`,
);
process.exitCode = auth.passed === auth.total && rate >= 0.95 ? 0 : 1;
