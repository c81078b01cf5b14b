import { pino, type Logger } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { startService, type Service } from '../../src/main.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestService extends Service {
  testDatabase: TestDatabase;
  /** Base URL when started with `listen: true`. */
  baseUrl: string;
}

/**
 * The whole service on a fresh test database, exactly as `sbor serve` composes it. By default it
 * does not listen (use `app.inject`); pass `listen: true` for real sockets.
 */
export async function startTestService(
  options: { env?: Record<string, string>; listen?: boolean; logger?: Logger } = {},
): Promise<TestService> {
  const testDatabase = await createTestDatabase();
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    RELAY_INTERVAL_MS: '20',
    JOBS_INTERVAL_MS: '50',
    AUTH_RATE_LIMITS: 'off',
    // Tests race hundreds of selects as one user; the limit has its own test.
    SEAT_SELECT_RATE_LIMIT: 'off',
    // The embedded provider simulator's places (HackLoad's 100 × 1000 only where a test asks for it).
    PROVIDER_SIM_LAYOUT: '5x20',
    ...options.env,
  });
  const service = await startService(config, {
    database: testDatabase,
    logger: options.logger ?? pino({ level: 'silent' }),
    listen: options.listen ?? false,
  });
  return {
    ...service,
    testDatabase,
    baseUrl: service.address ?? '',
    async stop() {
      await service.stop();
      await testDatabase.close();
    },
  };
}
