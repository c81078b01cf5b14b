import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';

/**
 * The PostgreSQL-only bulk path of the importers (decision record 0033): the validated rows are
 * streamed with one `COPY … FROM STDIN` (text format) into a temporary table on one connection,
 * then moved into the real table by one `insert … select … on conflict do nothing` in a
 * transaction that, for a load at least as large as the table, drops the table's plain secondary
 * indexes first and builds them again after the insert (a GIN or GiST built once over 6M rows is
 * several times cheaper than maintained row by row). Unique and constraint indexes stay, so
 * `on conflict` still sees every conflict. Memory stays flat: the COPY stream is written with
 * backpressure, so reading the file waits for the server. PGlite keeps the unnest batches.
 */

/** A column of the staging table: its name and SQL type. */
export interface StagingColumn {
  name: string;
  type: string;
}

/** One field in COPY's text format: `\N` for null, and `\`, tab, newline and carriage return escaped. */
export function copyField(value: string | number | boolean | null): string {
  if (value === null) return '\\N';
  if (typeof value !== 'string') return value === true ? 't' : value === false ? 'f' : String(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, (character) => ESCAPES[character] ?? character) : value;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Whether the value is a plain SQL identifier (the staging table's and columns' names are ours). */
function assertIdentifier(name: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError(`not a plain identifier: ${name}`);
}

/**
 * An unlogged table being filled by one COPY on a connection held until the COPY ends; the
 * statements that move its rows may then read it from several connections. Named after the
 * process (`public.<name>_<pid>`) and dropped on release; an import killed meanwhile leaves it
 * behind, and a later import under the same pid replaces it.
 */
export class CopyStaging {
  readonly table: string;
  private readonly pool: pg.Pool;
  private readonly client: pg.PoolClient;
  private readonly stream: CopyStreamQuery;
  private failure: Error | undefined;
  private ended = false;
  private released = false;

  private constructor(pool: pg.Pool, client: pg.PoolClient, table: string, stream: CopyStreamQuery) {
    this.pool = pool;
    this.client = client;
    this.table = table;
    this.stream = stream;
    stream.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  static async open(pool: pg.Pool, name: string, columns: readonly StagingColumn[]): Promise<CopyStaging> {
    assertIdentifier(name);
    for (const column of columns) assertIdentifier(column.name);
    const table = `public.${name}_${process.pid}`;
    const client = await pool.connect();
    try {
      await client.query(`drop table if exists ${table}`);
      await client.query(
        `create unlogged table ${table} (${columns.map((column) => `${column.name} ${column.type}`).join(', ')})`,
      );
      const stream = copyFrom(`copy ${table} (${columns.map((column) => column.name).join(', ')}) from stdin`);
      client.query(stream);
      return new CopyStaging(pool, client, table, stream);
    } catch (error) {
      client.release(true);
      await pool.query(`drop table if exists ${table}`).catch(() => undefined);
      throw error;
    }
  }

  /** Writes complete lines; waits while the server is behind (the stream's buffer is full). */
  async write(lines: string): Promise<void> {
    this.throwIfFailed();
    if (this.stream.write(lines)) return;
    await Promise.race([once(this.stream, 'drain'), once(this.stream, 'error')]);
    // The stream's error handler may have recorded a failure meanwhile.
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Ends the COPY and gives its connection back; returns the rows the server took. */
  async finish(): Promise<number> {
    this.throwIfFailed();
    this.ended = true;
    this.stream.end();
    await finished(this.stream);
    this.released = true;
    this.client.release();
    return this.stream.rowCount;
  }

  /** Drops the staging table (after a failure too; an unfinished COPY's connection is discarded). */
  async release(): Promise<void> {
    if (!this.released) {
      this.released = true;
      if (!this.ended) this.stream.destroy();
      this.client.release(true);
    }
    await this.pool.query(`drop table if exists ${this.table}`);
  }
}

/** What `moveIntoTable` did, for the summary. */
export interface MoveReport<T> {
  /** What each part's insert returned. */
  results: T[];
  /** Secondary indexes dropped before the insert and built again after it (empty: kept). */
  rebuiltIndexes: string[];
  insertMs: number;
  indexMs: number;
}

/** Where the definitions of indexes dropped for a load wait until they are built again. */
const DEFERRED_INDEXES = 'public.import_deferred_indexes';

/**
 * Moves the staged rows into `table`: `insert(client, part, parts)` runs on `parts` connections at
 * once (each its own transaction, each taking its share of the staging table), so PostgreSQL
 * computes generated columns such as a search vector on as many cores. When `rebuildIndexes` is
 * set, the table's plain secondary indexes (not unique, not backing a constraint: `on conflict`
 * still sees every conflict) are dropped first and built again after the insert, also spread over
 * the connections. Their definitions are written to `public.import_deferred_indexes` before they
 * are dropped and removed once each is built: an import that dies in between leaves them there,
 * and the next COPY import builds them first (`restoreDeferredIndexes`). Meanwhile the table has
 * no such indexes (searches are slow): this is for loads at least as large as the table.
 */
export async function moveIntoTable<T>(
  pool: pg.Pool,
  table: string,
  options: { rebuildIndexes: boolean; parts: number },
  insert: (client: pg.PoolClient, part: number, parts: number) => Promise<T>,
): Promise<MoveReport<T>> {
  const { parts } = options;
  let indexes: { name: string; definition: string }[] = [];
  if (options.rebuildIndexes) {
    const client = await pool.connect();
    try {
      await client.query('begin');
      await ensureDeferredIndexTable(client);
      indexes = (
        await client.query<{ name: string; definition: string }>(
          `select format('%I.%I', n.nspname, c.relname) as name, pg_get_indexdef(i.indexrelid) as definition
           from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
           where i.indrelid = $1::regclass and not i.indisunique and not i.indisprimary and i.indisvalid
             and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
           order by pg_relation_size(i.indexrelid) desc, c.relname`,
          [table],
        )
      ).rows;
      for (const index of indexes) {
        await client.query(`insert into ${DEFERRED_INDEXES} (table_name, index_name, definition) values ($1, $2, $3)`, [
          table,
          index.name,
          index.definition,
        ]);
        await client.query(`drop index ${index.name}`);
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
  const insertStartedAt = performance.now();
  let results: T[];
  try {
    results = await Promise.all(
      Array.from({ length: parts }, async (_, part) => {
        const client = await pool.connect();
        try {
          await client.query('begin');
          const result = await insert(client, part, parts);
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      }),
    );
  } catch (error) {
    // The table must not stay without its indexes after a failed insert either.
    if (indexes.length > 0) await restoreDeferredIndexes(pool, table, parts);
    throw error;
  }
  const indexStartedAt = performance.now();
  if (indexes.length > 0) await restoreDeferredIndexes(pool, table, parts);
  return {
    results,
    rebuiltIndexes: indexes.map((index) => index.name),
    insertMs: Math.round(indexStartedAt - insertStartedAt),
    indexMs: Math.round(performance.now() - indexStartedAt),
  };
}

async function ensureDeferredIndexTable(client: pg.PoolClient): Promise<void> {
  await client.query(
    `create table if not exists ${DEFERRED_INDEXES} (table_name text not null, index_name text primary key, definition text not null)`,
  );
}

/**
 * Builds the indexes an import dropped for `table` and has not built yet (all of them after a
 * load; those of a crashed import before the next one), on up to `parallel` connections, largest
 * first; returns their names. Each is removed from the list once built.
 */
export async function restoreDeferredIndexes(pool: pg.Pool, table: string, parallel = 2): Promise<string[]> {
  const client = await pool.connect();
  let pending: { index_name: string; definition: string }[];
  try {
    const exists = await client.query<{ found: boolean }>(`select to_regclass($1) is not null as found`, [DEFERRED_INDEXES]);
    if (!exists.rows[0]?.found) return [];
    pending = (
      await client.query<{ index_name: string; definition: string }>(
        `select index_name, definition from ${DEFERRED_INDEXES} where table_name = $1 order by index_name`,
        [table],
      )
    ).rows;
  } finally {
    client.release();
  }
  // GIN and GiST first: they take longest, the btrees fill in beside them.
  pending.sort((a, b) => Number(/ USING btree /i.test(a.definition)) - Number(/ USING btree /i.test(b.definition)));
  const queue = [...pending];
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      const worker = await pool.connect();
      try {
        // Index builds sort in memory up to this much (the default 64 MB spills a 6M-row GIN to disk).
        await worker.query(`set maintenance_work_mem = '256MB'`);
        for (let next = queue.shift(); next; next = queue.shift()) {
          await worker.query(next.definition.replace(/^CREATE (UNIQUE )?INDEX /i, 'CREATE $1INDEX IF NOT EXISTS '));
          await worker.query(`delete from ${DEFERRED_INDEXES} where index_name = $1`, [next.index_name]);
        }
        await worker.query('reset maintenance_work_mem');
      } finally {
        worker.release();
      }
    }),
  );
  return pending.map((index) => index.index_name);
}
