import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, openPglite, type Database } from '../../src/platform/db/database.ts';
import { adminUrlFor, databaseUrlFor } from './postgres-url.ts';

export interface TestDatabase extends Database {
  /** A URL another process can open (PostgreSQL only; undefined on PGlite). */
  url: string | undefined;
}

/**
 * A fresh, fully migrated database for one test file: a clone of the run's template. PGlite by
 * default; PostgreSQL when TEST_DATABASE_URL is set. Closing it drops the clone.
 */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const target = inject('testDatabase');
  if (target.engine === 'pglite') {
    const dump = new Blob([await readFile(target.dumpPath)]);
    const pglite = await openPglite(undefined, dump);
    const database = await openDatabase({ pglite });
    return {
      ...database,
      url: undefined,
      async close() {
        await database.close();
        await pglite.close();
      },
    };
  }
  const name = `sbor_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(target.url, (admin) => admin.query(`create database ${name} template ${target.template}`));
  const url = databaseUrlFor(target.url, name);
  const database = await openDatabase({ url, poolSize: options.poolSize ?? 10 });
  return {
    ...database,
    url,
    async close() {
      await database.close();
      await withAdmin(target.url, (admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

export function testDatabaseEngine(): 'pglite' | 'postgres' {
  return inject('testDatabase').engine;
}

async function withAdmin<T>(url: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrlFor(url) });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
