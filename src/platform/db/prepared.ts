import { CompiledQuery, type Kysely, type PostgresPool, type PostgresPoolClient, type QueryResult } from 'kysely';
import type pg from 'pg';

/**
 * Named prepared statements, for the few hot-path statements whose parsing and planning cost about
 * as much as running them (taking a seat, suggesting free seats: docs/benchmarks.md, "Where the time
 * goes"). A repository declares one at module level with `prepared(name, text)` and runs it with
 * `execute(db, values)`; each connection then parses it once, not on every call, and plans it once
 * as soon as PostgreSQL finds its generic plan as good as a custom one (after five executions). A
 * session keeps its statements: PostgreSQL one per pooled connection, PGlite its one session.
 *
 * The set is small and fixed: every name costs a parsed statement in every connection for as long as
 * the connection lives, so names are declared, not derived from whatever text comes along, and at
 * most MAX_PREPARED_STATEMENTS exist. A name reused with other text fails at once (at import): two
 * texts under one name would otherwise fail on a connection that had parsed the first.
 */
export interface PreparedStatement<Row> {
  readonly name: string;
  readonly text: string;
  /** Runs the statement on `db` (the pool or a transaction) as a named statement. */
  execute<DB>(db: Kysely<DB>, values: readonly unknown[]): Promise<QueryResult<Row>>;
  /** node-postgres's form, for code that holds a bare `pg.Pool` (the benchmark's raw baselines). */
  queryConfig(values: readonly unknown[]): pg.QueryConfig;
}

/** Far above the handful in use; a bound, so a statement built in a loop cannot be prepared by mistake. */
export const MAX_PREPARED_STATEMENTS = 32;
const NAME = /^[a-z][a-z0-9_]{0,62}$/;

const textsByName = new Map<string, string>();
const namesByText = new Map<string, string>();

export function prepared<Row = Record<string, unknown>>(name: string, text: string): PreparedStatement<Row> {
  if (!NAME.test(name)) throw new Error(`prepared(${JSON.stringify(name)}): a name is a lower-case SQL identifier`);
  const known = textsByName.get(name);
  if (known !== undefined && known !== text) throw new Error(`prepared(${name}): the name is already used for another statement`);
  if (known === undefined) {
    if (namesByText.has(text))
      throw new Error(`prepared(${name}): the statement is already prepared as ${String(namesByText.get(text))}`);
    if (textsByName.size >= MAX_PREPARED_STATEMENTS) {
      throw new Error(`prepared(${name}): at most ${String(MAX_PREPARED_STATEMENTS)} prepared statements`);
    }
    textsByName.set(name, text);
    namesByText.set(text, name);
  }
  const parameters = parameterCount(text);
  const checked = (values: readonly unknown[]) => {
    if (values.length !== parameters) {
      throw new Error(`${name}: ${String(values.length)} values for ${String(parameters)} parameters`);
    }
    return values;
  };
  return {
    name,
    text,
    async execute(db, values) {
      return db.executeQuery<Row>(CompiledQuery.raw(text, [...checked(values)]));
    },
    queryConfig(values) {
      return { name, text, values: [...checked(values)] };
    },
  };
}

/** The highest `$n` in the text: a statement's values must fill exactly its parameters. */
function parameterCount(text: string): number {
  let highest = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}

/**
 * The pool Kysely is given: node-postgres's, except that the text of a declared statement is sent
 * with its name (node-postgres then parses it once per connection and afterwards only binds and
 * executes). Every other statement passes through unchanged; the pool's clients are not altered,
 * so code that uses the `pg.Pool` directly sends exactly what it asks for.
 */
export function namingPreparedStatements(pool: pg.Pool): PostgresPool {
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let wrapped = clients.get(client);
    if (!wrapped) {
      const query = (text: unknown, values?: readonly unknown[]) => {
        const name = typeof text === 'string' ? namesByText.get(text) : undefined;
        if (name !== undefined) return client.query({ name, text: text as string, values: values as unknown[] });
        return (client.query as (text: unknown, values?: readonly unknown[]) => unknown)(text, values);
      };
      wrapped = {
        query: query as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
      // Kysely reads the backend's pid from here to cancel a query (an undocumented pg field).
      Object.defineProperty(wrapped, 'processID', { get: () => (client as { processID?: number }).processID });
      clients.set(client, wrapped);
    }
    return wrapped;
  };
  const Client = (pool as unknown as { Client?: PostgresPool['Client'] }).Client;
  return {
    ...(Client ? { Client } : {}),
    options: pool.options,
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
