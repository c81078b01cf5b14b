// What bench/import-users.ts and bench/import-events.ts share: generating a data file once,
// timing `sbor import users|events FILE` as a process of its own, and a few small helpers.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { fail } from './args.ts';

const BIN = new URL('../../bin/sbor.js', import.meta.url).pathname;
const TIME = '/usr/bin/time';

/** What one timed import reports (the importer's summary, the process's time and peak RSS). */
export interface ImportRun {
  rowsRead: number;
  imported: number;
  existing: number;
  skipped: number;
  importSeconds: number;
  rowsPerSecond: number;
  processSeconds: number;
  peakRssMiB: number;
  /** The COPY path's phases, when the import took it (PostgreSQL). */
  copy?: { staged: number; copyMs: number; insertMs: number; indexMs?: number; rebuiltIndexes?: string[] };
}

/**
 * Generates `file` with `generate` unless it exists (it is kept for the next run); written under
 * another name first, so an interrupted run leaves no half file to be taken for a whole one.
 */
export async function ensureGenerated(file: string, what: string, generate: (path: string) => Promise<void>): Promise<void> {
  if (existsSync(file)) return;
  console.error(`generating ${what} into ${file} …`);
  const startedAt = performance.now();
  await generate(`${file}.partial`);
  await rename(`${file}.partial`, file);
  console.error(`generated in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}

/**
 * Runs `node bin/sbor.js import <kind> <file>` as its own process, under /usr/bin/time -v when
 * present, so the peak RSS is the importer's alone. `env` goes over this process's environment;
 * DATABASE_URL only when `env` has it (PGlite otherwise), NATS_URL never. The importer's stderr
 * (its progress) is echoed. Ends the bench when the import fails.
 */
export async function timeImportProcess(kind: 'users' | 'events', file: string, env: Record<string, string>): Promise<ImportRun> {
  const useTime = existsSync(TIME);
  const command = useTime ? TIME : process.execPath;
  const args = useTime ? ['-v', process.execPath, BIN, 'import', kind, file] : [BIN, 'import', kind, file];
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, LOG_LEVEL: 'info' };
  if (!('DATABASE_URL' in env)) delete childEnv.DATABASE_URL;
  delete childEnv.NATS_URL;
  const startedAt = performance.now();
  const child = spawn(command, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let summary: Record<string, unknown> | undefined;
  let maxRssKb: number | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg === `${kind} imported`) summary = entry;
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(line);
    if (rss) maxRssKb = Number(rss[1]);
    else if (!line.startsWith('\t')) console.error(`  ${line}`);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const processSeconds = (performance.now() - startedAt) / 1000;
  if (code !== 0 || !summary) fail(`the import of ${file} exited with ${code}`);
  const peakRssBytes = maxRssKb !== undefined ? maxRssKb * 1024 : Number(summary.peakRssBytes);
  return {
    rowsRead: Number(summary.rowsRead),
    imported: Number(summary.imported),
    existing: Number(summary.existing),
    skipped: Number(summary.skipped),
    importSeconds: round1(Number(summary.durationMs) / 1000),
    rowsPerSecond: Number(summary.rowsPerSecond),
    processSeconds: round1(processSeconds),
    peakRssMiB: Math.round(peakRssBytes / 1048576),
    ...(summary.copy ? { copy: summary.copy as NonNullable<ImportRun['copy']> } : {}),
  };
}

/** Runs one statement (create or drop database) on the server's admin database. */
export async function admin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
