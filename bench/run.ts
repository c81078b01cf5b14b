// The benchmark harness: `npm run bench [-- options]`. See docs/benchmarks.md.
//
// Absolute numbers on a shared, noisy 2-core machine mean little from one run to the next, so
// every scenario is reported as a ratio to baselines measured in the same run on the same machine:
// bare Fastify (the HTTP ceiling) and, for endpoints that run SQL, the raw database running the
// same statement.
import { cpus, loadavg } from 'node:os';
import { readdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startChild, stopAllChildren } from './lib/children.ts';
import { prepareDatabase, type BenchDatabase } from './lib/database.ts';
import { measureHttp, measureHttpAtRate, measureHttpWithWrk, measureSql, type Sample } from './lib/measure.ts';
import { BARE_FASTIFY, BARE_FASTIFY_EVENTS_PAGE, formatTable, median, rawDbName, spread, writeResults } from './lib/report.ts';
import type { Measurement, Scenario, SqlBaseline } from './lib/scenario.ts';

const HELP = `Usage: npm run bench [-- options]

  --duration <s>        measured seconds per scenario and baseline (default 10)
  --warmup <s>          unmeasured seconds before each measurement (default 3)
  --connections <n>     concurrent HTTP connections (default 100)
  --db-concurrency <n>  service pool size, and concurrent clients of the raw-db baselines (default 20)
  --rounds <n>          repeat everything n times and report medians (default 1)
  --only <prefix>       run only scenarios whose name starts with this (repeatable); the baselines
                        they need always run
  --generator <name>    closed-loop load generator: autocannon (default) or wrk (the wrk binary;
                        rows other than a fixed GET stay on autocannon)

Environment: BENCH_DATABASE_URL=postgres://… runs on PostgreSQL (in a fresh database sbor_bench, or BENCH_DATABASE_NAME);
otherwise on embedded PGlite in a temp directory. BENCH_DATABASE_TEMPLATE=<database> copies a database
prepared once (e.g. the 6M-event catalog from bench/import-events.ts) instead of starting empty.`;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '100' },
    'db-concurrency': { type: 'string', default: '20' },
    rounds: { type: 'string', default: '1' },
    only: { type: 'string', multiple: true },
    generator: { type: 'string', default: 'autocannon' },
    help: { type: 'boolean', short: 'h' },
  },
});

// Ctrl-C ends the current load early; the finally block below then stops children and cleans up.
// A second Ctrl-C exits at once (the children still stop: their stdin closes).
const interrupted = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted.signal.aborted) process.exit(130);
    progress(`${signal}: stopping; cleaning up`);
    interrupted.abort(new Error(`interrupted by ${signal}`));
    void stopAllChildren();
  });
}

const settings = {
  durationSeconds: integer(values.duration, '--duration', 1),
  warmupSeconds: integer(values.warmup, '--warmup', 0),
  connections: integer(values.connections, '--connections', 1),
  dbConcurrency: integer(values['db-concurrency'], '--db-concurrency', 1),
  rounds: integer(values.rounds, '--rounds', 1),
};
const options = { ...settings, signal: interrupted.signal };
if (values.generator !== 'autocannon' && values.generator !== 'wrk') fail('--generator: autocannon or wrk');
const useWrk = values.generator === 'wrk';

/** The closed loop for one row: wrk when chosen and the request is fixed, autocannon otherwise. */
function measureClosedLoop(url: string, request: Scenario['request'], load: Parameters<typeof measureHttp>[2]) {
  const fixed = !request.nextBody && !request.nextPath && request.body === undefined && (request.method ?? 'GET') === 'GET';
  return useWrk && fixed ? measureHttpWithWrk(url, request, load) : measureHttp(url, request, load);
}

const allScenarios = await loadScenarios();
if (values.help) {
  console.log(
    `${HELP}\n\nScenarios (bench/scenarios/):\n${allScenarios.map((s) => `  ${s.name.padEnd(22)}${s.description}`).join('\n')}`,
  );
  process.exit(0);
}
const chosen = values.only
  ? allScenarios.filter(({ name }) => values.only!.some((prefix) => name.startsWith(prefix)))
  : allScenarios;
if (chosen.length === 0)
  fail(`no scenario matches --only ${values.only!.join(', ')}; have: ${allScenarios.map((s) => s.name).join(', ')}`);
// A scenario compared to another brings it along, as baselines come along.
for (const { name, compareTo } of chosen)
  if (compareTo && compareTo !== BARE_FASTIFY_EVENTS_PAGE && !allScenarios.some((other) => other.name === compareTo))
    fail(`${name}: compareTo names no scenario: ${compareTo}`);
