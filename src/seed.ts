import type { Logger } from 'pino';
import type { Database } from './platform/db/database.ts';

/** A module's demo data. Seeders must be idempotent: `sbor seed` may run on a seeded database. */
export type Seeder = (database: Database, logger: Logger) => Promise<void>;

/** Each module that has demo data adds its seeder here, in dependency order. */
const seeders: Seeder[] = [];

export async function seedDemoData(database: Database, logger: Logger): Promise<void> {
  for (const seeder of seeders) await seeder(database, logger);
  logger.info({ seeders: seeders.length }, 'demo data loaded');
}
