import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { DomainError } from '../../platform/errors.ts';
import type { SalesTables } from './sales.tables.ts';

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
export async function runIdempotent<T>(
  db: Kysely<SalesTables>,
  scope: { userId: number; key: string | undefined; request: unknown; statusCode: number },
  work: () => Promise<T>,
): Promise<IdempotentResult<T>> {
  if (scope.key === undefined) return { statusCode: scope.statusCode, body: await work(), replayed: false };
  const hash = createHash('sha256').update(JSON.stringify(scope.request)).digest('hex');
  const claimed = await db
    .insertInto('sales.idempotency_keys')
    .values({ user_id: scope.userId, key: scope.key, request_hash: hash, status_code: null, response: null })
    .onConflict((conflict) =>
      conflict
        .columns(['user_id', 'key'])
        .doUpdateSet({ request_hash: hash, created_at: sql<Date>`now()` })
        // Take over only an abandoned attempt with the same request.
        .where('sales.idempotency_keys.status_code', 'is', null)
        .where('sales.idempotency_keys.request_hash', '=', hash)
        .where('sales.idempotency_keys.created_at', '<', sql<Date>`now() - make_interval(secs => ${ABANDONED_AFTER_SECONDS})`),
    )
    .returning('key')
    .executeTakeFirst();
  if (!claimed) {
    const existing = await db
      .selectFrom('sales.idempotency_keys')
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
    await db.deleteFrom('sales.idempotency_keys').where('user_id', '=', scope.userId).where('key', '=', scope.key).execute();
    throw error;
  }
  await db
    .updateTable('sales.idempotency_keys')
    .set({ status_code: scope.statusCode, response: JSON.stringify(body) })
    .where('user_id', '=', scope.userId)
    .where('key', '=', scope.key)
    .execute();
  return { statusCode: scope.statusCode, body, replayed: false };
}

export async function deleteOldIdempotencyKeys(db: Kysely<SalesTables>): Promise<void> {
  await db
    .deleteFrom('sales.idempotency_keys')
    .where('created_at', '<', sql<Date>`now() - make_interval(hours => ${IDEMPOTENCY_RETENTION_HOURS})`)
    .execute();
}
