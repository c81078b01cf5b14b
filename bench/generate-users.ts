// Writes a users file shaped like the HackLoad data set (users.csv / users.sql), deterministic for
// a seed; user k's plain password is plainPasswordFor(k, seed) (also in the password_plain column).
//
//   node bench/generate-users.ts --rows 1000000 --format csv|sql --out users.csv [--seed 42]
import { stat } from 'node:fs/promises';
import { fail, parseOptions } from './lib/args.ts';
import { generateUsersFile } from '../src/modules/identity/index.ts';

const HELP = `Usage: node bench/generate-users.ts --rows N --format csv|sql --out PATH [--seed S]`;

const values = parseOptions(HELP, {
  rows: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  seed: { type: 'string', default: '42' },
  help: { type: 'boolean', short: 'h' },
});
const rows = Number(values.rows);
const seed = Number(values.seed);
const format = values.format;
if (
  !Number.isSafeInteger(rows) ||
  rows < 0 ||
  !Number.isSafeInteger(seed) ||
  (format !== 'csv' && format !== 'sql') ||
  !values.out
)
  fail(HELP);
const startedAt = performance.now();
await generateUsersFile(values.out, { rows, format, seed });
const seconds = (performance.now() - startedAt) / 1000;
const { size } = await stat(values.out);
console.error(`wrote ${rows} users to ${values.out} (${(size / 1048576).toFixed(1)} MiB) in ${seconds.toFixed(1)} s`);
