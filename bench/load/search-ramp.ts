// npm run load -- search-ramp --url http://127.0.0.1:PORT [options]
//
// HackLoad's search load, open loop: GET /api/events with the list and the six phrases (with and
// without date=2024-12-25), in turn, at an arrival rate that climbs in steps. Each step is judged
// on the requests due in it; the report names the highest rate held with p95 < 2 s and < 1%
// errors (HackLoad's bar: an answer over 2 s fails) and the highest with p95 < 50 ms. The same
// ramp against bare Fastify answering a search page's weight is the same-run baseline.
import { parseOptions } from '../lib/args.ts';
import { bareFastifyBaseline, HACKLOAD_SEARCHES, positiveNumber, report, row, serviceUrl } from './common.ts';
import { httpClient, outcomeOf, runOpenLoop, summarize, type Sample, type Summary } from './open-loop.ts';

const HELP = `Usage: npm run load -- search-ramp --url http://127.0.0.1:PORT [options]

  --from <rps>          first step's arrival rate (default 250)
  --factor <x>          each step's rate is the previous one's times this (default 1.5)
  --to <rps>            last step's rate at most (default 10000)
  --step-seconds <s>    length of each step (default 10)
  --connections <n>     sockets at most (default 512)
  --no-baseline         skip the bare-Fastify ramp`;

export async function run(args: string[]): Promise<void> {
  const values = parseOptions(
    HELP,
    {
      url: { type: 'string' },
      from: { type: 'string', default: '250' },
      factor: { type: 'string', default: '1.5' },
      to: { type: 'string', default: '10000' },
      'step-seconds': { type: 'string', default: '10' },
      connections: { type: 'string', default: '512' },
      'no-baseline': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    args,
  );
  const url = serviceUrl(values.url, HELP);
  const steps: number[] = [];
  const to = positiveNumber(values.to, '--to');
  const factor = positiveNumber(values.factor, '--factor');
  for (let rate = positiveNumber(values.from, '--from'); rate <= to && steps.length < 40; rate = Math.round(rate * factor))
    steps.push(rate);
  const stepSeconds = positiveNumber(values['step-seconds'], '--step-seconds');
  const connections = positiveNumber(values.connections, '--connections');
  const rate = (elapsed: number) => steps[Math.min(steps.length - 1, Math.floor(elapsed / stepSeconds))] ?? 0;
  const durationSeconds = steps.length * stepSeconds;

  console.error(`search-ramp: ${steps.join(', ')} requests/s, ${stepSeconds} s each`);
  const client = httpClient(url, connections);
  const samples = await runOpenLoop({
    rate,
    durationSeconds,
    send: (index) => outcomeOf(client, 'GET', HACKLOAD_SEARCHES[index % HACKLOAD_SEARCHES.length]!),
  });
  client.close();
  const service = judge(samples, steps, stepSeconds);
  const baseline = values['no-baseline']
    ? undefined
    : judge((await bareFastifyBaseline(rate, durationSeconds, '/events-page', connections)).samples, steps, stepSeconds);

  const rows = service.perStep.flatMap((summary, index) => [
    row(`service @ ${steps[index]}/s`, summary),
    ...(baseline ? [row(`bare-fastify @ ${steps[index]}/s`, baseline.perStep[index]!)] : []),
  ]);
  report('search-ramp', rows, {
    heldUnder2s: service.heldUnder2s,
    heldUnder50ms: service.heldUnder50ms,
    baselineHeldUnder2s: baseline?.heldUnder2s,
    baselineHeldUnder50ms: baseline?.heldUnder50ms,
  });
}

/** Each step's summary (answers over 2 s fail), and the highest step rate that met each bar. */
function judge(samples: Sample[], steps: number[], stepSeconds: number) {
  const perStep: Summary[] = steps.map((_, index) =>
    summarize(
      samples.filter((sample) => sample.dueMs >= index * stepSeconds * 1000 && sample.dueMs < (index + 1) * stepSeconds * 1000),
      stepSeconds,
      2000,
    ),
  );
  const held = (limitMs: number) =>
    steps.reduce((best, rate, index) => {
      const summary = perStep[index]!;
      return summary.requests > 0 && summary.p95 < limitMs && summary.errorRate < 0.01 ? Math.max(best, rate) : best;
    }, 0);
  return { perStep, heldUnder2s: held(2000), heldUnder50ms: held(50) };
}
