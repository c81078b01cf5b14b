// The service under test, in its own process: the same composition root as `sbor serve`
// (startService), every role on, logging silent so log I/O is not part of what we measure.
//
//   node bench/serve.ts [--port 0] [--pool-size 20] [--seed] (--database-url postgres://… | --data-dir DIR)
//
// --seed loads `sbor seed`'s demo data (event 1 with 100,000 seats) and sets event 1 back to all
// seats free, no bookings, so every round starts on the same hall whatever the last one took.
//
// Prints {"address": "..."} when listening; stops on SIGTERM or when stdin closes.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { startService } from '../src/main.ts';
import { seedDemoData } from '../src/seed.ts';
import { announceAndServe } from './lib/child-side.ts';
import { resetEvent1 } from './lib/fixtures.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'pool-size': { type: 'string', default: '20' },
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    seed: { type: 'boolean', default: false },
  },
});
if (!values['database-url'] && !values['data-dir']) throw new Error('serve.ts: give --database-url or --data-dir');

// Only what is given here, not process.env: a stray NATS_URL or ROLES in the shell must not change
// what is being measured.
const config = loadConfig({
  PORT: values.port,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  DATABASE_URL: values['database-url'],
  DATABASE_POOL_SIZE: values['pool-size'],
  DATA_DIR: values['data-dir'],
  // sales.seat-select drives a single user at thousands of selects per second to measure the
  // statement path; the per-user limit (a brake against bots) would answer 429 to nearly all.
  SEAT_SELECT_RATE_LIMIT: 'off',
});
const service = await startService(config, { listen: true });
if (values.seed) {
  await seedDemoData(service.database, service.logger);
  await resetEvent1(service.database.pool);
}
announceAndServe(service.address!, () => service.stop());