const compared = new Set(chosen.map((s) => s.compareTo));
const scenarios = allScenarios.filter((s) => chosen.includes(s) || compared.has(s.name));
const withEventsPage = compared.has(BARE_FASTIFY_EVENTS_PAGE);
// Scenarios naming the same SQL baseline share one measurement of it.
const sqlBaselines = new Map<string, SqlBaseline>();
for (const { name, sqlBaseline } of scenarios) {
  if (!sqlBaseline) continue;
  const known = sqlBaselines.get(sqlBaseline.name);
  if (known && known.sql !== sqlBaseline.sql)
    fail(`${name}: SQL baseline "${sqlBaseline.name}" is already defined with other SQL`);
  sqlBaselines.set(sqlBaseline.name, sqlBaseline);
}

/** Above this spread between rounds a row is flagged: other work on the machine moved it. */
const NOISY_SPREAD = 0.1;
const startedAt = new Date();
const loadAtStart = loadavg();
let database: BenchDatabase | undefined;

const samples = new Map<string, Sample[]>();
const record = (name: string, sample: Sample, unit = 'req/s'): void => {
  samples.set(name, [...(samples.get(name) ?? []), sample]);
  progress(`  ${name}: ${Math.round(sample.perSecond)} ${unit}, p99 ${sample.p99Ms.toFixed(2)} ms`);
};

