import type { Kysely } from 'kysely';
import {
  deleteOldIdempotencyKeys as deleteOldKeys,
  runIdempotent as runIdempotentIn,
  type IdempotentResult,
} from '../../platform/db/idempotency.ts';
import type { SalesTables } from './sales.tables.ts';

export { IDEMPOTENCY_RETENTION_HOURS, type IdempotentResult } from '../../platform/db/idempotency.ts';

/** Sales' keys live in sales.idempotency_keys; the rule itself is the platform's (platform/db/idempotency.ts). */
export function runIdempotent<T>(
  db: Kysely<SalesTables>,
  scope: { userId: number; key: string | undefined; request: unknown; statusCode: number },
  work: () => Promise<T>,
): Promise<IdempotentResult<T>> {
  return runIdempotentIn(db, 'sales', scope, work);
}

export async function deleteOldIdempotencyKeys(db: Kysely<SalesTables>): Promise<void> {
  await deleteOldKeys(db, 'sales');
}
