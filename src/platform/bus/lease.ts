import { sql, type Kysely } from 'kysely';
import type { BusTables } from './bus.tables.ts';

/**
 * Takes or renews a named lease for `holder`. Returns true while this holder owns it. A holder that
 * dies stops renewing and the lease passes to another after `seconds`. Short statements only: a
 * lease never pins a connection or a transaction (PGlite has exactly one connection).
 */
export async function acquireLease(db: Kysely<object>, name: string, holder: string, seconds: number): Promise<boolean> {
  const row = await db
    .$extendTables<BusTables>()
    .insertInto('platform.leases')
    .values({ name, holder, expires_at: sql<Date>`now() + make_interval(secs => ${seconds})` })
    .onConflict((conflict) =>
      conflict
        .column('name')
        .doUpdateSet({ holder, expires_at: sql<Date>`excluded.expires_at` })
        .where((eb) =>
          eb.or([eb('platform.leases.holder', '=', holder), eb('platform.leases.expires_at', '<', sql<Date>`now()`)]),
        ),
    )
    .returning('holder')
    .executeTakeFirst();
  return row?.holder === holder;
}

export async function releaseLease(db: Kysely<object>, name: string, holder: string): Promise<void> {
  await db
    .$extendTables<BusTables>()
    .deleteFrom('platform.leases')
    .where('name', '=', name)
    .where('holder', '=', holder)
    .execute();
}
