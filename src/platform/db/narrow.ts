import type { Transaction } from 'kysely';

/**
 * The same transaction, typed with another set of tables: a module's own (a transaction handed to
 * it by another module, a bus consumer or the job runner, typed `Transaction<object>`), the
 * outbox's, or none (`narrow<object>`, to hand it on to another module).
 *
 * Sound because every module's tables live in one database and a Kysely transaction's table type
 * exists only at compile time: the connection, and what the statements can reach, are the same;
 * only which table names type-check changes. TypeScript cannot see that (Transaction is invariant
 * in its tables), hence the one cast, here. A module narrows only to its own tables: the boundaries
 * check keeps it from importing another module's table types.
 */
export function narrow<To, From = object>(trx: Transaction<From>): Transaction<To> {
  return trx as unknown as Transaction<To>;
}
