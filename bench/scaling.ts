// Throughput across processes: `npm run bench:scaling [-- options]`. See docs/scaling.md.
//
// Seat select and a cached search through nginx with 1, 2 and 4 `api` processes (the local cluster
// of src/cluster.ts: nginx, the api processes, a worker, two relays, three NATS nodes, the sandbox
// gateway, a database of its own on the machine's PostgreSQL), and in the same run the baselines:
// one bare Fastify process directly and behind the same nginx (what the proxy hop costs), and the
// raw select statement on PostgreSQL alone. For every row it also reports where the CPU went per
// request (PostgreSQL's processes, the api processes, nginx, the load generator, the rest of the
// cluster), read from /proc: on a machine whose cores are all busy, that split — not req/s — says
// what more cores or machines would give.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { ensureDatabase, startCluster, type Cluster } from '../src/cluster.ts';
import { writeNginxConfig } from '../src/cluster-nginx.ts';
import { findBinary } from '../src/platform/process/local.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { parseOptions, fail } from './lib/args.ts';
import { startChild, stopAllChildren } from './lib/children.ts';
import { measureHttp, measureSql, type Sample } from './lib/measure.ts';
import { median, writeResults } from './lib/report.ts';
import type { Scenario } from './lib/scenario.ts';

const HELP = `Usage: npm run bench:scaling [-- options]

  --apis <list>         api process counts to measure (default 1,2,4)
  --duration <s>        measured seconds per row (default 10; seat select at most 5, the hall runs out)
  --warmup <s>          unmeasured seconds before each measurement (default 3)
  --connections <n>     connections for the search and the baselines (default 100; seat select uses 200)
  --rounds <n>          repeat everything n times, alternating the order, and report medians (default 1)

Needs nginx and nats-server, and PostgreSQL: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/postgres) names the server; the cluster keeps its data in the
database sbor_scaling there (created once, the catalog imported once, the hall reset every row).`;

const values = parseOptions(HELP, {
  apis: { type: 'string', default: '1,2,4' },
  duration: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '3' },
  connections: { type: 'string', default: '100' },
  rounds: { type: 'string', default: '1' },
  help: { type: 'boolean', short: 'h' },
});
const apiCounts = values.apis.split(',').map(Number);
if (apiCounts.some((count) => !Number.isInteger(count) || count < 1 || count > 8)) fail('--apis: counts from 1 to 8');
const durationSeconds = Number(values.duration);
const warmupSeconds = Number(values.warmup);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'sbor_scaling';
/** Per api process: 4 × 15 stays well inside PostgreSQL's default 100 connections. */
const POOL_SIZE = 15;
const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort(new Error('interrupted')));

// The scenarios of bench/scenarios, driven through nginx instead of at one process.
process.env.BENCH_CATALOG_ARCHIVE_ROWS ??= '100000';
const seatSelect = (await import('./scenarios/sales.seat-select.ts')).default;
const search = (await import('./scenarios/catalog.search-concert.ts')).default;

/** CPU seconds used so far, per group of processes. */
type CpuGroups = Record<string, number>;
const TICKS_PER_SECOND = 100;

