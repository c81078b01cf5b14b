import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import { describeError } from '../errors.ts';
import type { Database } from './database.ts';

export type Migrations = Record<string, Migration>;

/** Where Kysely keeps its own bookkeeping: the platform's schema, not public. */
const MIGRATION_SCHEMA = 'platform';

/**
 * Migrations from every module in one ordered set. Names start with a UTC timestamp
 * (`20261124T0500_platform_outbox`), so modules interleave in the order they were written.
 */
export function combineMigrations(...sets: Migrations[]): Migrations {
  const combined: Migrations = {};
  for (const set of sets) {
    for (const [name, migration] of Object.entries(set)) {
      if (name in combined) throw new Error(`Two migrations are named ${name}`);
      combined[name] = migration;
    }
  }
  return combined;
}

function migratorFor(database: Database, migrations: Migrations): Migrator {
  return new Migrator({
    db: database.db,
    migrationTableSchema: MIGRATION_SCHEMA,
    provider: { getMigrations: async () => migrations },
  });
}

/** Applies every pending migration; throws (after rolling back) if one fails. */
export async function migrateToLatest(database: Database, migrations: Migrations): Promise<string[]> {
  return unwrap(await migratorFor(database, migrations).migrateToLatest());
}

/** Names of migrations known to the code but not yet applied (the readiness check uses it). */
export async function pendingMigrations(database: Database, migrations: Migrations): Promise<string[]> {
  const all = await migratorFor(database, migrations).getMigrations();
  return all.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}

function unwrap({ error, results }: MigrationResultSet): string[] {
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Migration ${failed ?? '(unknown)'} failed: ${describeError(error)}`, { cause: error });
  }
  return (results ?? []).map((result) => result.migrationName);
}
