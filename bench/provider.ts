// The event provider: how long the mirror's preload of HackLoad's 100,000 places takes, and how
// fast the simulator itself selects places — each next to a baseline measured in the same run on
// the same machine. See docs/provider.md and docs/benchmarks.md.
//
//   node bench/provider.ts [--rounds 3] [--selects 20000] [--connections 64]
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/provider.ts
//
// The simulator runs as its own process (`sbor provider-simulator`), as in production the
// provider is another machine. Rows:
//   pages only      every page read through the client, nothing written (the provider's part)
//   raw write       the same 100,000 places, already in memory, written by the preload's insert
//                   in batches of 10,000 (the database's part), fresh database each round
//   preload         pages read and written into the mirror (provider.places), an empty mirror
//   preload again   the same over a full mirror (every row an update: what a re-preload costs)
//   get place       GET /places/{id} on the simulator, `connections` in flight (its HTTP ceiling)
//   select place    PATCH /places/{id}/select of distinct places, same concurrency
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { migrations } from '../src/migrations.ts';
import { sql } from 'kysely';
import {
  httpTransport,
  ProviderClient,
  ProviderMirror,
  readAllPages,
  insertMirrorPlaces,
  type ProviderPlace,
} from '../src/modules/provider/index.ts';
import { openDatabase, type Database } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrations.ts';
import { fail, parseOptions } from './lib/args.ts';
import { assertLoopback } from './lib/children.ts';
import { callRate, startProviderSimulator } from './lib/processes.ts';

const HELP = `Usage: node bench/provider.ts [options]

  --rounds <n>       repeat the preload rows n times and report medians (default 3)
  --selects <n>      selects (and gets) measured on the simulator (default 20000)
  --connections <n>  requests in flight for the get/select rows (default 64)
  --parallel <n>     pages in flight during a preload (default 16, as the service's default)

Environment: BENCH_DATABASE_URL=postgres://… preloads into a fresh database sbor_provider_bench on
that (loopback) server; otherwise into embedded PGlite in a temp directory.`;

const values = parseOptions(HELP, {
  rounds: { type: 'string', default: '3' },
  selects: { type: 'string', default: '20000' },
  connections: { type: 'string', default: '64' },
  parallel: { type: 'string', default: '16' },
  help: { type: 'boolean', short: 'h' },
});
const rounds = Number(values.rounds);
const selects = Number(values.selects);
const connections = Number(values.connections);
const parallel = Number(values.parallel);
if (![rounds, selects, connections, parallel].every((value) => Number.isSafeInteger(value) && value > 0)) fail(HELP);
const adminUrl = process.env.BENCH_DATABASE_URL;
if (adminUrl) assertLoopback(adminUrl);
const DATABASE = 'sbor_provider_bench';

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? Number.NaN;

async function freshDatabase(): Promise<{ database: Database; dispose: () => Promise<void> }> {
  if (adminUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${DATABASE} with (force)`);
    await admin.query(`create database ${DATABASE}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${DATABASE}`;
    const database = await openDatabase({ url: url.toString(), poolSize: 20 });
    await migrateToLatest(database, migrations);
    return {
      database,
      dispose: async () => {
        await database.close();
        const cleanup = new pg.Client({ connectionString: adminUrl });
        await cleanup.connect();
        await cleanup.query(`drop database if exists ${DATABASE} with (force)`);
        await cleanup.end();
      },
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'sbor-provider-bench-'));
  const database = await openDatabase({ dataDir });
  await migrateToLatest(database, migrations);
  return {
    database,
    dispose: async () => {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const simulator = await startProviderSimulator();
try {
  const logger = pino({ level: 'silent' });
  const client = new ProviderClient({ transport: httpTransport(simulator.url), timeoutMs: 10_000, concurrency: 64 });
  const pagesOnly: number[] = [];
  const rawWrite: number[] = [];
  const preload: number[] = [];
  const again: number[] = [];
  let engine = 'pglite';
  for (let round = 0; round < rounds; round += 1) {
    let started = performance.now();
    const read: ProviderPlace[] = [];
    await readAllPages(client, parallel, async (page) => {
      read.push(...page);
    });
    pagesOnly.push(performance.now() - started);
    if (read.length !== 100_000) throw new Error(`the simulator served ${read.length} places, not 100,000`);

    const { database, dispose } = await freshDatabase();
    engine = database.engine;
    try {
      started = performance.now();
      for (let start = 0; start < read.length; start += 10_000) {
        await insertMirrorPlaces(
          database.db as Parameters<typeof insertMirrorPlaces>[0],
          read.slice(start, start + 10_000),
          new Date(),
        );
      }
      rawWrite.push(performance.now() - started);
      await sql`truncate provider.places restart identity`.execute(database.db);
      const mirror = new ProviderMirror(database.db, client, { parallel, logger });
      started = performance.now();
      const first = await mirror.preload();
      preload.push(performance.now() - started);
      if (first.places !== 100_000) throw new Error(`preloaded ${first.places} places`);
      started = performance.now();
      await mirror.preload();
      again.push(performance.now() - started);
    } finally {
      await dispose();
    }
    console.error(
      `round ${round + 1}: pages ${pagesOnly.at(-1)?.toFixed(0)} ms, preload ${preload.at(-1)?.toFixed(0)} ms, again ${again.at(-1)?.toFixed(0)} ms`,
    );
  }

  // The simulator's own rates: one order per 1000 selects, distinct places in order.
  const ids = (
    await Promise.all(Array.from({ length: Math.ceil(selects / 1000) }, (_, page) => client.listPlaces(page + 1, 1000)))
  )
    .flat()
    .map((place) => place.id);
  const orders = await Promise.all(Array.from({ length: Math.ceil(selects / 1000) }, () => client.startOrder()));
  const base = simulator.url;
  const getRate = await callRate(selects, connections, async (index) => {
    const response = await fetch(`${base}/api/partners/v1/places/${ids[index]}`);
    if (response.status !== 200) throw new Error(`get answered ${response.status}`);
    await response.arrayBuffer();
  });
  let refused = 0;
  const selectRate = await callRate(selects, connections, async (index) => {
    const response = await fetch(`${base}/api/partners/v1/places/${ids[index]}/select`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order_id: orders[Math.floor(index / 1000)] }),
    });
    if (response.status !== 204) refused += 1;
    await response.arrayBuffer();
  });

  const pagesMs = median(pagesOnly);
  const rows = [
    ['pages only (100 × 1000)', `${pagesMs.toFixed(0)} ms`, '1.00'],
    [`raw write into ${engine} (10 × 10,000)`, `${median(rawWrite).toFixed(0)} ms`, '1.00'],
    [
      `preload into ${engine}`,
      `${median(preload).toFixed(0)} ms`,
      `${(median(preload) / (pagesMs + median(rawWrite))).toFixed(2)} of pages + raw write`,
    ],
    [
      `preload again (updates)`,
      `${median(again).toFixed(0)} ms`,
      `${(median(again) / (pagesMs + median(rawWrite))).toFixed(2)} of pages + raw write`,
    ],
    ['simulator GET /places/{id}', `${getRate.toFixed(0)} /s`, '1.00'],
    ['simulator PATCH /places/{id}/select', `${selectRate.toFixed(0)} /s`, (selectRate / getRate).toFixed(2)],
  ];
  console.log(
    `\nprovider bench — ${engine}, ${rounds} round(s) (medians), ${selects} calls at ${connections} in flight, ${refused} selects not 204`,
  );
  console.log('| row | result | ratio to its baseline |\n|---|---:|---:|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  await simulator.stop();
}
