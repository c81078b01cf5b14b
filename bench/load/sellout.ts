// npm run load -- sellout --database-url postgres://postgres@127.0.0.1:5432/sbor_sellout [--seats 10000] [--buyers 100]
//
// The on-sale end to end until event 1 is sold out. It starts, each as its own process, the
// sandbox payment gateway (`sbor sandbox-gateway`, processing delay --gateway-delay) and the
// service (`sbor serve`, every role, the gateway as PAYMENT_GATEWAY_URL, an SMTP sink in this
// process as SMTP_URL); recreates and seeds the database (event 1, 100,000 seats; --seats N withholds all but
// the first N) and registers --buyers buyers. Each buyer loops: search → sign in (half HTTP
// Basic, half Bearer from POST /api/auth/login) → book → select 1–4 seats (mostly 1–2) → initiate
// payment (302) → pay on the gateway's card page → come back (success URL) → the booking
// CONFIRMED → its tickets issued; until the free-seat list is empty (a clean "sold out", counted
// as a correct answer). Then it checks in the database and the mailbox: every seat sold once,
// every confirmed booking has one ticket per seat and exactly one purchase email. Reports seats
// sold per second end to end, each step's p50/p95, and the buyer success rate.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startSmtpServer } from '../../test/support/smtp.ts';
import { parseOptions } from '../lib/args.ts';
import { assertLoopback } from '../lib/children.ts';
import { admin } from '../lib/import-runner.ts';
import { positiveNumber, report, row } from './common.ts';
import { httpClient, summarize, type HttpClient, type Sample } from './open-loop.ts';

const HELP = `Usage: npm run load -- sellout --database-url postgres://…/<database> [options]

  --database-url <url>   a PostgreSQL database of its own for the run: dropped, created and seeded
  --seats <n>            seats on sale (default 100000: all of event 1; the rest are withheld)
  --buyers <n>           buyers at once (default 100)
  --gateway-delay <ms>   the sandbox's card processing delay, a range (default 50-150)
  --timeout <s>          give up after this long (default 1800)`;

const BIN = new URL('../../bin/sbor.js', import.meta.url).pathname;
const STEPS = ['search', 'signin', 'book', 'select', 'initiate', 'pay', 'return', 'confirmed', 'tickets'] as const;
type Step = (typeof STEPS)[number];
const SUCCESS_CARD = '4111111111111111';

