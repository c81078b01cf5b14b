import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { CatalogTables } from './catalog.tables.ts';
import { EVENT_TYPES } from './catalog.tables.ts';
import { invalidateSearchCaches } from './search-cache.ts';

/**
 * Imports the HackLoad events data sets (hackload-kz/data: events.json / events.sql, 10,000
 * upcoming events, and events_archive.json / events_archive.sql, 6,000,000 past ones) into
 * catalog.events, streaming: the file is read in chunks and parsed by hand, rows are validated one
 * by one and inserted in batches with one `insert … select from unnest(arrays) on conflict (id) do
 * nothing` per batch, which PostgreSQL and PGlite both run. Memory holds one chunk and at most
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

export interface EventsImportProgress {
  /** Rows read so far (valid or not). */
  rowsRead: number;
  imported: number;
  existing: number;
  skipped: number;
  elapsedMs: number;
  rowsPerSecond: number;
}

export interface SkippedEventRow {
  /** Line of the file the row starts on (1-based). */
  line: number;
  eventId: number | undefined;
  reason: string;
}

export interface EventsImportSummary {
  format: EventsFileFormat;
  rowsRead: number;
  /** Rows inserted by this run. */
  imported: number;
  /** Of those, starting from now on (PUBLISHED) and already started (COMPLETED). */
  published: number;
  completed: number;
  /** Rows whose event (same id, imported, same title) was already there; left untouched. */
  existing: number;
  /** invalid + idTaken. */
  skipped: number;
  /** Rows that did not validate (id, title, type, date, JSON or SQL syntax). */
  invalid: number;
  /** Rows whose id belongs to a different event (created by an organizer, or another title). */
  idTaken: number;
  /** The first skipped rows (at most `maxReportedSkips`). */
  firstSkipped: SkippedEventRow[];
  /** The largest id in catalog.events afterwards (the sequence continues after it). */
  maxId: number | null;
  durationMs: number;
  rowsPerSecond: number;
  /** Peak resident set size of this process so far. */
  peakRssBytes: number;
}

export interface EventsImportOptions {
  /** Rows per insert statement (default 5000). */
  batchSize?: number;
  /**
   * Batches inserted at once (default 2). PostgreSQL computes each row's search vector and index
   * entries in the backend, so two connections use two cores; PGlite has one connection and
   * queues them (memory still bounded).
   */
  concurrency?: number;
  /** Called at most once per `progressIntervalMs` (default 1000) while importing. */
  onProgress?: (progress: EventsImportProgress) => void;
  progressIntervalMs?: number;
  /** Called for each of the first `maxReportedSkips` skipped rows, as they are found. */
  onSkip?: (row: SkippedEventRow) => void;
  /** How many skipped rows to report (default 10). */
  maxReportedSkips?: number;
  /** Bytes per read from the file (default 256 KiB); tests use tiny chunks to cross boundaries. */
  chunkBytes?: number;
  /**
   * Run VACUUM (ANALYZE) on catalog.events afterwards (default true): search plans and the search's
   * walk horizon need the statistics, and setting hint bits and the visibility map now spares the
   * first searches from writing pages (10 s for the 6M-row archive).
   */
  analyze?: boolean;
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
  const batchSize = options.batchSize ?? 5000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const concurrency = options.concurrency ?? 2;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  const progressIntervalMs = options.progressIntervalMs ?? 1000;
  const maxReportedSkips = options.maxReportedSkips ?? 10;
  const catalog = db.$extendTables<CatalogTables>();
  const startedAt = performance.now();

