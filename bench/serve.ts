// The service under test, in its own process: the same composition root as `sbor serve`
// (startService), every role on, logging silent so log I/O is not part of what we measure.
//
//   node bench/serve.ts [--port 0] [--pool-size 20] (--database-url postgres://… | --data-dir DIR)
//
// Prints {"address": "..."} when listening; stops on SIGTERM or when stdin closes.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { startService } from '../src/main.ts';
import { announceAndServe } from './lib/child-side.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'pool-size': { type: 'string', default: '20' },
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
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
});
const service = await startService(config, { listen: true });
announceAndServe(service.address!, () => service.stop());
