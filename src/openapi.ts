import { pino } from 'pino';
import { ROLES, type Config } from './config.ts';
import { startService } from './main.ts';
import { openDatabase, openPglite } from './platform/db/database.ts';

/**
 * The OpenAPI document this build serves at /openapi.json, with no server running: the service is
 * composed as `sbor serve` composes it (the routes and their schemas are what the modules
 * register), on a throwaway in-memory PGlite that the modules' start-up reads need, and stopped
 * again. Nothing listens and nothing connects out — the configured database, NATS and roles are
 * set aside — so only what shapes the routes counts (PAYMENT_GATEWAY_URL: the sandbox's routes;
 * PUBLIC_URL: the server address).
 */
export async function buildOpenApiDocument(config: Config) {
  const pglite = await openPglite(undefined);
  const database = await openDatabase({ pglite });
  try {
    const service = await startService(
      { ...config, databaseUrl: undefined, natsUrl: undefined, roles: new Set(ROLES) },
      { database, logger: pino({ level: 'silent' }), listen: false },
    );
    try {
      return service.app.swagger();
    } finally {
      await service.stop();
    }
  } finally {
    await database.close();
    await pglite.close();
  }
}
