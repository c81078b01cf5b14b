import { extname } from 'node:path';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type pg from 'pg';
import {
  BulkLoad,
  advanceIdSequence,
  notInserted,
  type BulkLoadSummary,
  type ImportOptions,
  type SkippedRows,
} from '../../platform/import/bulk-load.ts';
import { isCalendarDate } from '../../platform/import/calendar.ts';
import { CopyStaging, copyField, moveIntoTable, restoreDeferredIndexes } from '../../platform/import/copy-load.ts';
import { bareArray, quotedArray } from '../../platform/import/pg-arrays.ts';
import { columnName, sqlDumpRows } from '../../platform/import/sql-dump.ts';
import type { CatalogTables } from './catalog.tables.ts';
import { EVENT_TYPES } from './catalog.tables.ts';
import { invalidateSearchCaches } from './search-cache.ts';

/**
 * Imports the HackLoad events data sets (hackload-kz/data: events.json / events.sql, 10,000
 * upcoming events, and events_archive.json / events_archive.sql, 6,000,000 past ones) into
 * catalog.events, streaming, with the platform's bulk load (src/platform/import): the file is read
 * in chunks and parsed by hand, rows are validated one by one and inserted in batches with one
 * `insert … select from unnest(arrays) on conflict (id) do nothing` per batch, which PostgreSQL
 * and PGlite both run. Memory holds one chunk and at most
 * `concurrency + 1` batches whatever the file's size; reading waits for the database.
 *
 * - JSON: the scripts write one array (`json.dump(…, indent=2)`); one object per line (JSON lines)
 *   is read too. SQL: insert_events_from_json.py's `INSERT INTO events_archive (…) VALUES` with one
 *   tuple per line and `;` on a line of its own; other statements and comments are ignored.
 * - Ids are kept; afterwards the id sequence is moved past the largest id.
 * - `datetime_start` is naive (Python's isoformat of a naive datetime): the venue's local time,
 *   read in Asia/Almaty unless the row has a `timezone`; a time with an offset or Z is an instant.
 * - Status PUBLISHED for events starting from now on, COMPLETED for those that started before;
 *   organizer_id null; provider kept; type `theater` becomes `stage`, unknown types `other`.
 * - Re-running is safe (`on conflict (id) do nothing`): an event already there is left as it is and
 *   counted `existing`; an id held by a different event (one an organizer created) is `idTaken`.
 * - A row that does not validate is skipped and counted; the first few are reported with their
 *   line numbers. Only an unreadable file or an unknown extension stops the import.
 */

export type EventsFileFormat = 'json' | 'sql';

export interface SkippedEventRow {
  /** Line of the file the row starts on (1-based). */
  line: number;
  eventId: number | undefined;
  reason: string;
}

/** `skipped` = invalid + idTaken; `invalid`: rows that did not validate (id, title, type, date, JSON or SQL syntax). */
export interface EventsImportSummary extends BulkLoadSummary<SkippedEventRow> {
  format: EventsFileFormat;
  /** Rows inserted by this run. */
  imported: number;
  /** Of those, starting from now on (PUBLISHED) and already started (COMPLETED). */
  published: number;
  completed: number;
  /** Rows whose event (same id, imported, same title) was already there; left untouched. */
  existing: number;
  /** Rows whose id belongs to a different event (created by an organizer, or another title). */
  idTaken: number;
  /** The largest id in catalog.events afterwards (the sequence continues after it). */
  maxId: number | null;
  /** The COPY path's phases (with `copyPool` only): rows staged, and milliseconds of each step. */
  copy?: { staged: number; copyMs: number; insertMs: number; indexMs: number; rebuiltIndexes: string[] };
}

export interface EventsImportOptions extends ImportOptions<SkippedEventRow> {
  /**
   * Batches inserted at once (default 2). PostgreSQL computes each row's search vector and index
   * entries in the backend, so two connections use two cores; PGlite has one connection and
   * queues them (memory still bounded).
   */
  concurrency?: number;
  /**
   * Run VACUUM (ANALYZE) on catalog.events afterwards (default true): search plans and the search's
   * walk horizon need the statistics, and setting hint bits and the visibility map now spares the
   * first searches from writing pages (10 s for the 6M-row archive).
   */
  analyze?: boolean;
  /**
   * With `copyPool`: a load of at least this many rows (default 100,000), and at least as many as
   * the table holds, drops the table's plain secondary indexes and builds them after the insert.
   */
  rebuildIndexesFromRows?: number;
}

