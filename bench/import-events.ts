// Loads the HackLoad-shaped events (a 6M-row archive and 10k upcoming events) into a PostgreSQL
// database kept for search measurements (default sbor_search_bench), timing `sbor import events`;
// then, with --measure, times the search queries. See docs/catalog-search.md.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/import-events.ts [options]
//
// Files are generated into the temp directory when missing and kept for the next run. Each import
// runs as its own process (`node bin/sbor.js import events FILE`, under /usr/bin/time -v when
// present), so the peak RSS is the importer's alone.
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrations } from '../src/migrations.ts';
import { generateEventsFile } from '../src/modules/catalog/index.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrations.ts';
import { assertLoopback } from './lib/children.ts';
import { fail, parseOptions } from './lib/args.ts';
import { admin, ensureGenerated, round1, timeImportProcess, type ImportRun } from './lib/import-runner.ts';

const HELP = `Usage: node bench/import-events.ts [options]

  --archive <n>       archive rows (default 6000000; ids from 100000, 2015–2024)
  --upcoming <n>      upcoming rows (default 10000; ids from 1, the next 90 days)
  --format json|sql   the files' format (default json)
  --database <name>   the database to (re)create and load (default sbor_search_bench)
  --no-import         keep the database as it is (only --measure)
  --reimport          also time a second import of the archive (every row already present)
  --measure           time the search queries afterwards (EXPLAIN ANALYZE and HTTP; see --help-measure)
  --drop              drop the database at the end (default: keep it for the search benchmarks)

Environment: BENCH_DATABASE_URL=postgres://… (a loopback server; its database is used to create
and drop the bench database).`;

const values = parseOptions(HELP, {
  archive: { type: 'string', default: '6000000' },
  upcoming: { type: 'string', default: '10000' },
  format: { type: 'string', default: 'json' },
  database: { type: 'string', default: 'sbor_search_bench' },
  'no-import': { type: 'boolean', default: false },
  reimport: { type: 'boolean', default: false },
  measure: { type: 'boolean', default: false },
  drop: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
});
const archiveRows = Number(values.archive);
const upcomingRows = Number(values.upcoming);
const format = values.format;
const databaseName = values.database;
if (
  !Number.isSafeInteger(archiveRows) ||
  archiveRows < 0 ||
  !Number.isSafeInteger(upcomingRows) ||
  upcomingRows < 0 ||
  (format !== 'json' && format !== 'sql') ||
  !/^[a-z_][a-z0-9_]*$/.test(databaseName)
)
  fail(HELP);
const adminUrl = process.env.BENCH_DATABASE_URL;
if (!adminUrl) fail('BENCH_DATABASE_URL is required');
assertLoopback(adminUrl);
const url = new URL(adminUrl);
url.pathname = `/${databaseName}`;
const benchUrl = url.toString();

/** The load test's searches: the list, and six phrases with and without its date. */
const PHRASES = ['концерт', 'Дмитрий Козлов', 'азарт', 'Чемпионат', 'Красная шапочка', 'Экспозиция "Звездные войны"'];
const SEARCHES: { name: string; query?: string; date?: string }[] = [
  { name: 'list (no query)' },
  ...PHRASES.flatMap((query) => [
    { name: query, query },
    { name: `${query} + date`, query, date: '2024-12-25' },
  ]),
  // Not the load test's: every word common but never together, and a typo (the trigram fallback).
  { name: '(edge) концерт Чемпионат', query: 'концерт Чемпионат' },
  { name: '(edge) Красная шапчка', query: 'Красная шапчка' },
];

const today = new Date().toISOString().slice(0, 10);

interface Result extends ImportRun {
  file: string;
  run: string;
}

