import type { Logger } from 'pino';
import { DEMO_STUDIO_SLUG, ensureDemoStudio, ensureHackloadConcert, HACKLOAD_EVENT_ID } from './modules/catalog/index.ts';
import { ensureDemoHalls } from './modules/rentals/index.ts';
import { ensureHackloadSeats } from './modules/sales/index.ts';
import type { Database } from './platform/db/database.ts';

/** A module's demo data. Seeders must be idempotent: `sbor seed` may run on a seeded database. */
export type Seeder = (database: Database, logger: Logger) => Promise<void>;

/** Each module that has demo data adds its seeder here, in dependency order. */
const seeders: Seeder[] = [
  async (database, logger) => {
    await ensureHackloadConcert(database.db);
    await ensureHackloadSeats(database.db, HACKLOAD_EVENT_ID);
    logger.info({ eventId: HACKLOAD_EVENT_ID, seats: 100_000 }, 'HackLoad concert ready');
  },
  async (database, logger) => {
    const halls = await ensureDemoHalls(database.db, await ensureDemoStudio(database.db));
    logger.info({ studio: DEMO_STUDIO_SLUG, halls }, 'demo photo studio ready');
  },
];

export async function seedDemoData(database: Database, logger: Logger): Promise<void> {
  for (const seeder of seeders) await seeder(database, logger);
  logger.info({ seeders: seeders.length }, 'demo data loaded');
}