export async function run(args: string[]): Promise<void> {
  const values = parseOptions(
    HELP,
    {
      'database-url': { type: 'string' },
      seats: { type: 'string', default: '100000' },
      buyers: { type: 'string', default: '100' },
      'gateway-delay': { type: 'string', default: '50-150' },
      timeout: { type: 'string', default: '1800' },
      help: { type: 'boolean', short: 'h' },
    },
    args,
  );
  const databaseUrl = values['database-url'];
  if (!databaseUrl?.startsWith('postgres')) {
    console.error(`${HELP}\n\n--database-url must be a postgres:// URL`);
    process.exit(2);
  }
  assertLoopback(databaseUrl);
  const seatsOnSale = positiveNumber(values.seats, '--seats');
  const buyerCount = positiveNumber(values.buyers, '--buyers');
  const deadline = Date.now() + positiveNumber(values.timeout, '--timeout') * 1000;

  const smtp = await startSmtpServer();
  const children: ChildProcess[] = [];
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const merchant = {
      PAYMENT_TERMINAL_KEY: 'sbor-sellout',
      PAYMENT_PASSWORD: 'sellout-password',
      PAYMENT_WEBHOOK_SECRET: 'sellout-webhook-secret',
    };
    const gateway = await startSbor(children, ['sandbox-gateway'], 'sandbox gateway listening', {
      ...merchant,
      SANDBOX_PORT: '0',
      HOST: '127.0.0.1',
      SANDBOX_DELAY_MS: values['gateway-delay'],
    });
    // A fresh database each run: POST /api/reset frees event 1's seats but leaves the tickets an
    // earlier run issued for them, and issuing a ticket for such a seat again fails (see docs/load.md).
    const database = new URL(databaseUrl).pathname.slice(1);
    if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error('the database name must be a plain identifier');
    const adminUrl = Object.assign(new URL(databaseUrl), { pathname: '/postgres' }).toString();
    await admin(adminUrl, `drop database if exists ${database} with (force)`);
    await admin(adminUrl, `create database ${database}`);
    await runToEnd(['seed'], { DATABASE_URL: databaseUrl });
    // The service logs warnings only (request logs would load this machine); its port is chosen here.
    const port = await freePort();
    startDetached(children, ['serve'], {
      ...merchant,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: '',
      PAYMENT_GATEWAY_URL: `${String(gateway.url)}/api/v1`,
      SMTP_URL: smtp.url,
      ENABLE_RESET: 'true',
      AUTH_RATE_LIMITS: 'off',
      SEAT_SELECT_RATE_LIMIT: 'off',
      LOG_LEVEL: 'warn',
    });
    const base = `http://127.0.0.1:${port}`;
    if (!(await poll(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200, 120_000)))
      throw new Error('sbor serve did not answer /healthz within 120 s');
    const client = httpClient(base, buyerCount * 2);

    // Event 1 afresh; all but the first --seats seats withheld (SOLD without a booking).
    const reset = await client.request('POST', '/api/reset');
    if (reset.status !== 200) throw new Error(`POST /api/reset answered ${reset.status}`);
    await pool.query(
      `update sales.seats set status = 'SOLD' where id in
         (select id from sales.seats where event_id = 1 order by row, number offset $1)`,
      [seatsOnSale],
    );
    await pool.query('vacuum analyze sales.seats');

    const buyers = await registerBuyers(client, buyerCount);
    const samples = Object.fromEntries(STEPS.map((step) => [step, [] as Sample[]])) as Record<Step, Sample[]>;
    const outcome = { buyerRuns: 0, succeeded: 0, soldOutAnswers: 0, failed: {} as Record<string, number>, seatsSold: 0 };
    const startedAt = performance.now();
    let soldOut = false;

    const timed = async <T>(step: Step, work: () => Promise<T>, ok: (value: T) => boolean): Promise<T> => {
      const dueMs = performance.now() - startedAt;
      const value = await work();
      samples[step].push({ dueMs, latencyMs: performance.now() - startedAt - dueMs, status: 0, ok: ok(value) });
      return value;
    };
    const failed = (why: string) => {
      outcome.failed[why] = (outcome.failed[why] ?? 0) + 1;
    };

    await Promise.all(
      buyers.map(async (buyer, index) => {
        const random = mulberry(index + 1);
        while (!soldOut && Date.now() < deadline) {
          outcome.buyerRuns++;
          try {
            const bought = await buyOnce(client, buyer, index % 2 === 0 ? 'basic' : 'bearer', random, timed);
            if (bought === 'sold out') {
              soldOut = true;
              outcome.soldOutAnswers++;
            } else {
              outcome.succeeded++;
              outcome.seatsSold += bought;
            }
          } catch (error) {
            failed(error instanceof Error ? error.message.slice(0, 80) : String(error));
          }
        }
      }),
    );
    const seconds = (performance.now() - startedAt) / 1000;
    client.close();

    // Give the mail the last purchases send a moment, then check everything.
    const checks = await checkAfterwards(pool, smtp, buyers, outcome.succeeded);
    const rows = STEPS.map((step) => row(step, summarize(samples[step], seconds)));
    report('sellout', rows, {
      seatsOnSale,
      buyers: buyerCount,
      seconds: Math.round(seconds * 10) / 10,
      seatsSold: outcome.seatsSold,
      seatsPerSecond: Math.round((outcome.seatsSold / seconds) * 10) / 10,
      purchases: outcome.succeeded,
      buyerRuns: outcome.buyerRuns,
      // A clean "sold out" is a correct answer: success = (purchases + sold-out answers) ÷ runs.
      successRate: Math.round(((outcome.succeeded + outcome.soldOutAnswers) / Math.max(outcome.buyerRuns, 1)) * 10_000) / 100,
      soldOut,
      failed: outcome.failed,
      checks,
    });
    console.log(`checks: ${JSON.stringify(checks)}`);
  } finally {
    await pool.end();
    for (const child of children) child.kill('SIGTERM');
    await smtp.close();
  }
}

interface Buyer {
  email: string;
  password: string;
  basic: string;
}

type Timed = <T>(step: Step, work: () => Promise<T>, ok: (value: T) => boolean) => Promise<T>;

