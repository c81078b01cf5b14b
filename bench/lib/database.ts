import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrations } from '../../src/migrations.ts';
import { openDatabase, type Database } from '../../src/platform/db/database.ts';
import { migrateToLatest } from '../../src/platform/db/migrations.ts';
import { assertLoopback } from './children.ts';

/**
 * Where the service and the raw-database baselines keep their data for one run.
 *
 * PostgreSQL (BENCH_DATABASE_URL given): a fresh database `sbor_bench` on that server (a copy of
 * BENCH_DATABASE_TEMPLATE when set), dropped and created at the start and dropped at the end;
 * service and baselines share it (never at the same time). PGlite: a temp directory with one data dir for the service and one for the baselines,
 * because a PGlite data dir belongs to one process.
 */
export interface BenchDatabase {
  engine: 'postgres' | 'pglite';
  /** Engine and version, for the report. */
  version: string;
  /** Arguments for bench/serve.ts. */
  serviceArgs: string[];
  /** Opens (and migrates) the database the raw baselines run on, with the service's pool size. */
  openForBaseline(): Promise<Database>;
  /** A small pool on the service's own database for scenario setups; undefined on PGlite. */
  openForSetup(): Promise<Database | undefined>;
  dispose(): Promise<void>;
}

/** BENCH_DATABASE_NAME picks another name, so two people benchmarking one server do not drop each other's. */
export const BENCH_DATABASE_NAME = benchDatabaseName(process.env.BENCH_DATABASE_NAME);

function benchDatabaseName(name: string | undefined): string {
  if (name === undefined || name === '') return 'sbor_bench';
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error('BENCH_DATABASE_NAME: not a database name');
  return name;
}

export async function prepareDatabase(benchDatabaseUrl: string | undefined, poolSize: number): Promise<BenchDatabase> {
  return benchDatabaseUrl ? preparePostgres(benchDatabaseUrl, poolSize) : preparePglite();
}

async function preparePostgres(adminUrl: string, poolSize: number): Promise<BenchDatabase> {
  assertLoopback(adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${BENCH_DATABASE_NAME}`;
  const benchUrl = url.toString();
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const version = await admin(async (client) => {
    // `with (force)` ends sessions a crashed earlier run may have left behind.
    await client.query(`drop database if exists ${BENCH_DATABASE_NAME} with (force)`);
    // A template with data loaded once (the 6M-event catalog: bench/import-events.ts --database X)
    // saves re-importing it for every run; it is migrated to the latest schema like any database.
    const template = process.env.BENCH_DATABASE_TEMPLATE;
    if (template !== undefined && !/^[a-z_][a-z0-9_]*$/.test(template))
      throw new Error('BENCH_DATABASE_TEMPLATE: not a database name');
    if (template) {
      // Copied as files, not through the WAL (PostgreSQL 15's default): WAL-logging the 9 GB catalog
      // left checkpoints writing it out during the first rows' measurements.
      const { rows } = await client.query<{ server_version_num: string }>('show server_version_num');
      const fileCopy = Number(rows[0]!.server_version_num) >= 150_000 ? ' strategy file_copy' : '';
      await client.query(`create database ${BENCH_DATABASE_NAME} template ${template}${fileCopy}`);
    } else {
      await client.query(`create database ${BENCH_DATABASE_NAME}`);
    }
    const result = await client.query<{ server_version: string }>('show server_version');
    return `PostgreSQL ${result.rows[0]!.server_version}`;
  });
  return {
    engine: 'postgres',
    version,
    serviceArgs: ['--database-url', benchUrl, '--pool-size', String(poolSize)],
    openForBaseline: () => migrated(openDatabase({ url: benchUrl, poolSize })),
    openForSetup: () => openDatabase({ url: benchUrl, poolSize: 2 }),
    dispose: () =>
      admin((client) => client.query(`drop database if exists ${BENCH_DATABASE_NAME} with (force)`)).then(() => undefined),
  };
}

async function preparePglite(): Promise<BenchDatabase> {
  const directory = await mkdtemp(join(tmpdir(), 'sbor-bench-'));
  const packageJson = JSON.parse(
    await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return {
    engine: 'pglite',
    version: `PGlite ${packageJson.version}`,
    // PGlite is one connection whatever the pool size, so no --pool-size here.
    serviceArgs: ['--data-dir', join(directory, 'service')],
    openForBaseline: () => migrated(openDatabase({ dataDir: join(directory, 'raw-db') })),
    openForSetup: () => Promise.resolve(undefined),
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
}

/** Baseline statements may touch the service's tables (e.g. a raw seat UPDATE), so they need the schema. */
async function migrated(opening: Promise<Database>): Promise<Database> {
  const database = await opening;
  try {
    await migrateToLatest(database, migrations);
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}