export class EventsImportError extends Error {
  override name = 'EventsImportError';
}

export const DEFAULT_EVENT_TIMEZONE = 'Asia/Almaty';

export function eventsFileFormat(filePath: string): EventsFileFormat {
  const extension = extname(filePath).toLowerCase();
  if (extension === '.json' || extension === '.jsonl' || extension === '.ndjson') return 'json';
  if (extension === '.sql') return 'sql';
  throw new EventsImportError(`Cannot tell the format of ${filePath}: expected a .json (or .jsonl) or .sql file`);
}

export async function importEvents(
  db: Kysely<object>,
  filePath: string,
  options: EventsImportOptions = {},
): Promise<EventsImportSummary> {
  const format = eventsFileFormat(filePath);
  const catalog = db.$extendTables<CatalogTables>();

  const counts = { imported: 0, published: 0, completed: 0, existing: 0, idTaken: 0 };

  const flush = async (batch: Batch, skipped: SkippedRows<SkippedEventRow>): Promise<void> => {
    const inserted = await catalog
      .insertInto('catalog.events')
      .columns(['id', 'title', 'description', 'type', 'timezone', 'starts_at', 'status', 'provider'])
      .expression(
        eventRowsFrom(
          sql`unnest(${bareArray(batch.ids)}::bigint[], ${quotedArray(batch.titles)}::text[],
                     ${quotedArray(batch.descriptions)}::text[], ${bareArray(batch.types)}::text[],
                     ${quotedArray(batch.zones)}::text[], ${bareArray(batch.starts)}::text[],
                     ${bareArray(batch.instants)}::boolean[], ${quotedArray(batch.providers)}::text[])
                as imported (id, title, description, type, zone, start, instant, provider)`,
        ),
      )
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returning(['id', 'status'])
      .execute();
    counts.imported += inserted.length;
    for (const row of inserted) {
      if (row.status === 'COMPLETED') counts.completed++;
      else counts.published++;
    }
    const missed = notInserted(batch.ids, inserted).map((position) => ({
      id: batch.ids[position] ?? 0,
      title: batch.titles[position] ?? '',
      line: batch.lines[position] ?? 0,
    }));
    if (missed.length === 0) return;

    // The others were there already: the same imported event (a re-import), or another one.
    const holders = await catalog
      .selectFrom('catalog.events')
      .select(['id', 'title', 'organizer_id'])
      .where('id', '=', sql<number>`any(${bareArray(missed.map((row) => row.id))}::bigint[])`)
      .execute();
    const holderById = new Map(holders.map((holder) => [holder.id, holder]));
    for (const { id, title, line } of missed) {
      const holder = holderById.get(id);
      if (holder && holder.organizer_id === null && holder.title === title) {
        counts.existing++;
      } else {
        counts.idTaken++;
        skipped.add({
          line,
          eventId: id,
          reason: holder
            ? `id ${id} is held by another event (${holder.organizer_id === null ? `titled ${JSON.stringify(holder.title)}` : `of organizer ${holder.organizer_id}`})`
            : `id ${id} was not inserted: a conflicting row changed during the import`,
        });
      }
    }
  };

  // PostgreSQL given a pool: COPY into a temporary table, one insert from it at the end.
  const copyPool = options.copyPool;
  // Indexes a crashed COPY import dropped are built before anything else.
  if (copyPool) await restoreDeferredIndexes(copyPool, 'catalog.events');
  const staging = copyPool ? await CopyStaging.open(copyPool, 'events_import_staging', STAGING_COLUMNS) : undefined;
  const copyFlush = async (batch: Batch): Promise<void> => {
    let lines = '';
    for (let row = 0; row < batch.ids.length; row++) {
      lines += `${batch.ids[row]}\t${copyField(batch.titles[row] ?? '')}\t${copyField(batch.descriptions[row] ?? '')}\t${batch.types[row]}\t${copyField(batch.zones[row] ?? null)}\t${batch.starts[row]}\t${batch.instants[row] ? 't' : 'f'}\t${copyField(batch.providers[row] ?? null)}\t${batch.lines[row]}\n`;
    }
    await staging?.write(lines);
  };

  const load = new BulkLoad(options, {
    // Up to `concurrency` batches are being inserted while the next is parsed; one COPY stream
    // takes its batches in order.
    concurrency: staging ? 1 : (options.concurrency ?? 2),
    rows: format === 'json' ? jsonRecords : sqlRecords,
    newBatch: () => new Batch(),
    addRow,
    flush: staging ? copyFlush : flush,
    counts: () => counts,
  });

  let maxId: number | null = null;
  let copyReport: EventsImportSummary['copy'];
  const summary = await load.run(filePath, async (failed, skipped) => {
    try {
      if (staging && copyPool) {
        try {
          if (!failed)
            copyReport = await moveStagedEvents(
              db,
              copyPool,
              staging,
              counts,
              skipped,
              options.rebuildIndexesFromRows ?? REBUILD_INDEXES_FROM_ROWS,
            );
        } finally {
          await staging.release();
        }
      }
      maxId = await advanceIdSequence(db, 'catalog.events');
      if (!failed && options.analyze !== false && counts.imported > 0) await sql`vacuum (analyze) catalog.events`.execute(db);
    } finally {
      // Searches cached in this process must see the new events (other processes: the cache's TTL).
      invalidateSearchCaches();
    }
  });

  return { format, ...counts, maxId, ...summary, ...(copyReport ? { copy: copyReport } : {}) };
}

