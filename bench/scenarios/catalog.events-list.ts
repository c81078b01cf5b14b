import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { generateEventsFile, importEvents } from '../../src/modules/catalog/index.ts';
import { BARE_FASTIFY_EVENTS_PAGE } from '../lib/report.ts';
import type { Scenario, ServiceContext } from '../lib/scenario.ts';

// The HackLoad load test's event searches (see docs/catalog-search.md): the list, and six phrases
// with and without its date. This file also holds what the other catalog.search-* scenarios share.
//
// Data: on PostgreSQL the setup imports HackLoad-shaped events into the bench database once (kept
// across rounds): 10,000 upcoming ones and BENCH_CATALOG_ARCHIVE_ROWS past ones (default 100,000;
// 6000000 for the full archive, which takes 10–15 minutes), from files generated into the temp
// directory and kept for the next run (the same files bench/import-events.ts uses). On PGlite the
// service owns its data directory, so there is nothing to import into: the searches then run over
// an empty catalog (the cached path is the same, the responses are empty).

const ARCHIVE_ROWS = Number(process.env.BENCH_CATALOG_ARCHIVE_ROWS ?? 100_000);
const UPCOMING_ROWS = 10_000;
const ARCHIVE_FIRST_ID = 100_000;
export const HACKLOAD_DATE = '2024-12-25';
let warned = false;

async function generated(set: 'archive' | 'upcoming', rows: number): Promise<string> {
  const suffix = set === 'archive' ? `${rows}` : `${rows}-${new Date().toISOString().slice(0, 10)}`;
  const file = join(tmpdir(), `sbor-events-${set}-${suffix}.json`);
  if (!existsSync(file)) {
    process.stderr.write(`catalog: generating ${rows} ${set} events into ${file}\n`);
    await generateEventsFile(`${file}.partial`, { set, rows, format: 'json' });
    await rename(`${file}.partial`, file);
  }
  return file;
}

/** Imports the events the searches need into the service's database, unless they are there. */
export async function ensureCatalogData({ database }: ServiceContext): Promise<void> {
  if (!database) {
    if (!warned) process.stderr.write('catalog: PGlite bench, no events imported: the searches run over an empty catalog\n');
    warned = true;
    return;
  }
  const present = async (id: number) =>
    (await sql<{ found: boolean }>`select exists (select 1 from catalog.events where id = ${id}) as found`.execute(database.db))
      .rows[0]?.found === true;
  const wanted: ['archive' | 'upcoming', number, number][] = [
    ['archive', ARCHIVE_ROWS, ARCHIVE_FIRST_ID + ARCHIVE_ROWS - 1],
    ['upcoming', UPCOMING_ROWS, UPCOMING_ROWS],
  ];
  for (const [set, rows, lastId] of wanted) {
    if (rows <= 0 || (await present(lastId))) continue;
    const file = await generated(set, rows);
    const startedAt = performance.now();
    const summary = await importEvents(database.db, file);
    process.stderr.write(
      `catalog: imported ${summary.imported} ${set} events in ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`,
    );
  }
}

/** GET /api/events as the HackLoad load test sends it. */
export function searchScenario(name: string, query: string | undefined, date?: string): Scenario {
  const params = new URLSearchParams({ ...(query ? { query } : {}), ...(date ? { date } : {}), page: '1', pageSize: '20' });
  const what = query ? `query=${query}${date ? ` date=${date}` : ''} ` : '';
  return {
    name,
    description: `GET /api/events ${what}page=1 pageSize=20 (HackLoad), from the search cache after the first request.`,
    request: { path: `/api/events?${params.toString()}` },
    setup: ensureCatalogData,
    // A page of 20 events weighs ~4 KB: bare Fastify sending that much is the fair ceiling too.
    compareTo: BARE_FASTIFY_EVENTS_PAGE,
  };
}

export default searchScenario('catalog.events-list', undefined);
