import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUGGEST_FREE_SEATS, TAKE_SEATS } from '../src/modules/sales/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ poolSize: 2 });
});
afterAll(async () => {
  await database.close();
});

describe('the hot statements (platform/db/prepared.ts)', () => {
  it('run as named prepared statements against the migrated schema', async () => {
    await database.db.transaction().execute(async (trx) => {
      expect((await TAKE_SEATS.execute(trx, [[], [], [], [], []])).rows).toEqual([]);
      expect((await SUGGEST_FREE_SEATS.execute(trx, [0, 1, 1, 20])).rows).toEqual([]);
      const named = await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(trx);
      expect(named.rows.map((row) => row.name)).toEqual(expect.arrayContaining(['sales_suggest_free_seats', 'sales_take_seats']));
    });
  });
});
