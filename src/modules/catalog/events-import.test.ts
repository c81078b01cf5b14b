import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseEngine, type TestDatabase } from '../../../test/support/database.ts';
import { startTestService, type TestService } from '../../../test/support/service.ts';
import { grantRole, signUp } from '../../../test/support/users.ts';
import type { CatalogTables } from './catalog.tables.ts';
import {
  ARCHIVE_FIRST_ID,
  generateEvent,
  generateEventsFile,
  HACKLOAD_DATE,
  SQL_INSERT_HEADER,
  type GeneratedEvent,
} from './events-generator.ts';
import { importEvents, type EventsImportSummary } from './events-import.ts';
import { searchEventsFuzzy } from './events.repository.ts';

const ARCHIVE_ROWS = 300;
const UPCOMING_ROWS = 60;
const SEED = 7;
const TODAY = new Date();
let database: TestDatabase;
let directory: string;
const files = { archiveJson: '', archiveSql: '', archiveLines: '', upcomingJson: '', upcomingSql: '' };

beforeAll(async () => {
  database = await createTestDatabase();
  directory = await mkdtemp(join(tmpdir(), 'sbor-events-import-'));
  files.archiveJson = join(directory, 'events_archive.json');
  files.archiveSql = join(directory, 'events_archive.sql');
  files.archiveLines = join(directory, 'events_archive.jsonl');
  files.upcomingJson = join(directory, 'events.json');
  files.upcomingSql = join(directory, 'events.sql');
  await generateEventsFile(files.archiveJson, { set: 'archive', rows: ARCHIVE_ROWS, format: 'json', seed: SEED });
  await generateEventsFile(files.archiveSql, { set: 'archive', rows: ARCHIVE_ROWS, format: 'sql', seed: SEED });
  await generateEventsFile(files.archiveLines, { set: 'archive', rows: ARCHIVE_ROWS, format: 'jsonl', seed: SEED });
  await generateEventsFile(files.upcomingJson, {
    set: 'upcoming',
    rows: UPCOMING_ROWS,
    format: 'json',
    seed: SEED,
    today: TODAY,
  });
  await generateEventsFile(files.upcomingSql, { set: 'upcoming', rows: UPCOMING_ROWS, format: 'sql', seed: SEED, today: TODAY });
});
afterAll(async () => {
  await database.close();
  await rm(directory, { recursive: true, force: true });
});
beforeEach(async () => {
  await sql`truncate catalog.events restart identity cascade`.execute(database.db);
});

function catalog() {
  return database.db.$extendTables<CatalogTables>();
}

async function allEvents() {
  return catalog()
    .selectFrom('catalog.events')
    .select(['id', 'title', 'description', 'type', 'timezone', 'starts_at', 'local_date', 'status', 'provider', 'organizer_id'])
    .orderBy('id')
    .execute();
}

