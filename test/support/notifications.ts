import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';

/** Waits until every committed event was published, turned into messages and sent (or parked for a retry). */
export async function notificationsSettled(db: Kysely<object>): Promise<void> {
  await expect
    .poll(
      async () => {
        const row = await sql<{ outbox: number; sources: number; due: number }>`
          select
            (select count(*)::int from platform.outbox where published_at is null) as outbox,
            (select count(*)::int from notifications.source_events where processed_at is null) as sources,
            (select count(*)::int from notifications.deliveries
              where status = 'sending' or (status = 'pending' and next_attempt_at <= now())) as due`.execute(db);
        return row.rows[0];
      },
      { timeout: 15_000 },
    )
    .toEqual({ outbox: 0, sources: 0, due: 0 });
}