/** The select that turns imported rows (from unnest arrays or the staging table) into events. */
function eventRowsFrom(source: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select id, title, description, type, timezone, starts_at,
                    case when starts_at < now() then 'COMPLETED' else 'PUBLISHED' end, provider
             from (select id, title, description, type, coalesce(zone, ${DEFAULT_EVENT_TIMEZONE}) as timezone,
                          case when instant then start::timestamptz
                               else start::timestamp at time zone coalesce(zone, ${DEFAULT_EVENT_TIMEZONE}) end as starts_at,
                          provider
                   from ${source}) as rows`;
}

const STAGING_COLUMNS = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'text' },
  { name: 'description', type: 'text' },
  { name: 'type', type: 'text' },
  { name: 'zone', type: 'text' },
  { name: 'start', type: 'text' },
  { name: 'instant', type: 'boolean' },
  { name: 'provider', type: 'text' },
  { name: 'line', type: 'integer' },
];

/**
 * The COPY path's insert runs on this many connections at once: the search vector (three
 * to_tsvector calls a row) is most of the server's time, and one statement uses one core.
 */
const COPY_INSERT_PARTS = 2;

/** A load this large, and at least as large as the table, rebuilds the secondary indexes. */
const REBUILD_INDEXES_FROM_ROWS = 100_000;

/**
 * The COPY path's end: classifies the staged rows that meet an existing id (the same imported
 * event: existing; another: idTaken, reported with its line), then moves the rest into
 * catalog.events in one statement (see copy-load.ts for the index rebuild).
 */
async function moveStagedEvents(
  db: Kysely<object>,
  pool: pg.Pool,
  staging: CopyStaging,
  counts: { imported: number; published: number; completed: number; existing: number; idTaken: number },
  skipped: SkippedRows<SkippedEventRow>,
  rebuildIndexesFromRows: number,
): Promise<NonNullable<EventsImportSummary['copy']>> {
  const copyStartedAt = performance.now();
  const staged = await staging.finish();
  const { table } = staging;
  const copyMs = Math.round(performance.now() - copyStartedAt);
  await pool.query(`analyze ${table}`);
  // Counted in the database (a re-import of 6M rows meets 6M ids); only the first few are read.
  const clashes = `from ${table} s join catalog.events e on e.id = s.id`;
  const same = `(e.organizer_id is null and e.title = s.title)`;
  const { rows: totals } = await pool.query<{ existing: string; id_taken: string }>(
    `select count(*) filter (where ${same}) as existing, count(*) filter (where not ${same}) as id_taken ${clashes}`,
  );
  const idTaken = Number(totals[0]?.id_taken ?? 0);
  counts.existing += Number(totals[0]?.existing ?? 0);
  counts.idTaken += idTaken;
  if (idTaken > 0) {
    const { rows: first } = await pool.query<{ line: number; id: string; title: string; organizer_id: string | null }>(
      `select s.line, s.id, e.title, e.organizer_id ${clashes} where not ${same} order by s.line limit 100`,
    );
    let reported = 0;
    for (const clash of first) {
      if (!skipped.wantsMore) break;
      reported++;
      skipped.add({
        line: clash.line,
        eventId: Number(clash.id),
        reason: `id ${clash.id} is held by another event (${clash.organizer_id === null ? `titled ${JSON.stringify(clash.title)}` : `of organizer ${clash.organizer_id}`})`,
      });
    }
    skipped.addUnreported(idTaken - reported);
  }
  const { rows: sizes } = await pool.query<{ rows: string }>(`select count(*) as rows from catalog.events`);
  // Rows that will be new: a re-import (all present) keeps its indexes.
  const fresh = staged - counts.existing - counts.idTaken;
  const rebuildIndexes = fresh >= rebuildIndexesFromRows && fresh >= Number(sizes[0]?.rows ?? 0);
  const moved = await moveIntoTable(
    pool,
    'catalog.events',
    { rebuildIndexes, parts: COPY_INSERT_PARTS },
    async (client, part, parts) => {
      // Compiled by Kysely (the same select as the batches'); each part takes its share of the ids.
      const statement = sql`with inserted as (
                            insert into catalog.events (id, title, description, type, timezone, starts_at, status, provider)
                            ${eventRowsFrom(sql.raw(`(select * from ${table} where id % ${parts} = ${part}) as imported`))}
                            on conflict (id) do nothing returning status)
                          select count(*) filter (where status = 'COMPLETED') as completed,
                                 count(*) filter (where status <> 'COMPLETED') as published
                          from inserted`.compile(db);
      const { rows } = await client.query<{ completed: string; published: string }>(statement.sql, [...statement.parameters]);
      return { completed: Number(rows[0]?.completed ?? 0), published: Number(rows[0]?.published ?? 0) };
    },
  );
  for (const result of moved.results) {
    counts.completed += result.completed;
    counts.published += result.published;
    counts.imported += result.completed + result.published;
  }
  return { staged, copyMs, insertMs: moved.insertMs, indexMs: moved.indexMs, rebuiltIndexes: moved.rebuiltIndexes };
}

/** Column-wise arrays of one batch: what the unnest insert takes, with no per-row objects. */
class Batch {
  ids: number[] = [];
  titles: string[] = [];
  descriptions: string[] = [];
  types: string[] = [];
  /** Null for the default zone. */
  zones: (string | null)[] = [];
  /** Local `YYYY-MM-DDTHH:MM:SS[.f]`, or an instant with its offset when `instants` says so. */
  starts: string[] = [];
  instants: boolean[] = [];
  providers: (string | null)[] = [];
  lines: number[] = [];
}

// ---------------------------------------------------------------------------------------------
// Validation

/** A record as read: the data set's fields by name, or why it could not be read at all. */
interface RawRecord {
  line: number;
  fields?: Record<string, unknown>;
  problem?: string;
}

const ID_PATTERN = /^\d{1,15}$/;
const DATETIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const KNOWN_TYPES = new Set<string>(EVENT_TYPES);
/** The archive's `theater` is what the catalog calls `stage`. */
const TYPE_ALIASES: Record<string, string> = { theater: 'stage', theatre: 'stage', movie: 'film', exposition: 'exhibition' };
const MAX_TITLE = 300;
const MAX_DESCRIPTION = 10_000;
const MAX_PROVIDER = 200;
/** Zones seen so far: their canonical name, or null when Intl does not know them. */
const zoneCache = new Map<string, string | null>();

function canonicalZone(zone: string): string | null {
  let known = zoneCache.get(zone);
  if (known === undefined) {
    try {
      known = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      known = null;
    }
    if (zoneCache.size < 1000) zoneCache.set(zone, known);
  }
  return known;
}

/** Years a start may be in: outside them the date is a typo, not an event. */
function isEventDate(year: number, month: number, day: number): boolean {
  return year >= 1900 && year <= 2200 && isCalendarDate(year, month, day);
}

/** A field's value for a message (JSON.stringify gives undefined for a missing one). */
function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Validates one record and appends it to the batch; returns why it was refused, if it was. */
function addRow(batch: Batch, record: RawRecord): SkippedEventRow | undefined {
  const { line, fields } = record;
  if (!fields) return { line, eventId: undefined, reason: record.problem ?? 'unreadable row' };
  const rawId = fields.id;
  const idText = typeof rawId === 'number' ? String(rawId) : text(rawId)?.trim();
  const id = idText !== undefined && ID_PATTERN.test(idText) ? Number(idText) : undefined;
  const refuse = (reason: string): SkippedEventRow => ({ line, eventId: id, reason });
  if (id === undefined || id < 1) return refuse(`id must be a positive integer, got ${shown(rawId)}`);

  const title = text(fields.title)?.trim() ?? '';
  if (title === '' || title.length > MAX_TITLE || title.includes('\0'))
    return refuse(`title must be 1 to ${MAX_TITLE} characters`);
  const rawDescription = fields.description ?? '';
  const description = text(rawDescription);
  if (description === undefined || description.length > MAX_DESCRIPTION || description.includes('\0'))
    return refuse(`description must be text of at most ${MAX_DESCRIPTION} characters`);
  const typeText = text(fields.type)?.trim().toLowerCase() ?? '';
  if (!/^[a-z][a-z_-]{0,39}$/.test(typeText)) return refuse(`invalid type ${shown(fields.type)}`);
  const type = KNOWN_TYPES.has(typeText) ? typeText : (TYPE_ALIASES[typeText] ?? 'other');
  const rawProvider = fields.provider ?? null;
  const provider = rawProvider === null ? null : text(rawProvider)?.trim();
  if (provider === undefined || (provider !== null && (provider.length > MAX_PROVIDER || provider.includes('\0'))))
    return refuse(`provider must be text of at most ${MAX_PROVIDER} characters`);

  let zone: string | null = null;
  const rawZone = fields.timezone ?? null;
  if (rawZone !== null) {
    const given = text(rawZone)?.trim() ?? '';
    const canonical = given === '' ? null : canonicalZone(given);
    if (canonical === null) return refuse(`unknown timezone ${JSON.stringify(rawZone)}`);
    zone = canonical === DEFAULT_EVENT_TIMEZONE ? null : canonical;
  }
  const start = text(fields.datetime_start)?.trim() ?? '';
  const match = DATETIME_PATTERN.exec(start);
  if (!match) return refuse(`datetime_start must be an ISO date and time, got ${shown(fields.datetime_start)}`);
  const [, year, month, day, hour, minute, second = '00', fraction = '', offset] = match;
  if (!isEventDate(Number(year), Number(month), Number(day)) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)
    return refuse(`datetime_start is not a calendar date and time: ${JSON.stringify(start)}`);

  batch.ids.push(id);
  batch.titles.push(title);
  batch.descriptions.push(description);
  batch.types.push(type);
  batch.zones.push(zone);
  const local = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}`;
  if (offset === undefined) {
    batch.starts.push(local);
    batch.instants.push(false);
  } else {
    batch.starts.push(`${local}${offset === 'Z' ? '+00' : offset}`);
    batch.instants.push(true);
  }
  batch.providers.push(provider);
  batch.lines.push(line);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Parsers. Each yields, per chunk read, the complete records found in it.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/**
 * The objects of a JSON array of objects (the scripts' `json.dump(events, indent=2)`) or of JSON
 * lines: a scanner finds each top-level object's text (strings and nesting respected) and
 * `JSON.parse` reads it. Text between objects other than `[`, `]`, `,` and white space is one
 * refused record per stretch.
 */
async function* jsonRecords(chunks: AsyncIterable<string>): AsyncGenerator<RawRecord[]> {
  const reader = new JsonObjectReader();
  for await (const chunk of chunks) {
    reader.push(chunk);
    const records = reader.take();
    if (records.length > 0) yield records;
  }
  reader.end();
  const records = reader.take();
  if (records.length > 0) yield records;
}

class JsonObjectReader {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The current object's text from earlier chunks. */
  private carried = '';
  private line = 1;
  private objectLine = 1;
  /** Inside a stretch of unexpected text between objects (reported once). */
  private inGarbage = false;
  private records: RawRecord[] = [];

  take(): RawRecord[] {
    const records = this.records;
    this.records = [];
    return records;
  }

  push(chunk: string): void {
    let start = this.depth > 0 ? 0 : -1;
    const length = chunk.length;
    for (let position = 0; position < length; position++) {
      const code = chunk.charCodeAt(position);
      if (code === LF) this.line++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (code === BACKSLASH) this.escaped = true;
        else if (code === QUOTE) this.inString = false;
        continue;
      }
      if (this.depth === 0) {
        if (code === OPEN_BRACE) {
          this.depth = 1;
          start = position;
          this.objectLine = this.line;
          this.inGarbage = false;
        } else if (
          code !== 0x20 &&
          code !== LF &&
          code !== CR &&
          code !== 0x09 &&
          code !== OPEN_BRACKET &&
          code !== CLOSE_BRACKET &&
          code !== COMMA
        ) {
          if (!this.inGarbage) this.records.push({ line: this.line, problem: 'not a JSON object' });
          this.inGarbage = true;
        }
        continue;
      }
      if (code === QUOTE) this.inString = true;
      else if (code === OPEN_BRACE || code === OPEN_BRACKET) this.depth++;
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          const objectText = this.carried + chunk.slice(start, position + 1);
          this.carried = '';
          this.records.push(parseObject(objectText, this.objectLine));
        }
      }
    }
    if (this.depth > 0) this.carried += chunk.slice(Math.max(start, 0));
  }

  end(): void {
    if (this.depth > 0) this.records.push({ line: this.objectLine, problem: 'unterminated JSON object at the end of the file' });
    this.depth = 0;
    this.carried = '';
  }
}

