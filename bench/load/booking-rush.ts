// npm run load -- booking-rush --url http://127.0.0.1:PORT [--vus 10] [--iterations 1000] [--until-sold-out]
//
// HackLoad's booking test as its client runs it: POST /api/reset, then --vus virtual users (each a
// fixed data-set user, HTTP Basic on every call) loop: GET /api/seats?event_id=1&status=FREE&
// pageSize=5, POST /api/bookings {"event_id":1} (201), PATCH /api/seats/select with the first seat
// (200; 419 is a conflict), and 0.5 s later GET /api/bookings must hold that booking with that
// seat. Score: attempts whose four steps all passed ÷ attempts (HackLoad's bar: 95%). Each user is
// a closed loop, as in their client; latencies are per step. --until-sold-out loops until the list
// of free seats comes back empty (a clean end, not a failure). Needs a service with
// ENABLE_RESET=true. The baseline is bare Fastify, open loop, at the request rate the rush reached.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseOptions } from '../lib/args.ts';
import { bareFastifyBaseline, dataSetUsers, positiveNumber, report, row, serviceUrl } from './common.ts';
import { httpClient, summarize, type Sample } from './open-loop.ts';

const HELP = `Usage: npm run load -- booking-rush --url http://127.0.0.1:PORT [options]

  --vus <n>            virtual users (default 10)
  --iterations <n>     attempts per user (default 1000; ignored with --until-sold-out)
  --until-sold-out     loop until event 1 has no free seat
  --check-delay <ms>   wait before GET /api/bookings (default 500)
  --no-reset           do not call POST /api/reset first
  --no-baseline        skip the bare-Fastify run`;

const STEPS = ['seats', 'booking', 'select', 'check'] as const;
type Step = (typeof STEPS)[number];

export async function run(args: string[]): Promise<void> {
  const values = parseOptions(
    HELP,
    {
      url: { type: 'string' },
      vus: { type: 'string', default: '10' },
      iterations: { type: 'string', default: '1000' },
      'until-sold-out': { type: 'boolean', default: false },
      'check-delay': { type: 'string', default: '500' },
      'no-reset': { type: 'boolean', default: false },
      'no-baseline': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    args,
  );
  const url = serviceUrl(values.url, HELP);
  const vus = positiveNumber(values.vus, '--vus');
  const iterations = values['until-sold-out'] ? Number.POSITIVE_INFINITY : positiveNumber(values.iterations, '--iterations');
  const checkDelayMs = Number(values['check-delay']);
  const client = httpClient(url, vus * 2);
  if (!values['no-reset']) {
    const reset = await client.request('POST', '/api/reset');
    if (reset.status !== 200) throw new Error(`POST /api/reset answered ${reset.status} (is ENABLE_RESET=true?)`);
  }
  const users = dataSetUsers(vus);
  const samples: Record<Step, Sample[]> = { seats: [], booking: [], select: [], check: [] };
  const attempts = { total: 0, succeeded: 0, conflicts: 0, soldOut: 0, failed: {} as Record<string, number> };
  const startedAt = performance.now();
  let soldOut = false;

  /** Runs one step, timing it; returns the answer or undefined when it failed (recorded). */
  const step = async (name: Step, method: string, path: string, authorization: string, body?: unknown) => {
    const dueMs = performance.now() - startedAt;
    try {
      const answer = await client.request(method, path, { headers: { authorization }, body });
      samples[name].push({
        dueMs,
        latencyMs: performance.now() - startedAt - dueMs,
        status: answer.status,
        ok: answer.status < 300,
      });
      return answer;
    } catch (error) {
      samples[name].push({ dueMs, latencyMs: performance.now() - startedAt - dueMs, status: 0, ok: false, error: String(error) });
      return undefined;
    }
  };
  const fail = (why: string) => {
    attempts.failed[why] = (attempts.failed[why] ?? 0) + 1;
  };

  await Promise.all(
    users.map(async (user) => {
      for (let iteration = 0; iteration < iterations && !soldOut; iteration++) {
        const list = await step('seats', 'GET', '/api/seats?event_id=1&status=FREE&pageSize=5', user.basic);
        if (list?.status !== 200) {
          attempts.total++;
          fail(`seats ${list?.status ?? 'error'}`);
          continue;
        }
        const seats = JSON.parse(list.text) as { id: number; status: string }[];
        if (seats.length === 0) {
          soldOut = true;
          attempts.soldOut++;
          break;
        }
        attempts.total++;
        const booking = await step('booking', 'POST', '/api/bookings', user.basic, { event_id: 1 });
        if (booking?.status !== 201) {
          fail(`booking ${booking?.status ?? 'error'}`);
          continue;
        }
        const bookingId = (JSON.parse(booking.text) as { id: number }).id;
        const seatId = seats[0]!.id;
        const select = await step('select', 'PATCH', '/api/seats/select', user.basic, { booking_id: bookingId, seat_id: seatId });
        if (select?.status !== 200) {
          if (select?.status === 419) attempts.conflicts++;
          fail(`select ${select?.status ?? 'error'}`);
          continue;
        }
        await sleep(checkDelayMs);
        const check = await step('check', 'GET', '/api/bookings', user.basic);
        const found =
          check?.status === 200 &&
          (JSON.parse(check.text) as { id: number; seats: { id: number }[] }[]).some(
            (entry) => entry.id === bookingId && entry.seats.some((seat) => seat.id === seatId),
          );
        if (found) attempts.succeeded++;
        else fail(`check ${check?.status ?? 'error'}`);
      }
    }),
  );
  client.close();
  const seconds = (performance.now() - startedAt) / 1000;
  const rows = STEPS.map((name) => row(`service ${name}`, summarize(samples[name], seconds)));
  const requestRate = STEPS.reduce((sum, name) => sum + samples[name].length, 0) / seconds;
  if (!values['no-baseline'])
    rows.push(
      row(
        `bare-fastify @ ${Math.round(requestRate)}/s`,
        (await bareFastifyBaseline(() => requestRate, Math.min(seconds, 30), '/', vus * 2)).summary,
      ),
    );
  report('booking-rush', rows, {
    vus,
    seconds: Math.round(seconds * 10) / 10,
    attempts: attempts.total,
    succeeded: attempts.succeeded,
    successRate: Math.round((attempts.succeeded / Math.max(attempts.total, 1)) * 10_000) / 100,
    seatsPerSecond: Math.round((attempts.succeeded / seconds) * 10) / 10,
    conflicts: attempts.conflicts,
    soldOut,
    failed: attempts.failed,
  });
}
