import { sql, type Kysely } from 'kysely';

/**
 * Whether `instant` has passed by the database's clock — the one clock Sbor judges time by (holds,
 * sales windows, the refund window), so processes whose clocks drift apart still agree. Prefer
 * computing the comparison inside the statement that reads the row (bookings' `overdue`); this is
 * for an instant that comes from elsewhere (another module's event start).
 */
export async function hasPassed<Tables>(db: Kysely<Tables>, instant: Date): Promise<boolean> {
  const result = await sql<{ passed: boolean }>`select ${instant}::timestamptz <= now() as passed`.execute(db);
  return result.rows[0]?.passed ?? false;
}