if (!values['no-import']) {
  const archiveFile = join(tmpdir(), `sbor-events-archive-${archiveRows}.${format}`);
  // The upcoming set is relative to the day it is generated on.
  const upcomingFile = join(tmpdir(), `sbor-events-upcoming-${upcomingRows}-${today}.${format}`);
  if (archiveRows > 0) await ensureFile(archiveFile, 'archive', archiveRows);
  if (upcomingRows > 0) await ensureFile(upcomingFile, 'upcoming', upcomingRows);

  await admin(adminUrl, `drop database if exists ${databaseName} with (force)`);
  await admin(adminUrl, `create database ${databaseName}`);
  const database = await openDatabase({ url: benchUrl, poolSize: 2 });
  try {
    await migrateToLatest(database, migrations);
  } finally {
    await database.close();
  }
  const results: Result[] = [];
  if (archiveRows > 0) results.push(await timeImport(archiveFile, 'first import'));
  if (upcomingRows > 0) results.push(await timeImport(upcomingFile, 'first import'));
  if (values.reimport && archiveRows > 0) results.push(await timeImport(archiveFile, 're-import'));
  const size = await query<{ table: string; indexes: string; total: string }>(
    `select pg_size_pretty(pg_table_size('catalog.events')) as table, pg_size_pretty(pg_indexes_size('catalog.events')) as indexes,
            pg_size_pretty(pg_total_relation_size('catalog.events')) as total`,
  );
  console.table(results);
  console.log(`catalog.events: ${JSON.stringify(size[0])}`);
  console.log(JSON.stringify({ archiveRows, upcomingRows, format, results, size: size[0] }));
}

if (values.measure) await measureSearch();

if (values.drop) await admin(adminUrl, `drop database if exists ${databaseName} with (force)`);

interface LatencyRow {
  search: string;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], fraction: number): number {
  return round1(sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0);
}

function latencyRow(search: string, times: number[]): LatencyRow {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    search,
    samples: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    maxMs: round1(sorted.at(-1) ?? 0),
  };
}

/**
 * Uncached search latency on the loaded database, three ways:
 *  - the statements one search runs (page 1), each under EXPLAIN (ANALYZE, BUFFERS): execution time and plan;
 *  - EventsService.search with a fresh (empty) cache per call, pages 1..PAGES: p50/p95 of the whole call;
 *  - GET /api/events on the real service (bench/serve.ts), each request a distinct cache key
 *    (pages 1..PAGES), so none is answered from the cache.
 */