/** One purchase by one buyer; the number of seats bought, or 'sold out'. Throws with the failed step. */
async function buyOnce(
  client: HttpClient,
  buyer: Buyer,
  auth: 'basic' | 'bearer',
  random: () => number,
  timed: Timed,
): Promise<number | 'sold out'> {
  const is2xx = (answer: { status: number }) => answer.status >= 200 && answer.status < 300;
  const search = await timed(
    'search',
    () => client.request('GET', `/api/events?query=${encodeURIComponent('концерт')}&page=1&pageSize=20`),
    is2xx,
  );
  if (!is2xx(search)) throw new Error(`search ${search.status}`);
  let authorization = buyer.basic;
  const signin = await timed(
    'signin',
    () =>
      auth === 'basic'
        ? client.request('GET', '/api/users/me', { headers: { authorization } })
        : client.request('POST', '/api/auth/login', { body: { email: buyer.email, password: buyer.password } }),
    is2xx,
  );
  if (!is2xx(signin)) throw new Error(`signin ${signin.status}`);
  if (auth === 'bearer') authorization = `Bearer ${(JSON.parse(signin.text) as { access_token: string }).access_token}`;
  const headers = { authorization };

  // Mostly one or two seats, sometimes three or four.
  const draw = random();
  const wanted = draw < 0.45 ? 1 : draw < 0.8 ? 2 : draw < 0.93 ? 3 : 4;
  const booking = await timed(
    'book',
    () => client.request('POST', '/api/bookings', { headers, body: { event_id: 1 } }),
    (answer) => answer.status === 201,
  );
  if (booking.status !== 201) throw new Error(`book ${booking.status}`);
  const bookingId = (JSON.parse(booking.text) as { id: number }).id;

  let selected = 0;
  const selectStep = async (): Promise<'sold out' | 'ok'> => {
    for (let tries = 0; selected < wanted && tries < 5; tries++) {
      const list = await client.request('GET', `/api/seats?event_id=1&status=FREE&pageSize=${Math.min(20, wanted * 3)}`, {
        headers,
      });
      if (list.status !== 200) throw new Error(`seats ${list.status}`);
      const seats = JSON.parse(list.text) as { id: number }[];
      if (seats.length === 0) return 'sold out';
      // Pick among the offered seats at random: buyers do not all take the first.
      for (const seat of shuffle(seats, random)) {
        if (selected >= wanted) break;
        const answer = await client.request('PATCH', '/api/seats/select', {
          headers,
          body: { booking_id: bookingId, seat_id: seat.id },
        });
        if (answer.status === 200) selected++;
        else if (answer.status !== 419) throw new Error(`select ${answer.status}`);
      }
    }
    return 'ok';
  };
  const selection = await timed('select', selectStep, () => true);
  if (selected === 0) {
    await client.request('PATCH', '/api/bookings/cancel', { headers, body: { booking_id: bookingId } });
    if (selection === 'sold out') return 'sold out';
    throw new Error('select: no seat after 5 tries');
  }

  const initiated = await timed(
    'initiate',
    () => client.request('PATCH', '/api/bookings/initiatePayment', { headers, body: { booking_id: bookingId } }),
    (answer) => answer.status === 302,
  );
  const paymentUrl = initiated.headers.location;
  if (initiated.status !== 302 || typeof paymentUrl !== 'string') throw new Error(`initiate ${initiated.status}`);

  const paid = await timed(
    'pay',
    () => payOnGateway(paymentUrl),
    (location) => location.includes('/api/payments/success'),
  );
  if (!paid.includes('/api/payments/success')) throw new Error(`pay: redirected to ${paid.slice(0, 60)}`);
  const back = new URL(paid);
  const returned = await timed('return', () => client.request('GET', back.pathname + back.search, { headers }), is2xx);
  if (!is2xx(returned)) throw new Error(`return ${returned.status}`);

  await timed(
    'confirmed',
    () =>
      poll(
        async () =>
          (JSON.parse((await client.request('GET', `/api/bookings/${bookingId}`, { headers })).text) as { status?: string })
            .status === 'CONFIRMED',
      ),
    (done) => done,
  ).then((done) => {
    if (!done) throw new Error('confirmed: not within 30 s');
  });
  await timed(
    'tickets',
    () =>
      poll(async () => {
        const list = await client.request('GET', `/api/tickets?event_id=1&pageSize=100`, { headers });
        return (
          list.status === 200 &&
          (JSON.parse(list.text) as { booking_id?: number }[]).filter((ticket) => ticket.booking_id === bookingId).length ===
            selected
        );
      }),
    (done) => done,
  ).then((done) => {
    if (!done) throw new Error('tickets: not issued within 30 s');
  });
  return selected;
}

/** What a person does on the gateway's page: opens it, submits the card; returns where it sends them. */
async function payOnGateway(paymentUrl: string): Promise<string> {
  const page = await fetch(paymentUrl, { headers: { accept: 'text/html' } });
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const paymentId = /name="paymentId" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !paymentId) throw new Error(`pay: no card form (${page.status})`);
  const form = new URLSearchParams({
    paymentId,
    cardNumber: SUCCESS_CARD,
    cardExpiry: '12/30',
    cvv: '123',
    cardholderName: 'SELL OUT',
  });
  const answer = await fetch(new URL(action, paymentUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  await answer.text();
  return answer.headers.get('location') ?? `status ${answer.status}`;
}

/** Polls every 50 ms for up to `limitMs` (default 30 s). */
async function poll(check: () => Promise<boolean>, limitMs = 30_000): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < limitMs; await sleep(50)) if (await check()) return true;
  return false;
}