function parseObject(objectText: string, line: number): RawRecord {
  try {
    const value: unknown = JSON.parse(objectText);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return { line, fields: value as Record<string, unknown> };
    return { line, problem: 'not a JSON object' };
  } catch (error) {
    return { line, problem: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The column order of insert_events_from_json.py, for tuples that come without an INSERT header. */
const DEFAULT_COLUMNS = ['id', 'title', 'description', 'type', 'datetime_start', 'provider'];
const REQUIRED_COLUMNS = ['id', 'title', 'type', 'datetime_start'];

function columnsOf(list: string[], line: number): string[] {
  const columns = list.map(columnName);
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new EventsImportError(`The INSERT on line ${line} lacks the column(s) ${missing.join(', ')}`);
  return columns;
}

/**
 * insert_events_from_json.py's output: `-- comments`, then per batch `INSERT INTO events_archive
 * (id, title, description, type, datetime_start, provider) VALUES`, one tuple per line
 * (`(1, 'O''Neil', …),`), and `;` on its own line. Other statements are ignored; a line of tuples
 * that does not parse is one refused row.
 */
async function* sqlRecords(chunks: AsyncIterable<string>): AsyncGenerator<RawRecord[]> {
  let columns = DEFAULT_COLUMNS;
  const rows = sqlDumpRows(chunks, {
    onColumns: (list, line) => {
      columns = columnsOf(list, line);
    },
    bareToken: BARE_TOKEN,
  });
  for await (const chunk of rows) {
    const records: RawRecord[] = [];
    for (const row of chunk) {
      if ('problem' in row) {
        records.push(row);
        continue;
      }
      const { line, values } = row;
      if (values.length !== columns.length) {
        records.push({ line, problem: `expected ${columns.length} values, got ${values.length}` });
        continue;
      }
      const fields: Record<string, unknown> = {};
      columns.forEach((column, index) => {
        fields[column] = values[index];
      });
      records.push({ line, fields });
    }
    yield records;
  }
}

/** Unquoted values: the platform's numbers and words, and `:` too, so an unquoted date-time reads as one value. */
const BARE_TOKEN = /[A-Za-z0-9_.:+-]+/y;