async function measureSearch(): Promise<void> {
  const PAGES = Number(process.env.MEASURE_PAGES ?? 20);
  const { Kysely, PostgresDialect } = await import('kysely');
  const { createCatalogModule } = await import('../src/modules/catalog/index.ts');
  const database = await openDatabase({ url: benchUrl, poolSize: 4 });
  const statements: { sql: string; parameters: readonly unknown[] }[] = [];
  let capture = false;
  const logged = new Kysely<object>({
    dialect: new PostgresDialect({ pool: database.pool }),
    log: (event) => {
      if (capture && event.level === 'query') statements.push({ sql: event.query.sql, parameters: event.query.parameters });
    },
  });
  // A catalog module with nothing but search in use: no jobs run, nothing is sellable.
  const freshService = () =>
    createCatalogModule(logged, {
      users: {} as never,
      sellable: async () => false,
      jobs: { definePeriodic: () => undefined } as never,
    }).events;
  const explainRows: Record<string, unknown>[] = [];
  const serviceRows: LatencyRow[] = [];
  try {
    for (const search of SEARCHES) {
      const filter = {
        page: 1,
        pageSize: 20,
        ...(search.query ? { query: search.query } : {}),
        ...(search.date ? { date: search.date } : {}),
      };
      statements.length = 0;
      capture = true;
      await freshService().search(filter);
      capture = false;
      let executionMs = 0;
      const plans: string[] = [];
      for (const statement of [...statements]) {
        const result = await database.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
          `explain (analyze, buffers, format json) ${statement.sql}`,
          [...statement.parameters],
        );
        const [explained] = result.rows[0]!['QUERY PLAN'];
        executionMs += explained['Execution Time'];
        plans.push(describePlan(explained.Plan));
      }
      explainRows.push({
        search: search.name,
        statements: statements.length,
        executionMs: round1(executionMs),
        plans: plans.join(' | '),
      });

      const times: number[] = [];
      const firstPage: number[] = [];
      for (let page = 1; page <= PAGES; page++) {
        for (const [list, which] of [
          [times, page],
          [firstPage, 1],
        ] as const) {
          const service = freshService();
          const startedAt = performance.now();
          await service.search({ ...filter, page: which });
          list.push(performance.now() - startedAt);
        }
      }
      serviceRows.push(latencyRow(`${search.name} (page 1)`, firstPage), latencyRow(`${search.name} (pages 1..${PAGES})`, times));
    }
  } finally {
    await logged.destroy().catch(() => undefined);
    await database.close();
  }
  console.log('\nEXPLAIN ANALYZE, page 1 (sum over the statements one search runs):');
  console.table(explainRows);
  console.log('\nEventsService.search without its cache (a fresh service per call):');
  console.table(serviceRows);

  const { startChild, stopAllChildren } = await import('./lib/children.ts');
  const child = await startChild(new URL('./serve.ts', import.meta.url), ['--database-url', benchUrl, '--pool-size', '10']);
  const httpRows: LatencyRow[] = [];
  try {
    // Warm the service (JIT, pool connections) on searches that are not measured.
    for (let page = 1; page <= 30; page++)
      await (await fetch(`${child.url}/api/events?query=warm&page=${page}&pageSize=20`)).arrayBuffer();
    for (const search of SEARCHES) {
      const params = new URLSearchParams({
        pageSize: '20',
        ...(search.query ? { query: search.query } : {}),
        ...(search.date ? { date: search.date } : {}),
      });
      const time = async (page: number, pageSize: number): Promise<number> => {
        params.set('page', String(page));
        params.set('pageSize', String(pageSize));
        const startedAt = performance.now();
        const response = await fetch(`${child.url}/api/events?${params.toString()}`);
        await response.arrayBuffer();
        if (response.status !== 200) fail(`GET /api/events?${params.toString()} answered ${response.status}`);
        return performance.now() - startedAt;
      };
      // Page 1 under ten keys (page sizes 20..11), then pages 1..PAGES: every request misses the cache.
      const firstPage: number[] = [];
      for (let pageSize = 20; pageSize > 10; pageSize--) firstPage.push(await time(1, pageSize));
      const times: number[] = [];
      for (let page = 2; page <= PAGES + 1; page++) times.push(await time(page, 20));
      httpRows.push(
        latencyRow(`${search.name} (page 1)`, firstPage),
        latencyRow(`${search.name} (pages 2..${PAGES + 1})`, times),
      );
    }
  } finally {
    await child.stop();
    await stopAllChildren();
  }
  console.log('\nGET /api/events over HTTP, every request a new cache key:');
  console.table(httpRows);
  console.log(JSON.stringify({ explain: explainRows, service: serviceRows, http: httpRows }));
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** The plan's scan nodes, e.g. "Index Scan events_search_time_gist". */
function describePlan(plan: PlanNode): string {
  const scans: string[] = [];
  const walk = (node: PlanNode): void => {
    if (node['Node Type'].includes('Scan'))
      scans.push(`${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : ''}`);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  return scans.join(', ');
}

async function ensureFile(file: string, set: 'archive' | 'upcoming', rows: number): Promise<void> {
  await ensureGenerated(file, `${rows} ${set} events`, (path) =>
    generateEventsFile(path, { set, rows, format: format as 'json' | 'sql' }),
  );
}

async function timeImport(file: string, run: string): Promise<Result> {
  const { size } = await stat(file);
  console.error(`\n${run} of ${file} (${(size / 1048576).toFixed(0)} MiB) …`);
  return { file: file.split('/').pop() ?? file, run, ...(await timeImportProcess('events', file, { DATABASE_URL: benchUrl })) };
}

async function query<T extends pg.QueryResultRow>(statement: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: benchUrl });
  await client.connect();
  try {
    return (await client.query<T>(statement)).rows;
  } finally {
    await client.end();
  }
}
