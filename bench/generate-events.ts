// Writes an events file shaped like the HackLoad data sets, deterministic for a seed (and, for the
// upcoming set, the reference day). See docs/catalog-search.md.
//
//   node bench/generate-events.ts --set archive --rows 6000000 --format json --out /tmp/events_archive.json
//   node bench/generate-events.ts --set upcoming --rows 10000 --format sql --out /tmp/events.sql
import { stat } from 'node:fs/promises';
import { fail, parseOptions } from './lib/args.ts';
import { generateEventsFile } from '../src/modules/catalog/index.ts';

const HELP = `Usage: node bench/generate-events.ts --set upcoming|archive --rows N --format json|jsonl|sql --out PATH
                                    [--seed S] [--first-id ID] [--today YYYY-MM-DD]

  upcoming: like events.json (ids from 1, starts 1–90 days after --today, default today)
  archive:  like events_archive.json (ids from 100000, starts in 2015–2024)
  json is the scripts' layout (one array, indent 2), jsonl one object per line, sql
  insert_events_from_json.py's 1000-row INSERTs.`;

const values = parseOptions(HELP, {
  set: { type: 'string' },
  rows: { type: 'string' },
  format: { type: 'string', default: 'json' },
  out: { type: 'string' },
  seed: { type: 'string', default: '42' },
  'first-id': { type: 'string' },
  today: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
});
const rows = Number(values.rows);
const seed = Number(values.seed);
const { set, format, out } = values;
const firstId = values['first-id'] === undefined ? undefined : Number(values['first-id']);
const today = values.today === undefined ? undefined : new Date(`${values.today}T00:00:00Z`);
if (
  !Number.isSafeInteger(rows) ||
  rows < 0 ||
  !Number.isSafeInteger(seed) ||
  (set !== 'upcoming' && set !== 'archive') ||
  (format !== 'json' && format !== 'jsonl' && format !== 'sql') ||
  !out ||
  (firstId !== undefined && (!Number.isSafeInteger(firstId) || firstId < 1)) ||
  (today !== undefined && Number.isNaN(today.getTime()))
)
  fail(HELP);
const startedAt = performance.now();
await generateEventsFile(out, {
  set,
  rows,
  format,
  seed,
  ...(firstId !== undefined ? { firstId } : {}),
  ...(today ? { today } : {}),
});
const seconds = (performance.now() - startedAt) / 1000;
const { size } = await stat(out);
console.error(`wrote ${rows} ${set} events to ${out} (${(size / 1048576).toFixed(1)} MiB) in ${seconds.toFixed(1)} s`);
