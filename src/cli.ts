import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { ADMIN_USAGE, runAdminCommand } from './admin-command.ts';
import { runClusterCommand } from './cluster-command.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger, openConfiguredDatabase, startService } from './main.ts';
import { migrations } from './migrations.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { EventsImportError, importEvents } from './modules/catalog/index.ts';
import { importUsers, UsersImportError } from './modules/identity/index.ts';
import { startSandboxServer } from './modules/payments/index.ts';
import { startProviderSimulatorServer } from './modules/provider/index.ts';
import { migrateToLatest } from './platform/db/migrations.ts';
import { seedDemoData } from './seed.ts';

const USAGE = `Usage: sbor <command>

Commands:
  serve     start the service (the roles in ROLES; default all)
  migrate   apply pending database migrations and exit
  seed      apply migrations, load demo data, and exit
  import users <file>
            apply migrations, import the HackLoad users data set (users.csv or users.sql)
            into identity.users, print a summary, and exit; safe to run again
  import events <file>
            apply migrations, import a HackLoad events data set (events.json, events_archive.json
            or their .sql) into catalog.events, print a summary, and exit; safe to run again
            On PostgreSQL both load through COPY (IMPORT_COPY=off: batched inserts, as on PGlite)
  admin create <email> [--password-stdin] [--first-name <name>] [--surname <name>]
            apply migrations and create an account with the admin role; prints a generated
            password (alone on stdout, once) unless --password-stdin gives one
  admin promote <email>
            give an existing account the admin role
  admin demote <email> [--to user|organizer]
            take the admin role away (refused for the last active admin)
            On the embedded database, run admin commands while the server is stopped; on
            PostgreSQL a running server applies a role change within 2 s, to existing tokens too.
  openapi   print the OpenAPI document (/openapi.json) of this build and configuration as JSON,
            without a server: built on a throwaway in-memory database, nothing listens
  sandbox-gateway
            run the sandbox payment gateway as its own server on SANDBOX_PORT (HOST), with
            PAYMENT_TERMINAL_KEY, PAYMENT_PASSWORD, PAYMENT_WEBHOOK_SECRET and SANDBOX_DELAY_MS;
            point a service at it with PAYMENT_GATEWAY_URL=<printed url>/api/v1. Its test switches
            (/sandbox/faults) need SANDBOX_FAULTS=on and Basic PAYMENT_TERMINAL_KEY:PAYMENT_PASSWORD
  provider-simulator
            run the HackLoad event provider simulator (the Partner API, seeded with
            PROVIDER_SIM_LAYOUT places) as its own server on PROVIDER_SIM_PORT (HOST); point a
            service at it with PROVIDER_URL=<printed url>. Its switches (latency, error rate,
            outage, lag, reset) are under /simulator: a test tool, never expose it
  cluster [--api N] [--port P]
            run the local cluster on the machine's PostgreSQL (database sbor_cluster; admin URL in
            CLUSTER_POSTGRES_URL): nginx on P (default 8080) in front of N api processes (default
            2), a worker, two relays, a three-node NATS JetStream cluster, the sandbox gateway.
            Prints where each listens; Ctrl-C or SIGTERM stops everything it started

Configuration comes from the environment; see .env.example.`;

