// Times `sbor import users <file>` on a million HackLoad-shaped users, on PostgreSQL and on PGlite.
// See docs/import.md.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/import-users.ts [options]
//
// The importer runs as its own process (`node bin/sbor.js import users FILE`, under
// /usr/bin/time -v when present), so the peak RSS is the importer's alone. PostgreSQL: a fresh
// database sbor_import_bench on BENCH_DATABASE_URL's server, migrated first, dropped at the end.
// PGlite: a migrated data dir in a temp directory, removed at the end.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../src/migrations.ts';
import { generateUsersFile } from '../src/modules/identity/index.ts';
import { openDatabase, type Database } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrations.ts';
import { assertLoopback } from './lib/children.ts';
import { fail, parseOptions } from './lib/args.ts';
import { admin, ensureGenerated, timeImportProcess, type ImportRun } from './lib/import-runner.ts';

const HELP = `Usage: node bench/import-users.ts [options]

  --rows <n>        users in the generated file (default 1000000)
  --format csv|sql  the file's format (default csv)
  --file <path>     the file to import (default: <tmpdir>/sbor-users-<rows>.<format>, generated
                    when missing; kept for the next run)
  --engines <list>  postgres,pglite (default: both when BENCH_DATABASE_URL is set, else pglite)
  --reimport        also time a second import of the same file (every row already present)

Environment: BENCH_DATABASE_URL=postgres://… (a loopback server; its database is only used to
create and drop sbor_import_bench).`;

const values = parseOptions(HELP, {
  rows: { type: 'string', default: '1000000' },
  format: { type: 'string', default: 'csv' },
  file: { type: 'string' },
  engines: { type: 'string' },
  reimport: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
});
const rows = Number(values.rows);
const format = values.format;
if (!Number.isSafeInteger(rows) || rows < 1 || (format !== 'csv' && format !== 'sql')) fail(HELP);
const adminUrl = process.env.BENCH_DATABASE_URL;
const engines = (values.engines ?? (adminUrl ? 'postgres,pglite' : 'pglite')).split(',');
if (engines.some((engine) => engine !== 'postgres' && engine !== 'pglite')) fail(`--engines: postgres and/or pglite`);
if (engines.includes('postgres') && !adminUrl) fail('postgres needs BENCH_DATABASE_URL');

const BENCH_DATABASE = 'sbor_import_bench';

const file = values.file ?? join(tmpdir(), `sbor-users-${rows}.${format}`);
await ensureGenerated(file, `${rows} users`, (path) => generateUsersFile(path, { rows, format, seed: 42 }));
const fileSize = (await stat(file)).size;
console.error(`file: ${file} (${(fileSize / 1048576).toFixed(1)} MiB)`);

interface Result extends ImportRun {
  engine: string;
  run: string;
  usersInTable: number;
}
const results: Result[] = [];

for (const engine of engines) {
  if (engine === 'postgres') {
    assertLoopback(adminUrl!);
    const url = new URL(adminUrl!);
    url.pathname = `/${BENCH_DATABASE}`;
    const benchUrl = url.toString();
    await admin(adminUrl!, `drop database if exists ${BENCH_DATABASE} with (force)`);
    await admin(adminUrl!, `create database ${BENCH_DATABASE}`);
    try {
      await migrated(openDatabase({ url: benchUrl, poolSize: 2 }));
      const env = { DATABASE_URL: benchUrl };
      results.push(await timeImport('postgres', 'first import', env, () => openDatabase({ url: benchUrl, poolSize: 2 })));
      if (values.reimport)
        results.push(await timeImport('postgres', 're-import', env, () => openDatabase({ url: benchUrl, poolSize: 2 })));
    } finally {
      await admin(adminUrl!, `drop database if exists ${BENCH_DATABASE} with (force)`);
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
  const measured = await timeImportProcess('users', file, env);
  const database = await open();
  let usersInTable: number;
  try {
    const count = await database.pool.query<{ n: number }>('select count(*)::int as n from identity.users');
    usersInTable = count.rows[0]!.n;
  } finally {
    await database.close();
  }
  return { engine, run, ...measured, usersInTable };
}

async function migrated(opening: Promise<Database>): Promise<void> {
  const database = await opening;
  try {
    await migrateToLatest(database, migrations);
  } finally {
    await database.close();
  }
}
