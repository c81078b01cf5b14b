import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';

// A backend terminated by the server is what a PostgreSQL restart does to every connection; only a
// real server can do it (PGlite is one in-process connection).
const url = process.env.TEST_DATABASE_URL;
let database: TestDatabase | undefined;
let admin: pg.Client | undefined;

beforeAll(async () => {
  if (!url) return;
  database = await createTestDatabase({ poolSize: 2 });
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await database?.close();
});

describe.skipIf(!url)('a connection cut by the server', () => {
  it('fails the transaction holding it, not the process, and the pool goes on with a new connection', async () => {
    const cut = database!.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      // Cut while the transaction awaits something that is not a statement (a publish, a call).
      await admin!.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sql`select 1`.execute(trx);
    });
    await expect(cut).rejects.toThrow();
    const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(database!.db);
    expect(rows).toEqual([{ ok: 1 }]);
  });
});