  const counts = { rowsRead: 0, imported: 0, published: 0, completed: 0, existing: 0, invalid: 0, idTaken: 0 };
  const firstSkipped: SkippedEventRow[] = [];
  const skip = (row: SkippedEventRow): void => {
    if (firstSkipped.length >= maxReportedSkips) return;
    firstSkipped.push(row);
    options.onSkip?.(row);
  };
  const skippedCount = () => counts.invalid + counts.idTaken;
  const elapsed = () => performance.now() - startedAt;
  const rate = () => Math.round(counts.rowsRead / Math.max(elapsed() / 1000, 0.001));
  let lastProgressAt = startedAt;
  const maybeReportProgress = (): void => {
    if (!options.onProgress) return;
    const now = performance.now();
    if (now - lastProgressAt < progressIntervalMs) return;
    lastProgressAt = now;
    options.onProgress({
      rowsRead: counts.rowsRead,
      imported: counts.imported,
      existing: counts.existing,
      skipped: skippedCount(),
      elapsedMs: Math.round(elapsed()),
      rowsPerSecond: rate(),
    });
  };

  const flush = async (batch: Batch): Promise<void> => {
    const inserted = await catalog
      .insertInto('catalog.events')
      .columns(['id', 'title', 'description', 'type', 'timezone', 'starts_at', 'status', 'provider'])
      .expression(
        sql`select id, title, description, type, timezone, starts_at,
                   case when starts_at < now() then 'COMPLETED' else 'PUBLISHED' end, provider
            from (select id, title, description, type, coalesce(zone, ${DEFAULT_EVENT_TIMEZONE}) as timezone,
                         case when instant then start::timestamptz
                              else start::timestamp at time zone coalesce(zone, ${DEFAULT_EVENT_TIMEZONE}) end as starts_at,
                         provider
                  from unnest(${bareArray(batch.ids)}::bigint[], ${quotedArray(batch.titles)}::text[],
                              ${quotedArray(batch.descriptions)}::text[], ${bareArray(batch.types)}::text[],
                              ${quotedArray(batch.zones)}::text[], ${bareArray(batch.starts)}::text[],
                              ${bareArray(batch.instants)}::boolean[], ${quotedArray(batch.providers)}::text[])
                    as imported (id, title, description, type, zone, start, instant, provider)) as rows`,
      )
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returning(['id', 'status'])
      .execute();
    counts.imported += inserted.length;
    for (const row of inserted) {
      if (row.status === 'COMPLETED') counts.completed++;
      else counts.published++;
    }
    if (inserted.length === batch.ids.length) return;

    // The others were there already: the same imported event (a re-import), or another one.
    const insertedIds = new Set(inserted.map((row) => row.id));
    const missed: { id: number; title: string; line: number }[] = [];
    batch.ids.forEach((id, position) => {
      if (!insertedIds.delete(id)) missed.push({ id, title: batch.titles[position] ?? '', line: batch.lines[position] ?? 0 });
    });
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
        skip({
          line,
          eventId: id,
          reason: holder
            ? `id ${id} is held by another event (${holder.organizer_id === null ? `titled ${JSON.stringify(holder.title)}` : `of organizer ${holder.organizer_id}`})`
            : `id ${id} was not inserted: a conflicting row changed during the import`,
        });
      }
    }
  };

  // Up to `concurrency` batches are being inserted while the next is parsed.
  const inFlight = new Set<Promise<void>>();
  let flushFailure: { error: unknown } | undefined;
  const submit = async (batch: Batch): Promise<void> => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (flushFailure) throw flushFailure.error as Error;
    const pending: Promise<void> = flush(batch).then(
      () => {
        inFlight.delete(pending);
      },
      (error: unknown) => {
        inFlight.delete(pending);
        flushFailure ??= { error };
      },
    );
    inFlight.add(pending);
  };
  const drain = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.race(inFlight);
  };

  let batch = new Batch();
  const accept = async (record: RawRecord): Promise<void> => {
    counts.rowsRead++;
    const problem = addRow(batch, record);
    if (problem) {
      counts.invalid++;
      skip(problem);
    }
    if (batch.ids.length >= batchSize) {
      const full = batch;
      batch = new Batch();
      await submit(full);
      maybeReportProgress();
    }
  };

  const stream = createReadStream(filePath, { encoding: 'utf8', highWaterMark: options.chunkBytes ?? 256 * 1024 });
  let failure: unknown;
  try {
    const records = format === 'json' ? jsonRecords(stream) : sqlRecords(stream);
    for await (const chunk of records) {
      for (const record of chunk) await accept(record);
    }
    if (batch.ids.length > 0) await submit(batch);
    await drain();
    if (flushFailure) throw flushFailure.error as Error;
  } catch (error) {
    failure = error;
    stream.destroy();
    await drain();
  }
  // Even after a failure part of the file may be in: move the sequence past what is there.
  let maxId: number | null = null;
  try {
    maxId = await advanceEventIdSequence(db);
    if (failure === undefined && options.analyze !== false && counts.imported > 0)
      await sql`vacuum (analyze) catalog.events`.execute(db);
  } catch (error) {
    failure ??= error;
  }
  // Searches cached in this process must see the new events (other processes: the cache's TTL).
  invalidateSearchCaches();
  if (failure !== undefined) throw failure as Error;

  return {
    format,
    ...counts,
    skipped: skippedCount(),
    firstSkipped,
    maxId,
    durationMs: Math.round(elapsed()),
    rowsPerSecond: rate(),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/**
 * Moves catalog.events' id sequence past the largest id (never backwards), so the next event an
 * organizer creates gets max + 1. Returns the largest id (null for an empty table).
 */
export async function advanceEventIdSequence(db: Kysely<object>): Promise<number | null> {
  const result = await sql<{ max_id: number | null }>`
    select max_id, case when max_id is not null then
             setval(seq, greatest(max_id, coalesce(pg_sequence_last_value(seq), 0))) end as value
    from (select pg_get_serial_sequence('catalog.events', 'id')::regclass as seq,
                 (select max(id) from catalog.events) as max_id) as current`.execute(db);
  return result.rows[0]?.max_id ?? null;
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

/** PostgreSQL array literal of values that need no quoting (integers, booleans, checked words and timestamps). */
function bareArray(values: readonly (string | number | boolean)[]): string {
  return `{${values.map((value) => (value === true ? 't' : value === false ? 'f' : String(value))).join(',')}}`;
}

/** Any text: each element double-quoted, with `\` and `"` escaped by a backslash. */
function quotedArray(values: readonly (string | null)[]): string {
  return `{${values.map((value) => (value === null ? 'NULL' : `"${ESCAPED_IN_ARRAY.test(value) ? value.replace(/["\\]/g, '\\$&') : value}"`)).join(',')}}`;
}