async function registerBuyers(client: HttpClient, count: number): Promise<Buyer[]> {
  const run = Date.now().toString(36);
  const buyers: Buyer[] = [];
  for (let index = 0; index < count; index += 10) {
    const batch = Array.from({ length: Math.min(10, count - index) }, (_, offset) => ({
      email: `sellout-${run}-${index + offset}@load.sbor.kz`,
      password: `Sellout-password-${index + offset}`,
    }));
    await Promise.all(
      batch.map(async ({ email, password }) => {
        const answer = await client.request('POST', '/api/auth/register', {
          body: { email, password, first_name: 'Buyer', surname: 'Load' },
        });
        if (answer.status !== 201) throw new Error(`register ${email}: ${answer.status} ${answer.text.slice(0, 200)}`);
        buyers.push({ email, password, basic: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}` });
      }),
    );
  }
  return buyers;
}

/** The checks after the sell-out: in the database and in the mailbox. */
async function checkAfterwards(
  pool: pg.Pool,
  smtp: Awaited<ReturnType<typeof startSmtpServer>>,
  buyers: Buyer[],
  purchases: number,
) {
  const query = async (text: string) => Number((await pool.query<{ n: string }>(text)).rows[0]?.n ?? 0);
  const confirmed = await query(`select count(*) as n from sales.bookings where event_id = 1 and status = 'CONFIRMED'`);
  // Every booked seat is SOLD to exactly one booking, and has exactly one ticket.
  const seatsOfConfirmed = await query(
    `select count(*) as n from sales.seats s join sales.bookings b on b.id = s.booking_id where s.event_id = 1 and b.status = 'CONFIRMED' and s.status = 'SOLD'`,
  );
  const seatsWithTwoTickets = await query(
    `select count(*) as n from (select seat_id from tickets.tickets where event_id = 1 and seat_id is not null group by seat_id having count(*) > 1) as doubled`,
  );
  const bookingsWithoutAllTickets = await query(
    `select count(*) as n from sales.bookings b where b.event_id = 1 and b.status = 'CONFIRMED'
       and (select count(*) from tickets.tickets t where t.booking_id = b.id) <> (select count(*) from sales.seats s where s.booking_id = b.id)`,
  );
  const freeLeft = await query(`select count(*) as n from sales.seats where event_id = 1 and status = 'FREE'`);
  // One purchase email per confirmed booking (the mail goes out after the tickets; wait a little).
  let emails = 0;
  for (let waited = 0; waited < 30_000; waited += 500) {
    emails = smtp.messages.filter((message) => /Ваши билеты|Your tickets/.test(message.subject ?? '')).length;
    if (emails >= confirmed) break;
    await sleep(500);
  }
  const bookingsPerBuyerWithMail = buyers.filter((buyer) => smtp.to(buyer.email).length > 0).length;
  return {
    confirmedBookings: confirmed,
    purchasesSeenByBuyers: purchases,
    seatsSoldToConfirmedBookings: seatsOfConfirmed,
    seatsWithMoreThanOneTicket: seatsWithTwoTickets,
    confirmedBookingsWithoutAllTickets: bookingsWithoutAllTickets,
    freeSeatsLeft: freeLeft,
    purchaseEmails: emails,
    oneEmailPerBooking: emails === confirmed,
    buyersWithMail: bookingsPerBuyerWithMail,
  };
}

/** Starts `sbor ARGS` as its own process and waits for its log line `message`. */
async function startSbor(
  children: ChildProcess[],
  args: string[],
  message: string,
  env: Record<string, string>,
): Promise<Record<string, unknown>> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...env };
  delete childEnv.NATS_URL;
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sbor ${args.join(' ')} did not log "${message}" within 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`sbor ${args.join(' ')} exited (${code}) before "${message}"`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === message) {
        clearTimeout(timer);
        resolve(entry);
      }
    });
  });
}

function startDetached(children: ChildProcess[], args: string[], env: Record<string, string>): void {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NATS_URL;
  children.push(spawn(process.execPath, [BIN, ...args], { env: childEnv, stdio: ['pipe', 'inherit', 'inherit'] }));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function runToEnd(args: string[], env: Record<string, string>): Promise<void> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  delete childEnv.NATS_URL;
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`sbor ${args.join(' ')} exited with ${code}`);
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** A small seeded generator: each buyer's choices repeat from run to run. */
function mulberry(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}