async function writeFixture(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

/** The instant a naive Almaty wall-clock time is (UTC+6 until 2024-03-01, UTC+5 since). */
function almatyInstant(local: string): string {
  const offset = local < '2024-03-01' ? 6 : 5;
  return new Date(Date.parse(`${local}Z`) - offset * 3_600_000).toISOString();
}

function expectImportedAs(row: Awaited<ReturnType<typeof allEvents>>[number], expected: GeneratedEvent, status: string) {
  expect(row).toMatchObject({
    id: expected.id,
    title: expected.title,
    description: expected.description,
    type: expected.type === 'theater' ? 'stage' : expected.type,
    timezone: 'Asia/Almaty',
    local_date: expected.datetime_start.slice(0, 10),
    status,
    provider: expected.provider,
    organizer_id: null,
  });
  expect(row.starts_at.toISOString()).toBe(almatyInstant(expected.datetime_start));
}

describe('importing the HackLoad events', () => {
  it('imports the archive JSON array, keeping ids and every field, past events COMPLETED', async () => {
    const summary = await importEvents(database.db, files.archiveJson);
    expect(summary).toMatchObject({
      format: 'json',
      rowsRead: ARCHIVE_ROWS,
      imported: ARCHIVE_ROWS,
      completed: ARCHIVE_ROWS,
      published: 0,
      existing: 0,
      skipped: 0,
      maxId: ARCHIVE_FIRST_ID + ARCHIVE_ROWS - 1,
    });
    const rows = await allEvents();
    expect(rows.map((row) => row.id)).toEqual(Array.from({ length: ARCHIVE_ROWS }, (_, index) => ARCHIVE_FIRST_ID + index));
    for (const row of rows) expectImportedAs(row, generateEvent(row.id, { set: 'archive', seed: SEED }), 'COMPLETED');
    // The generator puts one row in a thousand (ids ending in 025) on the load test's date.
    expect(rows.find((row) => row.id === 100_025)?.local_date).toBe(HACKLOAD_DATE);
    expect(rows.some((row) => row.type === 'stage')).toBe(true);
  });

  it('imports the upcoming events PUBLISHED', async () => {
    const summary = await importEvents(database.db, files.upcomingJson);
    expect(summary).toMatchObject({ imported: UPCOMING_ROWS, published: UPCOMING_ROWS, completed: 0, maxId: UPCOMING_ROWS });
    for (const row of await allEvents())
      expectImportedAs(row, generateEvent(row.id, { set: 'upcoming', seed: SEED, today: TODAY }), 'PUBLISHED');
  });

  it('reads the same events from the SQL dump and from JSON lines as from the JSON array', async () => {
    await importEvents(database.db, files.archiveJson);
    await importEvents(database.db, files.upcomingJson);
    const fromJson = await allEvents();
    for (const file of [files.archiveSql, files.archiveLines]) {
      await sql`truncate catalog.events restart identity cascade`.execute(database.db);
      const summary = await importEvents(database.db, file, { chunkBytes: 1000 });
      expect(summary).toMatchObject({ rowsRead: ARCHIVE_ROWS, imported: ARCHIVE_ROWS, skipped: 0 });
      expect((await importEvents(database.db, files.upcomingSql)).imported).toBe(UPCOMING_ROWS);
      expect(await allEvents()).toEqual(fromJson);
    }
  });

  it('reads files in tiny chunks (objects, escapes and multi-byte letters split across reads)', async () => {
    const summary = await importEvents(database.db, files.archiveJson, { chunkBytes: 7, batchSize: 17 });
    expect(summary).toMatchObject({ rowsRead: ARCHIVE_ROWS, imported: ARCHIVE_ROWS, skipped: 0 });
    const rows = await allEvents();
    for (const row of rows) expectImportedAs(row, generateEvent(row.id, { set: 'archive', seed: SEED }), 'COMPLETED');
  });

  it('is idempotent: a re-import inserts nothing and changes nothing', async () => {
    await importEvents(database.db, files.archiveJson);
    const before = await allEvents();
    const again = await importEvents(database.db, files.archiveSql);
    expect(again).toMatchObject({ rowsRead: ARCHIVE_ROWS, imported: 0, existing: ARCHIVE_ROWS, skipped: 0, idTaken: 0 });
    expect(await allEvents()).toEqual(before);
  });

  it('moves the id sequence past the largest id, so new events do not collide', async () => {
    await importEvents(database.db, files.archiveJson);
    const created = await sql<{ id: number }>`
      insert into catalog.events (title, type, starts_at) values ('Новое', 'concert', now()) returning id`.execute(database.db);
    expect(created.rows[0]?.id).toBe(ARCHIVE_FIRST_ID + ARCHIVE_ROWS);
    // Importing lower ids later never moves it back.
    await importEvents(database.db, files.upcomingJson);
    const next = await sql<{ id: number }>`
      insert into catalog.events (title, type, starts_at) values ('Ещё', 'concert', now()) returning id`.execute(database.db);
    expect(next.rows[0]?.id).toBe(ARCHIVE_FIRST_ID + ARCHIVE_ROWS + 1);
  });

  it('skips and counts bad rows with their line numbers, importing the rest', async () => {
    // One object per line inside the array: object k is on line k + 2.
    const good = (id: number, overrides: Record<string, unknown> = {}) =>
      JSON.stringify({ ...generateEvent(id, { set: 'archive', seed: SEED }), id, ...overrides });
    const objects = [
      good(1),
      good(2, { id: -5 }),
      good(3, { title: '   ' }),
      good(4, { datetime_start: '2024-02-30T19:00:00' }),
      good(5, { datetime_start: 'yesterday' }),
      good(6, { type: 42 }),
      good(7, { timezone: 'Mars/Olympus' }),
      '{"id": 8, "title": "broken" "type": "film"}',
      good(9, { timezone: 'Europe/London', datetime_start: '2024-12-25T18:00:00' }),
      good(10, { datetime_start: '2024-12-25T18:00:00Z', type: 'Theater' }),
      good(11, { provider: null, description: null, type: 'circus' }),
    ];
    const path = await writeFixture('bad.json', `[\n${objects.join(',\n')}\n]`);
    const skipped: EventsImportSummary['firstSkipped'] = [];
    const summary = await importEvents(database.db, path, { onSkip: (row) => skipped.push(row) });
    expect(summary).toMatchObject({ rowsRead: 11, imported: 4, invalid: 7, skipped: 7 });
    expect(skipped.map((row) => row.eventId)).toEqual([undefined, 3, 4, 5, 6, 7, undefined]);
    expect(skipped.map((row) => row.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(skipped[0]?.reason).toMatch(/id must be a positive integer/);
    expect(skipped[6]?.reason).toMatch(/invalid JSON/);

    const rows = await allEvents();
    expect(rows.map((row) => row.id)).toEqual([1, 9, 10, 11]);
    const [, london, instant, circus] = rows;
    expect(london).toMatchObject({ timezone: 'Europe/London', local_date: '2024-12-25' });
    expect(london?.starts_at.toISOString()).toBe('2024-12-25T18:00:00.000Z');
    expect(instant).toMatchObject({ timezone: 'Asia/Almaty', local_date: '2024-12-25', type: 'stage' });
    expect(instant?.starts_at.toISOString()).toBe('2024-12-25T18:00:00.000Z');
    expect(circus).toMatchObject({ type: 'other', provider: null, description: '' });
  });

  it('skips SQL tuples that do not parse or have the wrong number of values, and other statements', async () => {
    const event = (id: number) => generateEvent(ARCHIVE_FIRST_ID + id, { set: 'archive', seed: SEED });
    const tuple = (e: GeneratedEvent) =>
      `(${e.id}, '${e.title.replaceAll("'", "''")}', 'It''s fine', '${e.type}', '${e.datetime_start}', '${e.provider}')`;
    const path = await writeFixture(
      'bad.sql',
      [
        'CREATE TABLE events_archive (id INTEGER PRIMARY KEY, title TEXT);',
        'BEGIN;',
        `${SQL_INSERT_HEADER}${tuple(event(0))},`,
        `(${ARCHIVE_FIRST_ID + 1}, 'only three', 'film'),`,
        `(${ARCHIVE_FIRST_ID + 2}, 'unterminated, 'film', '2020-01-01T19:00:00', 'X'),`,
        tuple(event(3)),
        ';',
        'COMMIT;',
        '',
      ].join('\n'),
    );
    const summary = await importEvents(database.db, path);
    expect(summary).toMatchObject({ format: 'sql', rowsRead: 4, imported: 2, invalid: 2 });
    expect(summary.firstSkipped.map((row) => row.line)).toEqual([5, 6]);
    const rows = await allEvents();
    expect(rows.map((row) => row.id)).toEqual([ARCHIVE_FIRST_ID, ARCHIVE_FIRST_ID + 3]);
    expect(rows[0]?.description).toBe("It's fine");
  });

  it('leaves an event an organizer holds under the same id alone, counting the row as idTaken', async () => {
    const organizer = await catalog()
      .insertInto('catalog.organizers')
      .values({ slug: 'held', name: 'Held' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`insert into catalog.events (id, organizer_id, title, type, starts_at, status)
              values (${ARCHIVE_FIRST_ID + 5}, ${organizer.id}, 'Своё событие', 'concert', now(), 'DRAFT')`.execute(database.db);
    const summary = await importEvents(database.db, files.archiveJson);
    expect(summary).toMatchObject({ imported: ARCHIVE_ROWS - 1, idTaken: 1, skipped: 1, existing: 0 });
    // json.dump's indent=2 layout: "[" then 8 lines per object.
    expect(summary.firstSkipped[0]).toMatchObject({ eventId: ARCHIVE_FIRST_ID + 5, line: 2 + 5 * 8 });
    const held = await catalog()
      .selectFrom('catalog.events')
      .selectAll()
      .where('id', '=', ARCHIVE_FIRST_ID + 5)
      .executeTakeFirst();
    expect(held).toMatchObject({ title: 'Своё событие', status: 'DRAFT', organizer_id: organizer.id });
  });

  it('refuses an unknown extension and an INSERT without the needed columns', async () => {
    await expect(importEvents(database.db, join(directory, 'events.csv'))).rejects.toThrow(/expected a \.json/);
    const path = await writeFixture('columns.sql', "INSERT INTO events_archive (id, name) VALUES\n(1, 'x');\n");
    await expect(importEvents(database.db, path)).rejects.toThrow(/lacks the column\(s\) title, type, datetime_start/);
  });
});

describe.runIf(testDatabaseEngine() === 'postgres')('importing the events through COPY (PostgreSQL)', () => {
  const viaCopy = (rebuildIndexesFromRows = 100_000) => ({ copyPool: database.pool, rebuildIndexesFromRows });
  async function indexNames(): Promise<string[]> {
    const { rows } = await database.pool.query<{ indexname: string }>(
      `select indexname from pg_indexes where schemaname = 'catalog' and tablename = 'events' order by indexname`,
    );
    return rows.map((row) => row.indexname);
  }

  it('stores exactly what the batched inserts store, from JSON and from the SQL dump', async () => {
    const path = await writeFixture(
      'escapes.jsonl',
      '{"id": 1, "title": "Tab\\there \\\\N", "description": "a\\\\b\\nc\\r\\n", "type": "stage", "datetime_start": "2030-01-02T19:00:00", "provider": null}\n',
    );
    for (const file of [files.archiveJson, files.upcomingSql, path]) {
      await sql`truncate catalog.events restart identity cascade`.execute(database.db);
      const batched = await importEvents(database.db, file);
      const expected = await allEvents();
      await sql`truncate catalog.events restart identity cascade`.execute(database.db);
      const copied = await importEvents(database.db, file, viaCopy());
      expect(copied).toMatchObject({ imported: batched.imported, published: batched.published, completed: batched.completed });
      expect(copied.copy?.staged).toBe(expected.length);
      expect(await allEvents()).toEqual(expected);
    }
    expect((await allEvents())[0]).toMatchObject({ title: 'Tab\there \\N', description: 'a\\b\nc\r\n' });
  });

  it('drops the secondary indexes for a load as large as the table and builds every one again', async () => {
    const before = await indexNames();
    expect(before).toContain('events_search_idx');
    const summary = await importEvents(database.db, files.archiveJson, viaCopy(1));
    expect(summary.copy?.rebuiltIndexes).toContain('catalog.events_search_time_idx');
    expect(summary.imported).toBe(ARCHIVE_ROWS);
    expect(await indexNames()).toEqual(before);
    const deferred = await database.pool.query(`select * from public.import_deferred_indexes`);
    expect(deferred.rowCount).toBe(0);
  });

  it('builds the indexes a crashed import left dropped before it loads anything', async () => {
    await importEvents(database.db, files.archiveJson, viaCopy(1));
    const definition = await database.pool.query<{ indexdef: string }>(
      `select indexdef from pg_indexes where schemaname = 'catalog' and indexname = 'events_title_trgm_idx'`,
    );
    // What a COPY import does before its insert, as if it had died right after.
    await database.pool.query(
      `insert into public.import_deferred_indexes values ('catalog.events', 'catalog.events_title_trgm_idx', $1)`,
      [definition.rows[0]!.indexdef],
    );
    await database.pool.query(`drop index catalog.events_title_trgm_idx`);
    await importEvents(database.db, files.upcomingJson, viaCopy());
    expect(await indexNames()).toContain('events_title_trgm_idx');
  });

  it('counts a re-import as existing and an organizer-held id as idTaken, with its line', async () => {
    await importEvents(database.db, files.archiveJson, viaCopy());
    const organizer = await catalog()
      .insertInto('catalog.organizers')
      .values({ slug: 'held-copy', name: 'Held' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`update catalog.events set organizer_id = ${organizer.id} where id = ${ARCHIVE_FIRST_ID + 5}`.execute(database.db);
    const again = await importEvents(database.db, files.archiveJson, viaCopy(1));
    expect(again).toMatchObject({ imported: 0, existing: ARCHIVE_ROWS - 1, idTaken: 1, skipped: 1 });
    expect(again.copy?.rebuiltIndexes).toEqual([]);
    expect(again.firstSkipped[0]).toMatchObject({ eventId: ARCHIVE_FIRST_ID + 5, line: 2 + 5 * 8 });
  });
});

describe('the typo fallback on a large catalog', () => {
  it('corrects misspelt words to the commonest lexemes and searches again; nothing when no word changes', async () => {
    await importEvents(database.db, files.archiveJson);
    const db = catalog();
    const filter = { when: 'all' as const, page: 1, pageSize: 20 };
    // As if the table were above the trigram scan's size (the statistics come from the import's ANALYZE).
    const corrected = await searchEventsFuzzy(db, { ...filter, query: 'красная шапчка' }, 0);
    expect(corrected.length).toBeGreaterThan(0);
    expect(corrected.every((event) => event.title.includes('Красная шапочка'))).toBe(true);
    expect(await searchEventsFuzzy(db, { ...filter, query: 'концерт чемпионат' }, 0)).toEqual([]);
    expect(await searchEventsFuzzy(db, { ...filter, query: 'qwzxv' }, 0)).toEqual([]);
  });
});

describe('imported events through GET /api/events', () => {
  let service: TestService;
  beforeAll(async () => {
    // Over real HTTP: repeated searches are answered by the edge cache, which app.inject would skip.
    service = await startTestService({ listen: true });
    await importEvents(service.database.db, files.archiveJson);
    await importEvents(service.database.db, files.upcomingJson);
  });
  afterAll(async () => {
    await service.stop();
  });

  const search = async (query: string) => {
    const response = await fetch(`${service.baseUrl}/api/events?${query}`);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text) as { id: number; title: string; local_date: string; status: string; starts_at: string }[];
  };
  const edgeHits = async () => {
    const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
    const hits = Number(/^http_edge_cache_hits_total (\d+)$/m.exec(metrics)?.[1]);
    expect(Number.isInteger(hits), 'http_edge_cache_hits_total in /metrics').toBe(true);
    return hits;
  };
  /** The headers that must be the same whoever answers: all but the date and the request id. */
  const sameHeaders = (response: Response) =>
    Object.fromEntries([...response.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'));
  const phrase = (text: string) => `query=${encodeURIComponent(text)}`;
  const serviceCatalog = () => service.database.db.$extendTables<CatalogTables>();

  it('lists the upcoming events by start time, 20 a page', async () => {
    const first = await search('page=1&pageSize=20');
    expect(first).toHaveLength(20);
    expect(first.every((event) => event.status === 'PUBLISHED' && event.id <= UPCOMING_ROWS)).toBe(true);
    const starts = first.map((event) => event.starts_at);
    expect(starts).toEqual([...starts].sort());
  });

  it('finds the HackLoad phrases in the archive, with and without the date', async () => {
    const archive = Array.from({ length: ARCHIVE_ROWS }, (_, index) =>
      generateEvent(ARCHIVE_FIRST_ID + index, { set: 'archive', seed: SEED }),
    );
    const cases: [string, (event: GeneratedEvent) => boolean][] = [
      ['Красная шапочка', (event) => event.title.includes('Красная шапочка')],
      ['Дмитрий Козлов', (event) => event.title.includes('Дмитрий Козлов')],
      ['азарт', (event) => event.description.includes('азарт')],
      ['Чемпионат', (event) => event.title.includes('Чемпионат')],
    ];
    for (const [text, matches] of cases) {
      const expected = archive.filter(matches).map((event) => event.id);
      expect(expected.length, text).toBeGreaterThan(0);
      const found = await search(`${phrase(text)}&when=past&pageSize=20`);
      expect(found.length, text).toBe(Math.min(20, expected.length));
      expect(expected, text).toEqual(expect.arrayContaining(found.map((event) => event.id)));
      const onDate = archive.filter((event) => matches(event) && event.datetime_start.startsWith(HACKLOAD_DATE)).map((e) => e.id);
      expect((await search(`${phrase(text)}&date=${HACKLOAD_DATE}`)).map((event) => event.id).sort(), text).toEqual(
        onDate.sort(),
      );
    }
    const concerts = await search(phrase('концерт'));
    expect(concerts.length).toBeGreaterThan(0);
    expect(concerts.every((event) => /концерт/i.test(event.title))).toBe(true);
  });

  it('pages through every match once, in the same order whatever the page size', async () => {
    const matches = await serviceCatalog()
      .selectFrom('catalog.events')
      .select('id')
      .where('status', 'in', ['PUBLISHED', 'COMPLETED'])
      .where(sql<boolean>`search_vector @@ websearch_to_tsquery('russian', 'концерт')`)
      .execute();
    const pages = [];
    for (let page = 1; page <= Math.ceil(matches.length / 7) + 1; page++)
      pages.push(await search(`${phrase('концерт')}&page=${page}&pageSize=7`));
    const ids = pages.flat().map((event) => event.id);
    expect(ids.length).toBe(matches.length);
    expect(new Set(ids)).toEqual(new Set(matches.map((match) => match.id)));
    const first = await search(`${phrase('концерт')}&page=1&pageSize=20`);
    expect(first.map((event) => event.id)).toEqual(ids.slice(0, 20));
  });

  it('repeats a search from the edge cache with the bytes and headers the app sent', async () => {
    const url = `${service.baseUrl}/api/events?${phrase('Красная шапочка')}&pageSize=19`;
    const hits = await edgeHits();
    const first = await fetch(url);
    const firstBody = Buffer.from(await first.arrayBuffer());
    expect(first.status).toBe(200);
    expect(await edgeHits()).toBe(hits);

    const again = await fetch(url, { headers: { 'x-request-id': 'edge-check' } });
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer())).toEqual(firstBody);
    expect(sameHeaders(again)).toEqual(sameHeaders(first));
    expect(again.headers.get('x-request-id')).toBe('edge-check');
    expect(await edgeHits()).toBe(hits + 1);

    // HEAD goes to Fastify, which answers without a body.
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(await edgeHits()).toBe(hits + 1);

    // Another spelling of the same search: the app answers it (from the search cache), same bytes.
    const respelled = await fetch(`${service.baseUrl}/api/events?${phrase('КРАСНАЯ  шапочка')}&pageSize=19`);
    expect(Buffer.from(await respelled.arrayBuffer())).toEqual(firstBody);
    expect(await edgeHits()).toBe(hits + 1);
  });

  it('answers a repeated search from the cache, and shows a change at once after invalidation', async () => {
    const owner = await signUp(service.app);
    await grantRole(service.database, owner.id, 'organizer');
    const created = await service.app.inject({
      method: 'POST',
      url: '/api/organizers',
      headers: owner.bearer,
      payload: { slug: 'cache-check', name: 'Cache check' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const organizer = await serviceCatalog()
      .selectFrom('catalog.organizers')
      .select('id')
      .where('slug', '=', 'cache-check')
      .executeTakeFirstOrThrow();
    const event = await serviceCatalog()
      .insertInto('catalog.events')
      .values({
        organizer_id: organizer.id,
        title: 'Фейерверк над озером',
        type: 'festival',
        starts_at: new Date(Date.now() + 86_400_000),
        status: 'PUBLISHED',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const ids = async (text: string) => (await search(phrase(text))).map((found) => found.id).sort();
    expect(await ids('фейерверк')).toEqual([event.id]);

    // Changed behind the service's back: the cached answer stays until its TTL…
    await sql`update catalog.events set title = 'Салют над озером' where id = ${event.id}`.execute(service.database.db);
    expect(await ids('фейерверк')).toEqual([event.id]);
    await sql`update catalog.events set title = 'Фейерверк над озером' where id = ${event.id}`.execute(service.database.db);

    // …but a change through the service drops it at once.
    expect(await ids('салют')).toEqual([]);
    const edited = await service.app.inject({
      method: 'PUT',
      url: `/api/events/${event.id}`,
      headers: owner.bearer,
      payload: { description: 'В финале будет салют' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(await ids('салют')).toEqual([event.id]);

    // An import in this process drops it too.
    const extra = await writeFixture(
      'extra.json',
      JSON.stringify([
        {
          id: 9_000_000,
          title: 'Фейерверк',
          description: '',
          type: 'festival',
          datetime_start: '2030-01-01T20:00:00',
          provider: 'X',
        },
      ]),
    );
    expect(await ids('фейерверк')).toEqual([event.id]);
    await importEvents(service.database.db, extra);
    expect(await ids('фейерверк')).toEqual([event.id, 9_000_000].sort());
  });
});
