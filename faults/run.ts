// The fault suite: `npm run faults [-- --short] [-- --only api-kill]`. See docs/faults.md.
//
// Starts a private PostgreSQL and the local cluster on it, runs buyers through nginx while the
// scheduler injects every fault alone and then several together, lets the system settle, and
// checks the invariants against the database, the gateway and the mailbox. Exits 1 on any violation.
import { parseArgs } from 'node:util';
import { formatReport, runFaultSuite } from './suite.ts';

const HELP = `Usage: npm run faults [-- options]

  --short            CI's version: outages of seconds instead of a minute, 8 buyers (≈ 4 minutes)
  --only <fault>     inject only this fault, alone (repeatable): see docs/faults.md for the names
  --port <n>         first of the ports the cluster uses (default 18080; PostgreSQL on port + 70)
  --out <dir>        where the history (JSON lines) is written (default faults/results)`;

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    port: { type: 'string', default: '18080' },
    out: { type: 'string', default: 'faults/results' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const began = Date.now();
const report = await runFaultSuite({
  short: values.short,
  basePort: Number(values.port),
  outputDirectory: values.out,
  ...(values.only ? { only: values.only } : {}),
  log: (line) => process.stdout.write(`[${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}\n`),
});
process.stdout.write(`\n${formatReport(report)}\nWall time: ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
process.exit(report.violations === 0 ? 0 : 1);
