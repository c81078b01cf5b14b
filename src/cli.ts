import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger, openConfiguredDatabase, startService } from './main.ts';
import { migrations } from './migrations.ts';
import { migrateToLatest } from './platform/db/migrations.ts';
import { seedDemoData } from './seed.ts';

const USAGE = `Usage: sbor <command>

Commands:
  serve     start the service (the roles in ROLES; default all)
  migrate   apply pending database migrations and exit
  seed      apply migrations, load demo data, and exit

Configuration comes from the environment; see .env.example.`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const logger = createLogger(config);
  switch (command) {
    case 'serve': {
      const service = await startService(config, { logger });
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        const deadline = setTimeout(() => {
          logger.error('shutdown timed out; exiting');
          process.exit(1);
        }, config.shutdownTimeoutMs);
        deadline.unref();
        service.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
      return;
    }
    case 'migrate': {
      const database = await openConfiguredDatabase(config);
      try {
        const applied = await migrateToLatest(database, migrations);
        logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
      } finally {
        await database.close();
      }
      return;
    }
    case 'seed': {
      const database = await openConfiguredDatabase(config);
      try {
        await migrateToLatest(database, migrations);
        await seedDemoData(database, logger);
      } finally {
        await database.close();
      }
      return;
    }
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`Invalid configuration: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