function statOf(pid: number): { comm: string; ppid: number; seconds: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // Fields after the name: state(0) ppid(1) … utime(11) stime(12).
    return { comm, ppid: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/**
 * Every process on the machine, sorted into the groups this benchmark reports. PostgreSQL counts
 * its server processes (WAL writer, checkpointer…) and the sessions on this benchmark's database,
 * not other databases' sessions (other work on a shared machine).
 */
async function sampleCpu(groups: Record<string, number[]>): Promise<CpuGroups> {
  const used = process.cpuUsage();
  const result: CpuGroups = { postgres: 0, loadgen: (used.user + used.system) / 1e6 };
  const owner = new Map<number, string>();
  for (const [group, pids] of Object.entries(groups)) for (const pid of pids) owner.set(pid, group);
  const sessions = await monitor.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = $1 or backend_type <> 'client backend'`,
    [DATABASE],
  );
  for (const { pid } of sessions.rows) owner.set(pid, 'postgres');
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const stat = statOf(pid);
    if (!stat) continue;
    // nginx's worker is a child of the master the cluster started; the postmaster is the parent of
    // the server processes.
    const group = owner.get(pid) ?? (stat.comm === 'postgres' ? undefined : owner.get(stat.ppid));
    if (group) result[group] = (result[group] ?? 0) + stat.seconds;
  }
  return result;
}

interface Row {
  name: string;
  apis: number | null;
  sample: Sample;
  /** CPU milliseconds per successful request, per group. */
  cpuMsPerRequest: Record<string, number>;
}
const rows: Row[] = [];

async function measured(
  name: string,
  apis: number | null,
  groups: Record<string, number[]>,
  run: (onMeasure: () => Promise<void>) => Promise<Sample>,
): Promise<void> {
  interrupted.signal.throwIfAborted();
  let before: CpuGroups | undefined;
  let startedAt = 0;
  const sample = await run(async () => {
    before = await sampleCpu(groups);
    startedAt = performance.now();
  });
  const after = await sampleCpu(groups);
  const seconds = (performance.now() - startedAt) / 1000;
  const requests = sample.perSecond * seconds;
  const cpuMsPerRequest: Record<string, number> = {};
  for (const [group, used] of Object.entries(after))
    cpuMsPerRequest[group] = Math.round(((used - (before?.[group] ?? 0)) * 1000 * 1000) / Math.max(requests, 1)) / 1000;
  rows.push({ name, apis, sample, cpuMsPerRequest });
  process.stderr.write(
    `  ${name}: ${Math.round(sample.perSecond)}/s, p99 ${sample.p99Ms.toFixed(1)} ms, non-2xx ${sample.non2xx}, errors ${sample.errors}; ` +
      `CPU ms per request ${JSON.stringify(cpuMsPerRequest)}\n`,
  );
}

/**
 * The closed loop of measure.ts, with the CPU sampled exactly around the measured part: the warm-up
 * runs as its own loop first, then `afterWarmup`, then the measured loop.
 */
async function closedLoop(url: string, scenario: Scenario, seconds: number, load: number, afterWarmup?: () => Promise<void>) {
  return async (onMeasure: () => Promise<void>) => {
    const options = { signal: interrupted.signal, connections: load };
    if (warmupSeconds > 0)
      await measureHttp(url, scenario.request, { ...options, warmupSeconds: 0, durationSeconds: warmupSeconds });
    await afterWarmup?.();
    await onMeasure();
    return measureHttp(url, scenario.request, { ...options, warmupSeconds: 0, durationSeconds: seconds });
  };
}

async function runBaselines(): Promise<void> {
  const bare = await startChild(new URL('./bare-fastify.ts', import.meta.url));
  const directory = await mkdtemp(join(tmpdir(), 'sbor-scaling-nginx-'));
  const nginxBinary = findBinary('nginx', ['/usr/sbin/nginx'])!;
  const prefix = join(directory, 'nginx');
  await mkdir(prefix);
  const port = 23_000 + (process.pid % 1000);
  const config = await writeNginxConfig({ prefix, listen: `127.0.0.1:${port}`, apis: [new URL(bare.url).host] });
  const nginx = spawn(nginxBinary, ['-p', prefix, '-c', config], { stdio: 'ignore' });
  try {
    await sleep(500);
    const hello: Scenario = { name: 'hello', description: '', request: { path: '/' } };
    const groups = { bare: [bare.pid], nginx: [nginx.pid!] };
    await measured('baseline.bare-fastify', null, groups, await closedLoop(bare.url, hello, durationSeconds, connections));
    await measured(
      'baseline.nginx-bare-fastify',
      null,
      groups,
      await closedLoop(`http://127.0.0.1:${port}`, hello, durationSeconds, connections),
    );
  } finally {
    nginx.kill('SIGTERM');
    await bare.stop();
    await rm(directory, { recursive: true, force: true });
  }
  // The service's own select statement on PostgreSQL alone, 20 clients (the service's pool).
  const database = await openDatabase({ url: databaseUrl(), poolSize: 20 });
  try {
    const baseline = seatSelect.sqlBaseline!;
    await baseline.setup!(database);
    await measured('baseline.raw-db-take-seat', null, {}, async (onMeasure) => {
      const options = { signal: interrupted.signal, concurrency: 20 };
      await measureSql(database.pool, baseline, { ...options, warmupSeconds: 0, durationSeconds: Math.min(warmupSeconds, 2) });
      await baseline.setup!(database);
      await onMeasure();
      return measureSql(database.pool, baseline, { ...options, warmupSeconds: 0, durationSeconds: 5 });
    });
  } finally {
    await database.close();
  }
}