const ESCAPED_IN_ARRAY = /["\\]/;

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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));
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
  if (
    !isCalendarDate(Number(year), Number(month), Number(day)) ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  )
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

function withoutBom(chunk: string, first: boolean): string {
  return first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
}

/**
 * The objects of a JSON array of objects (the scripts' `json.dump(events, indent=2)`) or of JSON
 * lines: a scanner finds each top-level object's text (strings and nesting respected) and
 * `JSON.parse` reads it. Text between objects other than `[`, `]`, `,` and white space is one
 * refused record per stretch.
 */
async function* jsonRecords(stream: AsyncIterable<string | Buffer>): AsyncGenerator<RawRecord[]> {
  const reader = new JsonObjectReader();
  let first = true;
  for await (const piece of stream) {
    reader.push(withoutBom(typeof piece === 'string' ? piece : piece.toString('utf8'), first));
    first = false;
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
const INSERT_PATTERN = /^\s*insert\s+into\s+[^(]+\(([^)]*)\)\s*values\s*(.*)$/is;

function columnsOf(list: string, line: number): string[] {
  const columns = list.split(',').map((column) =>
    column
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase(),
  );
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
async function* sqlRecords(stream: AsyncIterable<string | Buffer>): AsyncGenerator<RawRecord[]> {
  let columns = DEFAULT_COLUMNS;
  let insideValues = false;
  let sawInsert = false;
  for await (const lines of splitLines(stream)) {
    const records: RawRecord[] = [];
    for (const [lineText, line] of lines) {
      let tuples = lineText;
      const insert = /^\s*insert\s/i.test(lineText) ? INSERT_PATTERN.exec(lineText) : null;
      if (insert) {
        const [, list = '', rest = ''] = insert;
        columns = columnsOf(list, line);
        sawInsert = true;
        insideValues = true;
        tuples = rest;
      } else if (!insideValues && (sawInsert || !/^\s*\(/.test(lineText))) {
        continue;
      }
      const trimmed = tuples.trim();
      if (trimmed === '' || trimmed.startsWith('--')) continue;
      if (trimmed === ';') {
        insideValues = false;
        continue;
      }
      const parsed = parseTuples(tuples);
      if (parsed === undefined) {
        records.push({ line, problem: 'not a list of value tuples' });
        if (/;\s*$/.test(tuples)) insideValues = false;
        continue;
      }
      for (const values of parsed.tuples) {
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
      if (parsed.ended) insideValues = false;
    }
    if (records.length > 0) yield records;
  }
}

/** Lines of the stream with their 1-based numbers, one array per chunk; `\r\n` or `\n`. */
async function* splitLines(stream: AsyncIterable<string | Buffer>): AsyncGenerator<[string, number][]> {
  let rest = '';
  let line = 0;
  let first = true;
  for await (const piece of stream) {
    const chunk = withoutBom(typeof piece === 'string' ? piece : piece.toString('utf8'), first);
    first = false;
    const lines: [string, number][] = [];
    let start = 0;
    let end = chunk.indexOf('\n');
    while (end >= 0) {
      const lineText = rest + chunk.slice(start, end);
      rest = '';
      lines.push([lineText.endsWith('\r') ? lineText.slice(0, -1) : lineText, ++line]);
      start = end + 1;
      end = chunk.indexOf('\n', start);
    }
    rest += chunk.slice(start);
    if (lines.length > 0) yield lines;
  }
  if (rest !== '') yield [[rest.endsWith('\r') ? rest.slice(0, -1) : rest, line + 1]];
}

const BARE_TOKEN = /[A-Za-z0-9_.:+-]+/y;

/**
 * Parses `(v, …), (v, …)` up to the end of the line or a `;`. Values: '…' strings with '' for a
 * quote, NULL (null), and bare tokens (numbers) as their text. Undefined when the text is not a
 * list of tuples.
 */
function parseTuples(line: string): { tuples: (string | null)[][]; ended: boolean } | undefined {
  const tuples: (string | null)[][] = [];
  let position = skipSpace(line, 0);
  while (position < line.length) {
    if (line.charCodeAt(position) !== 0x28 /* ( */) return undefined;
    position++;
    const values: (string | null)[] = [];
    for (;;) {
      position = skipSpace(line, position);
      if (line.charCodeAt(position) === 0x27 /* ' */) {
        let value = '';
        let from = position + 1;
        for (;;) {
          const quote = line.indexOf("'", from);
          if (quote < 0) return undefined;
          value += line.slice(from, quote);
          if (line.charCodeAt(quote + 1) === 0x27) {
            value += "'";
            from = quote + 2;
          } else {
            position = quote + 1;
            break;
          }
        }
        values.push(value);
      } else {
        BARE_TOKEN.lastIndex = position;
        const match = BARE_TOKEN.exec(line);
        if (!match) return undefined;
        position += match[0].length;
        values.push(match[0].toUpperCase() === 'NULL' ? null : match[0]);
      }
      position = skipSpace(line, position);
      const separator = line.charCodeAt(position);
      position++;
      if (separator === COMMA) continue;
      if (separator === 0x29 /* ) */) break;
      return undefined;
    }
    tuples.push(values);
    position = skipSpace(line, position);
    const after = line.charCodeAt(position);
    if (after === COMMA) {
      position = skipSpace(line, position + 1);
    } else if (after === 0x3b /* ; */) {
      return skipSpace(line, position + 1) === line.length ? { tuples, ended: true } : undefined;
    } else if (position < line.length) {
      return undefined;
    }
  }
  return { tuples, ended: false };
}

function skipSpace(line: string, from: number): number {
  let position = from;
  while (position < line.length) {
    const code = line.charCodeAt(position);
    if (code !== 0x20 && code !== 0x09 && code !== CR && code !== LF) break;
    position++;
  }
  return position;
}
