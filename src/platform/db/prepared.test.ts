import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { MAX_PREPARED_STATEMENTS, prepared } from './prepared.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ poolSize: 3 });
});
afterAll(async () => {
  await database.close();
});

const DOUBLE = prepared<{ doubled: number }>('test_double', 'select ($1::int * 2)::int as doubled');

/** The statements prepared on the connection `db` runs on (a transaction keeps to one connection). */
async function preparedHere(db: Kysely<object>): Promise<Record<string, string>> {
  const result = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db);
  return Object.fromEntries(result.rows.map((row) => [row.name, row.statement]));
}

describe('prepared statements', () => {
  it('runs a declared statement by its name, and leaves every other statement unnamed', async () => {
    await database.db.transaction().execute(async (trx) => {
      const before = await preparedHere(trx);
      expect(before).not.toHaveProperty('test_double');
      const first = await DOUBLE.execute(trx, [21]);
      expect(first.rows).toEqual([{ doubled: 42 }]);
      // Any other statement stays unnamed (pg_prepared_statements lists only named ones).
      await sql`select 1 as unnamed`.execute(trx);
      const after = await preparedHere(trx);
      expect(after).toEqual({ ...before, test_double: DOUBLE.text });
      // Run again: bound and executed under the name, parsed once.
      expect((await DOUBLE.execute(trx, [5])).rows).toEqual([{ doubled: 10 }]);
      expect(await preparedHere(trx)).toEqual(after);
    });
  });

  it('runs concurrently on every pooled connection', async () => {
    // More concurrent runs than connections: each connection parses the statement on its first use.
    const results = await Promise.all(Array.from({ length: 12 }, (_, index) => DOUBLE.execute(database.db, [index])));
    expect(results.map((result) => result.rows[0]?.doubled)).toEqual(Array.from({ length: 12 }, (_, index) => index * 2));
  });

  it('refuses values that do not fill its parameters', async () => {
    await expect(DOUBLE.execute(database.db, [])).rejects.toThrow('test_double: 0 values for 1 parameters');
    await expect(DOUBLE.execute(database.db, [1, 2])).rejects.toThrow('test_double: 2 values for 1 parameters');
    expect(() => DOUBLE.queryConfig([])).toThrow('0 values for 1 parameters');
    expect(DOUBLE.queryConfig([3])).toEqual({ name: 'test_double', text: DOUBLE.text, values: [3] });
  });

  it('gives node-postgres the same named statement, for code that holds the bare pool', async () => {
    const result = await database.pool.query<{ doubled: number }>(DOUBLE.queryConfig([4]));
    expect(result.rows).toEqual([{ doubled: 8 }]);
  });

  it('fails fast on a name reused for other text, a second name for one text, and a name that is no identifier', () => {
    expect(prepared('test_double', DOUBLE.text).name).toBe('test_double');
    expect(() => prepared('test_double', 'select 2')).toThrow('the name is already used for another statement');
    expect(() => prepared('test_twice', DOUBLE.text)).toThrow('already prepared as test_double');
    for (const name of ['', 'Upper', '1st', 'with space', 'a'.repeat(64), 'semi;colon']) {
      expect(() => prepared(name, `select '${name}'`)).toThrow('a name is a lower-case SQL identifier');
    }
  });

  // Last: it fills the process's set of names.
  it(`holds at most ${String(MAX_PREPARED_STATEMENTS)} names`, () => {
    let declared = 0;
    const declare = () => prepared(`test_bound_${String(declared)}`, `select ${String(declared)}`);
    while (declared < MAX_PREPARED_STATEMENTS) {
      try {
        declare();
      } catch (error) {
        expect((error as Error).message).toContain(`at most ${String(MAX_PREPARED_STATEMENTS)} prepared statements`);
        break;
      }
      declared++;
    }
    // Declared here plus DOUBLE: the set is exactly full, and the next name is refused.
    expect(declared + 1).toBe(MAX_PREPARED_STATEMENTS);
    expect(declare).toThrow(`at most ${String(MAX_PREPARED_STATEMENTS)} prepared statements`);
  });
});