/** The pool the importers COPY through: PostgreSQL's, unless IMPORT_COPY=off (PGlite: none). */
function copyPoolFor(database: { engine: 'pglite' | 'postgres'; pool: pg.Pool }): pg.Pool | undefined {
  return database.engine === 'postgres' && process.env.IMPORT_COPY !== 'off' ? database.pool : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // `admin` and `cluster` read their own options (admin-command.ts); every other command takes only --help.
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    strict: args[0] !== 'admin' && args[0] !== 'cluster',
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0] ?? 'serve';
  if (command === 'admin' && values.help) {
    console.log(ADMIN_USAGE);
    return;
  }
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
    case 'import': {
      const [what, file, ...extra] = positionals.slice(1);
      if ((what !== 'users' && what !== 'events') || file === undefined || extra.length > 0) {
        console.error(`Usage: sbor import users <file.csv|file.sql>\n       sbor import events <file.json|file.sql>`);
        process.exitCode = 2;
        return;
      }
      try {
        if (!(await stat(file)).isFile()) throw new Error('not a regular file');
        await access(file, constants.R_OK);
      } catch (error) {
        console.error(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
        return;
      }
      if (what === 'events') {
        const database = await openConfiguredDatabase(config);
        try {
          await migrateToLatest(database, migrations);
          const summary = await importEvents(database.db, file, {
            copyPool: copyPoolFor(database),
            onProgress: (progress) =>
              process.stderr.write(
                `import events: ${progress.rowsRead.toLocaleString('en')} rows (${progress.rowsPerSecond.toLocaleString('en')} rows/s), ` +
                  `${progress.imported.toLocaleString('en')} imported, ${progress.skipped.toLocaleString('en')} skipped\n`,
              ),
            onSkip: (row) => logger.warn(row, 'row skipped'),
          });
          logger.info({ ...summary, engine: database.engine, file }, 'events imported');
          process.stderr.write(
            `Imported ${summary.imported} of ${summary.rowsRead} rows in ${(summary.durationMs / 1000).toFixed(1)} s ` +
              `(${summary.rowsPerSecond} rows/s; ${summary.published} published, ${summary.completed} completed); ` +
              `already present ${summary.existing}, skipped ${summary.skipped} (invalid ${summary.invalid}, id taken ${summary.idTaken}); ` +
              `peak RSS ${Math.round(summary.peakRssBytes / 1048576)} MiB\n`,
          );
        } catch (error) {
          if (!(error instanceof EventsImportError)) throw error;
          console.error(`Import failed: ${error.message}`);
          process.exitCode = 1;
        } finally {
          await database.close();
        }
        return;
      }
      const database = await openConfiguredDatabase(config);
      try {
        await migrateToLatest(database, migrations);
        const summary = await importUsers(database.db, file, {
          copyPool: copyPoolFor(database),
          onProgress: (progress) =>
            process.stderr.write(
              `import users: ${progress.rowsRead.toLocaleString('en')} rows (${progress.rowsPerSecond.toLocaleString('en')} rows/s), ` +
                `${progress.imported.toLocaleString('en')} imported, ${progress.skipped.toLocaleString('en')} skipped\n`,
            ),
          onSkip: (row) => logger.warn(row, 'row skipped'),
        });
        logger.info({ ...summary, engine: database.engine, file }, 'users imported');
        process.stderr.write(
          `Imported ${summary.imported} of ${summary.rowsRead} rows in ${(summary.durationMs / 1000).toFixed(1)} s ` +
            `(${summary.rowsPerSecond} rows/s); already present ${summary.existing}, skipped ${summary.skipped} ` +
            `(invalid ${summary.invalid}, email taken ${summary.emailTaken}, id taken ${summary.idTaken}); ` +
            `peak RSS ${Math.round(summary.peakRssBytes / 1048576)} MiB\n`,
        );
      } catch (error) {
        if (!(error instanceof UsersImportError)) throw error;
        console.error(`Import failed: ${error.message}`);
        process.exitCode = 1;
      } finally {
        await database.close();
      }
      return;
    }
    case 'admin':
      process.exitCode = await runAdminCommand(args.slice(1), config);
      return;
    case 'openapi':
      process.stdout.write(`${JSON.stringify(await buildOpenApiDocument(config), null, 2)}\n`);
      return;
    case 'cluster':
      await runClusterCommand(args.slice(1));
      return;
    case 'sandbox-gateway': {
      const sandbox = await startSandboxServer({
        port: config.sandboxPort,
        host: config.host,
        teamSlug: config.paymentTerminalKey,
        password: config.paymentPassword,
        webhookSecret: config.paymentWebhookSecret,
        delayMs: config.sandboxDelayMs,
        faults: config.sandboxFaults,
        logger,
      });
      logger.info({ url: sandbox.url, api: `${sandbox.url}/api/v1` }, 'sandbox gateway listening');
      const stop = () => {
        sandbox.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      return;
    }
    case 'provider-simulator': {
      const simulator = await startProviderSimulatorServer({
        port: config.providerSimPort,
        host: config.host,
        layout: config.providerSimLayout,
      });
      logger.info({ url: simulator.url, places: simulator.simulator.placeCount }, 'provider simulator listening');
      const stop = () => {
        simulator.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
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
