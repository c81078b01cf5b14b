import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { namingPreparedStatements } from './prepared.ts';

/**
 * The handle every module receives. `db` knows no tables: each module narrows it to its own schema
 * with `db.$extendTables<ModuleTables>()`, so a module cannot even name another module's tables.
 */
export interface Database {
  db: Kysely<object>;
  pool: pg.Pool;
  engine: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export type DatabaseOptions = { url: string; poolSize: number } | { dataDir: string } | { pglite: PGlite };

/**
 * int8 comes back as a JS number (ids and counts are far below 2^53), refusing values that would
 * lose precision instead of silently rounding them. Money is never numeric here (it is integer
 * minor units), so numeric keeps pg's default string.
 */
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, parseSafeInteger);
// A calendar date is not an instant: keep 'YYYY-MM-DD' instead of a Date at local midnight.
types.setTypeParser(pg.types.builtins.DATE, (text: string) => text);

function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} exceeds Number.MAX_SAFE_INTEGER`);
  return value;
}

export const PGLITE_EXTENSIONS = { btree_gist, pg_trgm };

export async function openPglite(dataDir: string | undefined, loadDataDir?: Blob): Promise<PGlite> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const options = loadDataDir ? { extensions: PGLITE_EXTENSIONS, loadDataDir } : { extensions: PGLITE_EXTENSIONS };
  return dataDir ? PGlite.create(dataDir, options) : PGlite.create(options);
}

/**
 * Opens PostgreSQL when a URL is given, otherwise the embedded PGlite under `dataDir`. Both go
 * through node-postgres and Kysely's PostgresDialect, so one set of queries serves both engines.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ('url' in options) {
    const pool = survivingLostConnections(new pg.Pool({ connectionString: options.url, max: options.poolSize, types }));
    await pool.query('select 1');
    return fromPool(pool, 'postgres', async () => undefined);
  }
  const pglite = 'pglite' in options ? options.pglite : await openPglite(options.dataDir);
  const ownsPglite = !('pglite' in options);
  // PGlite is one in-process connection: the pool has exactly one client and queues the rest.
  const pool = survivingLostConnections(new pg.Pool(Object.assign(createPgConfig(pglite), { types })));
  return fromPool(pool, 'pglite', async () => {
    if (ownsPglite) await pglite.close();
  });
}

function fromPool(pool: pg.Pool, engine: Database['engine'], closeEngine: () => Promise<void>): Database {
  // Kysely's pool sends the statements declared with prepared() by name (prepared.ts).
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool: namingPreparedStatements(pool) }) });
  let closed = false;
  return {
    db,
    pool,
    engine,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await closeEngine();
    },
  };
}

/** Before the pool's first connection, so that every client it ever makes is covered. */
function survivingLostConnections(pool: pg.Pool): pg.Pool {
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Nor one that is checked out: pg-pool listens for a client's errors only while it is idle, so a
  // connection cut while its holder awaits something else (a transaction publishing to NATS when
  // PostgreSQL restarts) raised an unhandled 'error' and killed the process — a standby relay died
  // that way in the fault suite. With a listener, the holder's next statement fails instead and the
  // pool drops the client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}
