// Times `sbor import users <file>` on a million HackLoad-shaped users, on PostgreSQL and on PGlite.
// See docs/import.md.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/import-users.ts [options]
//
// The importer runs as its own process (`node bin/sbor.js import users FILE`, under
// /usr/bin/time -v when present), so the peak RSS is the importer's alone. PostgreSQL: a fresh
// database sbor_import_bench on BENCH_DATABASE_URL's server, migrated first, dropped at the end.
// PGlite: a migrated data dir in a temp directory, removed at the end.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrations } from '../src/migrations.ts';
import { generateUsersFile } from '../src/modules/identity/index.ts';
import { openDatabase, type Database } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrations.ts';
import { assertLoopback } from './lib/children.ts';

const HELP = `Usage: node bench/import-users.ts [options]

  --rows <n>        users in the generated file (default 1000000)
  --format csv|sql  the file's format (default csv)
  --file <path>     the file to import (default: <tmpdir>/sbor-users-<rows>.<format>, generated
                    when missing; kept for the next run)
  --engines <list>  postgres,pglite (default: both when BENCH_DATABASE_URL is set, else pglite)
  --reimport        also time a second import of the same file (every row already present)

Environment: BENCH_DATABASE_URL=postgres://… (a loopback server; its database is only used to
create and drop sbor_import_bench).`;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    format: { type: 'string', default: 'csv' },
    file: { type: 'string' },
    engines: { type: 'string' },
    reimport: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const rows = Number(values.rows);
const format = values.format;
if (!Number.isSafeInteger(rows) || rows < 1 || (format !== 'csv' && format !== 'sql')) fail(HELP);
const adminUrl = process.env.BENCH_DATABASE_URL;
const engines = (values.engines ?? (adminUrl ? 'postgres,pglite' : 'pglite')).split(',');
if (engines.some((engine) => engine !== 'postgres' && engine !== 'pglite')) fail(`--engines: postgres and/or pglite`);
if (engines.includes('postgres') && !adminUrl) fail('postgres needs BENCH_DATABASE_URL');

const BIN = new URL('../bin/sbor.js', import.meta.url).pathname;
const TIME = '/usr/bin/time';
const BENCH_DATABASE = 'sbor_import_bench';

const file = values.file ?? join(tmpdir(), `sbor-users-${rows}.${format}`);
if (!existsSync(file)) {
  console.error(`generating ${rows} users into ${file} …`);
  const startedAt = performance.now();
  await generateUsersFile(file, { rows, format, seed: 42 });
  console.error(`generated in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}
const fileSize = (await stat(file)).size;
console.error(`file: ${file} (${(fileSize / 1048576).toFixed(1)} MiB)`);

interface Result {
  engine: string;
  run: string;
  imported: number;
  existing: number;
  skipped: number;
  importSeconds: number;
  rowsPerSecond: number;
  processSeconds: number;
  peakRssMiB: number;
  usersInTable: number;
}
const results: Result[] = [];

for (const engine of engines) {
  if (engine === 'postgres') {
    assertLoopback(adminUrl!);
    const url = new URL(adminUrl!);
    url.pathname = `/${BENCH_DATABASE}`;
    const benchUrl = url.toString();
    await admin(`drop database if exists ${BENCH_DATABASE} with (force)`);
    await admin(`create database ${BENCH_DATABASE}`);
    try {
      await migrated(openDatabase({ url: benchUrl, poolSize: 2 }));
      const env = { DATABASE_URL: benchUrl };
      results.push(await timeImport('postgres', 'first import', env, () => openDatabase({ url: benchUrl, poolSize: 2 })));
      if (values.reimport)
        results.push(await timeImport('postgres', 're-import', env, () => openDatabase({ url: benchUrl, poolSize: 2 })));
    } finally {
      await admin(`drop database if exists ${BENCH_DATABASE} with (force)`);
    }
  } else {
    const directory = await mkdtemp(join(tmpdir(), 'sbor-import-bench-'));
    const dataDir = join(directory, 'data');
    try {
      await migrated(openDatabase({ dataDir }));
      const env = { DATA_DIR: dataDir };
      results.push(await timeImport('pglite', 'first import', env, () => openDatabase({ dataDir })));
      if (values.reimport) results.push(await timeImport('pglite', 're-import', env, () => openDatabase({ dataDir })));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }
}

console.log(`\n${rows.toLocaleString('en')} users, ${format}, ${(fileSize / 1048576).toFixed(0)} MiB`);
console.table(results);
console.log(JSON.stringify({ rows, format, fileBytes: fileSize, results }));

async function timeImport(
  engine: string,
  run: string,
  env: Record<string, string>,
  open: () => Promise<Database>,
): Promise<Result> {
  console.error(`\n${engine}: ${run} …`);
  const useTime = existsSync(TIME);
  const command = useTime ? TIME : process.execPath;
  const args = useTime ? ['-v', process.execPath, BIN, 'import', 'users', file] : [BIN, 'import', 'users', file];
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, LOG_LEVEL: 'info' };
  if (!('DATABASE_URL' in env)) delete childEnv.DATABASE_URL;
  delete childEnv.NATS_URL;
  const startedAt = performance.now();
  const child = spawn(command, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let summary: Record<string, unknown> | undefined;
  let maxRssKb: number | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg === 'users imported') summary = entry;
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(line);
    if (rss) maxRssKb = Number(rss[1]);
    else if (!line.startsWith('\t')) console.error(`  ${line}`);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const processSeconds = (performance.now() - startedAt) / 1000;
  if (code !== 0 || !summary) fail(`${engine}: the import exited with ${code}`);
  const database = await open();
  let usersInTable: number;
  try {
    const count = await database.pool.query<{ n: number }>('select count(*)::int as n from identity.users');
    usersInTable = count.rows[0]!.n;
  } finally {
    await database.close();
  }
  const peakRssBytes = maxRssKb !== undefined ? maxRssKb * 1024 : Number(summary.peakRssBytes);
  return {
    engine,
    run,
    imported: Number(summary.imported),
    existing: Number(summary.existing),
    skipped: Number(summary.skipped),
    importSeconds: round1(Number(summary.durationMs) / 1000),
    rowsPerSecond: Number(summary.rowsPerSecond),
    processSeconds: round1(processSeconds),
    peakRssMiB: Math.round(peakRssBytes / 1048576),
    usersInTable,
  };
}

async function migrated(opening: Promise<Database>): Promise<void> {
  const database = await opening;
  try {
    await migrateToLatest(database, migrations);
  } finally {
    await database.close();
  }
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