function databaseUrl(): string {
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

async function runCluster(apis: number): Promise<void> {
  process.stderr.write(`cluster with ${apis} api process(es): starting\n`);
  let cluster: Cluster | undefined;
  // The last lines of each process, printed if the cluster fails to start.
  const output: string[] = [];
  try {
    // A port range of its own below Linux's ephemeral ports (32768–60999: a NATS route's outgoing
    // connection once took the port another node was about to listen on), tried elsewhere if taken.
    const start = (basePort: number) =>
      startCluster({
        onOutput: (name, line) => {
          output.push(`${name}: ${line}`);
          if (output.length > 40) output.shift();
        },
        apis,
        basePort,
        postgresUrl: adminUrl,
        database: DATABASE,
        env: {
          LOG_LEVEL: 'silent',
          SEAT_SELECT_RATE_LIMIT: 'off',
          AUTH_RATE_LIMITS: 'off',
          DATABASE_POOL_SIZE: String(POOL_SIZE),
        },
      });
    for (let attempt = 1; !cluster; attempt++) {
      cluster = await start(24_000 + Math.floor(Math.random() * 80) * 100).catch((error: unknown) => {
        process.stderr.write(`${output.join('\n')}\ncluster start failed (attempt ${attempt}): ${String(error)}\n`);
        if (attempt === 3) throw error;
        return undefined;
      });
    }
    const pidsOf = (match: (name: string) => boolean) =>
      cluster!.processes.filter((process) => match(process.name)).map((process) => process.child.pid!);
    const groups = {
      api: pidsOf((name) => name.startsWith('api-')),
      nginx: pidsOf((name) => name === 'nginx'),
      rest: pidsOf((name) => !name.startsWith('api-') && name !== 'nginx'),
    };
    const setupDatabase = await openDatabase({ url: databaseUrl(), poolSize: 2 });
    try {
      const context = { url: cluster.url, database: setupDatabase };
      await search.setup!(context);
      await measured(`search.apis-${apis}`, apis, groups, await closedLoop(cluster.url, search, durationSeconds, connections));
      await seatSelect.setup!(context);
      await measured(
        `seat-select.apis-${apis}`,
        apis,
        groups,
        await closedLoop(cluster.url, seatSelect, Math.min(durationSeconds, 5), 200, () => seatSelect.setup!(context)),
      );
    } finally {
      await setupDatabase.close();
    }
  } finally {
    await cluster?.stop();
  }
}

/** The database, created when missing, migrated, with `sbor seed`'s demo data (event 1's hall). */
async function prepareDatabase(): Promise<void> {
  await ensureDatabase(adminUrl, DATABASE);
  const seed = spawnSync(process.execPath, [new URL('../bin/sbor.js', import.meta.url).pathname, 'seed'], {
    env: { ...process.env, DATABASE_URL: databaseUrl(), NATS_URL: '', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  if (seed.status !== 0) throw new Error(`sbor seed failed: ${seed.stdout}${seed.stderr}`);
}

const startedAt = new Date();
const loadAtStart = loadavg();
const monitor = new pg.Client({ connectionString: adminUrl });
try {
  await prepareDatabase();
  await monitor.connect();
  for (let round = 1; round <= rounds; round++) {
    const steps: (() => Promise<void>)[] = [runBaselines, ...apiCounts.map((apis) => () => runCluster(apis))];
    if (round % 2 === 0) steps.reverse();
    for (const step of steps) await step();
  }
} finally {
  await stopAllChildren();
  await monitor.end().catch(() => undefined);
}

const names = [...new Set(rows.map((row) => row.name))];
const summary = names.map((name) => {
  const taken = rows.filter((row) => row.name === name);
  const groups = [...new Set(taken.flatMap((row) => Object.keys(row.cpuMsPerRequest)))];
  return {
    name,
    perSecond: Math.round(median(taken.map((row) => row.sample.perSecond))),
    p99Ms: Math.round(median(taken.map((row) => row.sample.p99Ms)) * 10) / 10,
    non2xx: taken.reduce((sum, row) => sum + row.sample.non2xx, 0),
    errors: taken.reduce((sum, row) => sum + row.sample.errors, 0),
    rounds: taken.map((row) => Math.round(row.sample.perSecond)),
    cpuMsPerRequest: Object.fromEntries(
      groups.map((group) => [group, Math.round(median(taken.map((row) => row.cpuMsPerRequest[group] ?? 0)) * 1000) / 1000]),
    ),
  };
});
const header = [
  `Sbor scaling benchmark, ${startedAt.toISOString()}`,
  `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load average at start ${loadAtStart.map((n) => n.toFixed(2)).join(' ')}`,
  `${durationSeconds} s measured (seat select ${Math.min(durationSeconds, 5)} s, 200 connections) after ${warmupSeconds} s warm-up, ${connections} connections, ${rounds} round(s); api pool ${POOL_SIZE}`,
];
console.log(`\n${header.join('\n')}\n`);
for (const row of summary)
  console.log(
    `${row.name.padEnd(30)}${String(row.perSecond).padStart(8)}/s  p99 ${String(row.p99Ms).padStart(6)} ms  ` +
      `non-2xx ${row.non2xx}  errors ${row.errors}  rounds ${row.rounds.join(' ')}  CPU ms/request ${JSON.stringify(row.cpuMsPerRequest)}`,
  );
const file = await writeResults(
  {
    kind: 'scaling',
    startedAt: startedAt.toISOString(),
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart: loadAtStart },
    options: { apis: apiCounts, durationSeconds, warmupSeconds, connections, rounds, poolSize: POOL_SIZE },
    rows: summary,
  },
  startedAt,
);
process.stderr.write(`results written to ${file}\n`);
