// npm run load -- data --url postgres://postgres@127.0.0.1:5432/sbor_load [options]
//
// The HackLoad data sets at full size in one command: generates (once, kept in --dir) 1,000,000
// users, 10,000 upcoming events and the 6,000,000-event archive in the data sets' formats, then
// loads them into the database at --url (created when missing; --fresh drops it first) with
// `sbor seed` (migrations, event 1 with its 100,000 seats) and `sbor import users|events`, each as
// its own process under /usr/bin/time -v, and reports each step's time, rows/s and peak RSS. On
// PostgreSQL the imports go through COPY (decision record 0033); --batched compares the batched
// inserts.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import pg from 'pg';
import { generateEventsFile } from '../../src/modules/catalog/index.ts';
import { generateUsersFile } from '../../src/modules/identity/index.ts';
import { fail, parseOptions } from '../lib/args.ts';
import { assertLoopback } from '../lib/children.ts';
import { admin, ensureGenerated, round1, timeImportProcess, type ImportRun } from '../lib/import-runner.ts';

const HELP = `Usage: npm run load -- data --url postgres://…/<database> [options]

  --url <url>          the database to load (created when missing; loopback only)
  --users <n>          users (default 1000000)
  --upcoming <n>       upcoming events (default 10000; ids from 1)
  --archive <n>        archive events (default 6000000; ids from 100000)
  --dir <path>         where the generated files are kept (default <tmp>/sbor-load)
  --fresh              drop and recreate the database first
  --batched            import with batched inserts (IMPORT_COPY=off), to compare
  --only <steps>       comma-separated subset of seed,users,upcoming,archive`;

const BIN = new URL('../../bin/sbor.js', import.meta.url).pathname;

interface Step extends Partial<ImportRun> {
  step: string;
  seconds: number;
}

export async function run(args: string[]): Promise<void> {
  const values = parseOptions(
    HELP,
    {
      url: { type: 'string' },
      users: { type: 'string', default: '1000000' },
      upcoming: { type: 'string', default: '10000' },
      archive: { type: 'string', default: '6000000' },
      dir: { type: 'string', default: join(tmpdir(), 'sbor-load') },
      fresh: { type: 'boolean', default: false },
      batched: { type: 'boolean', default: false },
      only: { type: 'string', default: 'seed,users,upcoming,archive' },
      help: { type: 'boolean', short: 'h' },
    },
    args,
  );
  const url = values.url;
  if (!url?.startsWith('postgres')) fail(`${HELP}\n\n--url must be a postgres:// URL`);
  assertLoopback(url);
  const counts = { users: Number(values.users), upcoming: Number(values.upcoming), archive: Number(values.archive) };
  if (Object.values(counts).some((count) => !Number.isSafeInteger(count) || count < 0)) fail(HELP);
  const only = new Set(values.only.split(','));
  const database = new URL(url).pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) fail('the database name must be a plain identifier');
  const adminUrl = Object.assign(new URL(url), { pathname: '/postgres' }).toString();

  const dir = values.dir;
  await mkdir(dir, { recursive: true });
  const today = new Date().toISOString().slice(0, 10);
  const files = {
    users: join(dir, `users-${counts.users}.csv`),
    // The upcoming set is relative to the day it is generated on.
    upcoming: join(dir, `events-${counts.upcoming}-${today}.json`),
    archive: join(dir, `events_archive-${counts.archive}.json`),
  };
  const steps: Step[] = [];
  const timed = async (step: string, work: () => Promise<unknown>) => {
    const startedAt = performance.now();
    const result = ((await work()) ?? {}) as Partial<ImportRun>;
    steps.push({ step, seconds: round1((performance.now() - startedAt) / 1000), ...result });
  };

  const wanted = (step: string, rows: number) => only.has(step) && rows > 0;
  if (wanted('users', counts.users))
    await timed('generate users', () =>
      ensureGenerated(files.users, `${counts.users} users`, (path) =>
        generateUsersFile(path, { rows: counts.users, format: 'csv', seed: 42 }),
      ),
    );
  if (wanted('upcoming', counts.upcoming))
    await timed('generate upcoming', () =>
      ensureGenerated(files.upcoming, `${counts.upcoming} upcoming events`, (path) =>
        generateEventsFile(path, { set: 'upcoming', rows: counts.upcoming, format: 'json', seed: 42 }),
      ),
    );
  if (wanted('archive', counts.archive))
    await timed('generate archive', () =>
      ensureGenerated(files.archive, `${counts.archive} archive events`, (path) =>
        generateEventsFile(path, { set: 'archive', rows: counts.archive, format: 'json', seed: 42 }),
      ),
    );

  if (values.fresh) await admin(adminUrl, `drop database if exists ${database} with (force)`);
  if (!(await databaseExists(adminUrl, database))) await admin(adminUrl, `create database ${database}`);

  const env: Record<string, string> = { DATABASE_URL: url, ...(values.batched ? { IMPORT_COPY: 'off' } : {}) };
  const startedAt = performance.now();
  if (only.has('seed')) await timed('seed (migrations, event 1: 100,000 seats)', () => runSbor(['seed'], env));
  if (wanted('users', counts.users)) await timed('import users', () => timeImportProcess('users', files.users, env));
  if (wanted('upcoming', counts.upcoming))
    await timed('import upcoming events', () => timeImportProcess('events', files.upcoming, env));
  if (wanted('archive', counts.archive)) await timed('import archive', () => timeImportProcess('events', files.archive, env));
  const totalSeconds = round1((performance.now() - startedAt) / 1000);

  console.table(
    steps.map(({ step, seconds, rowsRead, imported, rowsPerSecond, peakRssMiB, copy }) => ({
      step,
      seconds,
      rows: rowsRead ?? '',
      imported: imported ?? '',
      'rows/s': rowsPerSecond ?? '',
      'peak RSS MiB': peakRssMiB ?? '',
      phases: copy
        ? `copy-end ${copy.copyMs} ms, insert ${copy.insertMs} ms${copy.indexMs ? `, indexes ${copy.indexMs} ms` : ''}`
        : '',
    })),
  );
  console.log(`loaded in ${totalSeconds} s (seed and imports; generation not counted); database ${database}`);
  console.log(JSON.stringify({ database, counts, batched: values.batched, totalSeconds, steps }));
}

async function databaseExists(adminUrl: string, database: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [database])).rowCount === 1;
  } finally {
    await client.end();
  }
}

/** Runs `node bin/sbor.js …` with the given environment (no NATS); fails the run when it fails. */
async function runSbor(args: string[], env: Record<string, string>): Promise<void> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, LOG_LEVEL: 'warn' };
  delete childEnv.NATS_URL;
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) fail(`sbor ${args.join(' ')} exited with ${code}`);
}