try {
  database = await prepareDatabase(process.env.BENCH_DATABASE_URL, options.dbConcurrency);
  for (let round = 1; round <= options.rounds; round++) {
    progress(`round ${round}/${options.rounds} on ${database.version}`);
    const bench = database;
    const steps = [runBareFastify, ...[...sqlBaselines.values()].map((baseline) => () => runRawDb(bench, baseline))];
    steps.push(() => runService(bench));
    // Even rounds run in reverse, so a machine getting busier or quieter during the run does not
    // always favour the same side of a ratio.
    if (round % 2 === 0) steps.reverse();
    for (const step of steps) await step();
  }
  const rows = summarize();
  const header = [
    `Sbor benchmark, ${startedAt.toISOString()}`,
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load average at start ${loadAtStart.map((n) => n.toFixed(2)).join(' ')}`,
    `${database.version}; ${durationNote()} after ${options.warmupSeconds} s warm-up, ${connectionsNote()}, db concurrency ${options.dbConcurrency}, ${options.rounds} round(s)`,
    `load generator: ${generatorNote()}`,
  ];
  console.log(`\n${header.join('\n')}\n\n${formatTable(rows)}\n`);
  const noisy = rows.filter((row) => spread(row.rounds) > NOISY_SPREAD).map((row) => row.name);
  if (noisy.length) {
    // Only a hint: the load average now would count this run's own processes, so it cannot say.
    console.log(`Noisy: ${noisy.join(', ')} varied by more than ±${NOISY_SPREAD * 100}% between rounds; other work on`);
    console.log('the machine is the usual cause. Compare ratios only from quiet runs; rerun or add rounds.\n');
  }
  const file = await writeResults(
    {
      startedAt: startedAt.toISOString(),
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart: loadAtStart },
      database: { engine: database.engine, version: database.version },
      options: { ...settings, generator: values.generator },
      rows,
    },
    startedAt,
  );
  progress(`results written to ${file}`);
} catch (error) {
  if (!interrupted.signal.aborted) throw error;
  progress('interrupted: no results written');
  process.exitCode = 130;
} finally {
  await stopAllChildren();
  await database?.dispose();
}

async function runBareFastify(): Promise<void> {
  interrupted.signal.throwIfAborted();
  const child = await startChild(new URL('./bare-fastify.ts', import.meta.url));
  try {
    record(BARE_FASTIFY, await measureClosedLoop(child.url, { path: '/' }, options));
    if (withEventsPage) record(BARE_FASTIFY_EVENTS_PAGE, await measureClosedLoop(child.url, { path: '/events-page' }, options));
  } finally {
    await child.stop();
  }
}

async function runRawDb(bench: BenchDatabase, baseline: SqlBaseline): Promise<void> {
  // In this process: no HTTP load runs meanwhile, and the service child is not running.
  interrupted.signal.throwIfAborted();
  const opened = await bench.openForBaseline();
  try {
    await baseline.setup?.(opened);
    const sample = await measureSql(opened.pool, baseline, { ...options, concurrency: options.dbConcurrency });
    record(rawDbName(baseline.name), sample, 'queries/s');
  } finally {
    await opened.close();
  }
}

async function runService(bench: BenchDatabase): Promise<void> {
  // One service process for all scenarios of a round: starting it (PGlite, migrations) is slow.
  interrupted.signal.throwIfAborted();
  const seed = scenarios.some((scenario) => scenario.seed) ? ['--seed'] : [];
  const child = await startChild(new URL('./serve.ts', import.meta.url), [...bench.serviceArgs, ...seed]);
  try {
    for (const scenario of scenarios) {
      const runSetup = async (setup: NonNullable<Scenario['setup']>) => {
        const began = performance.now();
        const database = await bench.openForSetup();
        try {
          await setup({ url: child.url, database });
        } finally {
          await database?.close();
        }
        progress(`  ${scenario.name}: setup took ${((performance.now() - began) / 1000).toFixed(1)} s`);
      };
      if (scenario.setup) await runSetup(scenario.setup);
      const load = {
        ...options,
        connections: scenario.connections ?? options.connections,
        durationSeconds: Math.min(options.durationSeconds, scenario.maxDurationSeconds ?? Infinity),
        ...(scenario.setup && scenario.setupAfterWarmup ? { afterWarmup: () => runSetup(scenario.setup!) } : {}),
      };
      const sample = scenario.rate
        ? await measureHttpAtRate(child.url, scenario.request, { ...load, rate: scenario.rate })
        : await measureClosedLoop(child.url, scenario.request, load);
      record(scenario.name, sample);
    }
  } finally {
    await child.stop();
  }
}

function summarize(): Measurement[] {
  const row = (name: string, kind: Measurement['kind'], baselines: string[]): Measurement => {
    const taken = samples.get(name) ?? [];
    const perSecond = median(taken.map((s) => s.perSecond));
    const ratios: Record<string, number> = {};
    for (const baseline of baselines)
      ratios[baseline] = round3(perSecond / median(samples.get(baseline)!.map((s) => s.perSecond)));
    return {
      name,
      kind,
      perSecond: Math.round(perSecond),
      p50Ms: round3(median(taken.map((s) => s.p50Ms))),
      p99Ms: round3(median(taken.map((s) => s.p99Ms))),
      errors: taken.reduce((sum, s) => sum + s.errors, 0),
      non2xx: taken.reduce((sum, s) => sum + s.non2xx, 0),
      rounds: taken.map((s) => Math.round(s.perSecond)),
      ratios,
    };
  };
  return [
    row(BARE_FASTIFY, 'baseline', []),
    ...(withEventsPage ? [row(BARE_FASTIFY_EVENTS_PAGE, 'baseline', [BARE_FASTIFY])] : []),
    ...[...sqlBaselines.keys()].map((name) => row(rawDbName(name), 'baseline', [])),
    ...scenarios.map((s) =>
      row(s.name, 'scenario', [
        BARE_FASTIFY,
        ...(s.sqlBaseline ? [rawDbName(s.sqlBaseline.name)] : []),
        ...(s.compareTo ? [s.compareTo] : []),
      ]),
    ),
  ];
}

/** "100 connections", plus the scenarios that use their own number. */
function generatorNote(): string {
  if (!useWrk) return 'autocannon';
  const own = scenarios
    .filter(
      (s) =>
        s.rate ||
        s.request.nextBody ||
        s.request.nextPath ||
        s.request.body !== undefined ||
        (s.request.method ?? 'GET') !== 'GET',
    )
    .map((s) => s.name);
  return `wrk, one thread${own.length ? ` (not for ${own.join(', ')}: not a fixed GET, or a fixed rate)` : ''}`;
}

function durationNote(): string {
  const own = scenarios
    .filter((s) => s.maxDurationSeconds !== undefined && s.maxDurationSeconds < options.durationSeconds)
    .map((s) => `${s.name}: ${s.maxDurationSeconds} s`);
  return `${options.durationSeconds} s measured${own.length ? ` (${own.join(', ')})` : ''}`;
}

function connectionsNote(): string {
  const own = scenarios
    .filter((s) => s.connections !== undefined)
    .map((s) => `${s.name}: ${s.connections}${s.rate ? ` at ${s.rate}/s` : ''}`);
  return `${options.connections} connections${own.length ? ` (${own.join(', ')})` : ''}`;
}

/** Every file in bench/scenarios/ default-exports one Scenario; run in name order. */
async function loadScenarios(): Promise<Scenario[]> {
  const directory = new URL('./scenarios/', import.meta.url);
  const files = (await readdir(directory)).filter((file) => file.endsWith('.ts')).sort();
  const loaded: Scenario[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, directory).href)) as { default?: Partial<Scenario> };
    const scenario = module.default;
    if (typeof scenario?.name !== 'string' || typeof scenario.request?.path !== 'string') {
      fail(`bench/scenarios/${file} must default-export a Scenario (name, description, request.path)`);
    }
    loaded.push(scenario as Scenario);
  }
  return loaded;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function integer(text: string, flag: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) fail(`${flag} must be an integer ≥ ${minimum}, got "${text}"`);
  return value;
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}
