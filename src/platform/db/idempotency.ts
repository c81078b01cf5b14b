import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { ColumnType, Generated } from 'kysely';
import { DomainError } from '../errors.ts';

/**
 * The table a module keeps its keys in (`<schema>.idempotency_keys`, created by the module's own
 * migration with exactly these columns and primary key (user_id, key)).
 */
export interface IdempotencyKeyTable {
  user_id: number;
  key: string;
  request_hash: string;
  status_code: number | null;
  response: ColumnType<unknown, string | null, string | null>;
  created_at: Generated<Date>;
}

type KeysDb = Kysely<{ idempotency_keys: IdempotencyKeyTable }>;

/** The module's key table, by its schema: sales and rentals each keep their own. */
function keysIn<DB>(db: Kysely<DB>, schema: string): KeysDb {
  // Every module's key table has these columns; the caller's own table map does not matter here,
  // only the schema does (a module passes its narrowed handle, which Kysely<object> cannot take).
  return db.withSchema(schema) as unknown as KeysDb;
}

/** A request left unfinished this long (a crashed process) may be retried under the same key. */
const ABANDONED_AFTER_SECONDS = 60;
/** Keys are kept at least this long (seed 000 asks for 24 hours). */
export const IDEMPOTENCY_RETENTION_HOURS = 48;

export interface IdempotentResult<T> {
  statusCode: number;
  body: T;
  replayed: boolean;
}

/**
 * Runs a creating request at most once per (user, Idempotency-Key): the same key and body replay
 * the stored answer; the same key with another body is a 422; while the first is still running a
 * second gets 409. A request that fails with a domain error frees its key, so it can be retried.
 */
export async function runIdempotent<T, DB>(
  database: Kysely<DB>,
  schema: string,
  scope: { userId: number; key: string | undefined; request: unknown; statusCode: number },
  work: () => Promise<T>,
): Promise<IdempotentResult<T>> {
  if (scope.key === undefined) return { statusCode: scope.statusCode, body: await work(), replayed: false };
  const db = keysIn(database, schema);
  const hash = createHash('sha256').update(JSON.stringify(scope.request)).digest('hex');
  const claimed = await db
    .insertInto('idempotency_keys')
    .values({ user_id: scope.userId, key: scope.key, request_hash: hash, status_code: null, response: null })
    .onConflict((conflict) =>
      conflict
        .columns(['user_id', 'key'])
        .doUpdateSet({ request_hash: hash, created_at: sql<Date>`now()` })
        // Take over only an abandoned attempt with the same request.
        .where('idempotency_keys.status_code', 'is', null)
        .where('idempotency_keys.request_hash', '=', hash)
        .where('idempotency_keys.created_at', '<', sql<Date>`now() - make_interval(secs => ${ABANDONED_AFTER_SECONDS})`),
    )
    .returning('key')
    .executeTakeFirst();
  if (!claimed) {
    const existing = await db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status_code', 'response'])
      .where('user_id', '=', scope.userId)
      .where('key', '=', scope.key)
      .executeTakeFirstOrThrow();
    if (existing.request_hash !== hash) {
      throw new DomainError('unprocessable', 'idempotency-key-reused', 'This Idempotency-Key was used with a different request.');
    }
    if (existing.status_code === null) {
      throw new DomainError(
        'conflict',
        'idempotency-in-progress',
        'A request with this Idempotency-Key is still being processed.',
      );
    }
    return { statusCode: existing.status_code, body: existing.response as T, replayed: true };
  }
  let body: T;
  try {
    body = await work();
  } catch (error) {
    await db.deleteFrom('idempotency_keys').where('user_id', '=', scope.userId).where('key', '=', scope.key).execute();
    throw error;
  }
  await db
    .updateTable('idempotency_keys')
    .set({ status_code: scope.statusCode, response: JSON.stringify(body) })
    .where('user_id', '=', scope.userId)
    .where('key', '=', scope.key)
    .execute();
  return { statusCode: scope.statusCode, body, replayed: false };
}

export async function deleteOldIdempotencyKeys<DB>(db: Kysely<DB>, schema: string): Promise<void> {
  await keysIn(db, schema)
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', sql<Date>`now() - make_interval(hours => ${IDEMPOTENCY_RETENTION_HOURS})`)
    .execute();
}
