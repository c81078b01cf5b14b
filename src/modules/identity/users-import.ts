import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { IdentityTables } from './identity.tables.ts';

/**
 * Imports the HackLoad users data set (users.csv or users.sql from hackload-kz/data) into
 * identity.users, streaming: the file is read in chunks, parsed by hand (CSV with RFC 4180
 * quoting; SQL INSERT tuples with '' escaping), validated row by row and inserted in batches with
 * one `insert … select from unnest(arrays)` per batch, which PostgreSQL and PGlite both run.
 * Memory holds one chunk and at most two batches whatever the file's size; reading waits for the
 * database (the next chunk is read only when the current batch has been handed over).
 *
 * - Ids are kept (user_id → id); afterwards the identity sequence is moved past the largest id.
 * - password_plain is never stored: the parsers skip that column without making a string of it.
 * - Re-running is safe: `on conflict do nothing`. A user already present (same id) is left as it
 *   is (a re-import must not undo a password upgraded to argon2id or a profile edited since), and
 *   a row whose id or email belongs to a different user is skipped and counted, never an error.
 * - A row that does not validate is skipped and counted; the first few are reported with their
 *   line numbers. Only an unreadable file or a missing column stops the import.
 */

export type UsersFileFormat = 'csv' | 'sql';

export interface ImportProgress {
  /** Data rows read so far (valid or not). */
  rowsRead: number;
  imported: number;
  existing: number;
  skipped: number;
  elapsedMs: number;
  /** Rows read per second since the start. */
  rowsPerSecond: number;
}

export interface SkippedRow {
  /** Line of the file the row starts on (1-based). */
  line: number;
  userId: number | undefined;
  reason: string;
}

export interface ImportSummary {
  format: UsersFileFormat;
  rowsRead: number;
  /** Rows inserted by this run. */
  imported: number;
  /** Rows whose user (same id and email) was already present; left untouched. */
  existing: number;
  /** invalid + emailTaken + idTaken + otherConflicts. */
  skipped: number;
  /** Rows that did not validate (bad email, hash, id, date, flag, field count…). */
  invalid: number;
  /** Rows whose email belongs to a different user. */
  emailTaken: number;
  /** Rows whose id belongs to a user with another email. */
  idTaken: number;
  /** Rows not inserted for a conflict that could not be attributed (a concurrent change). */
  otherConflicts: number;
  /** The first skipped rows (at most `maxReportedSkips`), in file order per batch. */
  firstSkipped: SkippedRow[];
  /** The largest id in identity.users after the import (the sequence continues after it). */
  maxId: number | null;
  durationMs: number;
  rowsPerSecond: number;
  /** Peak resident set size of this process so far. */
  peakRssBytes: number;
}

export interface ImportOptions {
  /** Rows per insert statement (default 5000). */
  batchSize?: number;
  /** Called at most once per `progressIntervalMs` (default 1000) while importing. */
  onProgress?: (progress: ImportProgress) => void;
  progressIntervalMs?: number;
  /** Called for each of the first `maxReportedSkips` skipped rows, as they are found. */
  onSkip?: (row: SkippedRow) => void;
  /** How many skipped rows to report (default 10). */
  maxReportedSkips?: number;
  /** Bytes per read from the file (default 256 KiB); tests use tiny chunks to cross boundaries. */
  chunkBytes?: number;
}

/** The data set's columns; password_plain is recognised only to be skipped. */
const REQUIRED_COLUMNS = ['user_id', 'email', 'password_hash', 'first_name', 'surname', 'registered_at', 'is_active'] as const;
const OPTIONAL_COLUMNS = ['birthday', 'last_logged_in'] as const;
const PLAIN_PASSWORD_COLUMN = 'password_plain';
/** The column order of generate_ticket_users.py, for SQL tuples that come without an INSERT header. */
const DEFAULT_COLUMNS = [
  'user_id',
  'email',
  'password_hash',
  PLAIN_PASSWORD_COLUMN,
  'first_name',
  'surname',
  'birthday',
  'registered_at',
  'is_active',
  'last_logged_in',
];

type ColumnName = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

/** Where each column is in a record; -1 for an optional column the file lacks. */
interface Layout {
  index: Record<ColumnName, number>;
  /** Index of password_plain (-1 when absent): the parsers do not materialise it. */
  skip: number;
  width: number;
}

/** A raw record: field values by position (null for SQL NULL or a skipped column). */
type Fields = (string | null)[];

/** A record with the line it starts on; a string instead of fields says why the line did not parse. */
type RawRecord = [Fields | string, number];

export class UsersImportError extends Error {
  override name = 'UsersImportError';
}

export function usersFileFormat(filePath: string): UsersFileFormat {
  const extension = extname(filePath).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.sql') return 'sql';
  throw new UsersImportError(`Cannot tell the format of ${filePath}: expected a .csv or .sql file`);
}

export async function importUsers(db: Kysely<object>, filePath: string, options: ImportOptions = {}): Promise<ImportSummary> {
  const format = usersFileFormat(filePath);
  const batchSize = options.batchSize ?? 5000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer`);
  const progressIntervalMs = options.progressIntervalMs ?? 1000;
  const maxReportedSkips = options.maxReportedSkips ?? 10;
  const users = db.$extendTables<IdentityTables>();
  const startedAt = performance.now();

  const counts = { rowsRead: 0, imported: 0, existing: 0, invalid: 0, emailTaken: 0, idTaken: 0, otherConflicts: 0 };
  const firstSkipped: SkippedRow[] = [];
  const skip = (row: SkippedRow): void => {
    if (firstSkipped.length >= maxReportedSkips) return;
    firstSkipped.push(row);
    options.onSkip?.(row);
  };
  const skippedCount = () => counts.invalid + counts.emailTaken + counts.idTaken + counts.otherConflicts;
  const elapsed = () => performance.now() - startedAt;
  const rate = () => Math.round(counts.rowsRead / Math.max(elapsed() / 1000, 0.001));
  let lastProgressAt = startedAt;
  const maybeReportProgress = (): void => {
    if (!options.onProgress) return;
    const now = performance.now();
    if (now - lastProgressAt < progressIntervalMs) return;
    lastProgressAt = now;
    options.onProgress({ ...counts, skipped: skippedCount(), elapsedMs: Math.round(elapsed()), rowsPerSecond: rate() });
  };

  const flush = async (batch: Batch): Promise<void> => {
    const inserted = await users
      .insertInto('identity.users')
      .columns([
        'id',
        'email',
        'password_hash',
        'password_scheme',
        'first_name',
        'surname',
        'birthday',
        'created_at',
        'is_active',
        'last_login_at',
      ])
      .expression(
        sql`select id, email, password_hash, 'sha256-legacy', first_name, surname, birthday, created_at, is_active, last_login_at
            from unnest(${bareArray(batch.ids)}::bigint[], ${quotedArray(batch.emails)}::text[],
                        ${bareArray(batch.hashes)}::text[], ${quotedArray(batch.firstNames)}::text[],
                        ${quotedArray(batch.surnames)}::text[], ${bareArray(batch.birthdays)}::date[],
                        ${quotedArray(batch.createdAts)}::timestamptz[], ${bareArray(batch.actives)}::boolean[],
                        ${quotedArray(batch.lastLogins)}::timestamptz[])
              as imported (id, email, password_hash, first_name, surname, birthday, created_at, is_active, last_login_at)`,
      )
      // No conflict target: a row conflicting on the id or on the email is skipped, not an error.
      .onConflict((conflict) => conflict.doNothing())
      .returning('id')
      .execute();
    counts.imported += inserted.length;
    if (inserted.length === batch.ids.length) return;

    // Work out why the others were not inserted. A row whose id the statement returned was
    // inserted; with a duplicate id in the batch, the first row (unnest keeps order) is the one.
    const insertedIds = new Set(inserted.map((row) => row.id));
    const missed: { id: number; email: string; line: number }[] = [];
    batch.ids.forEach((id, position) => {
      if (!insertedIds.delete(id)) missed.push({ id, email: batch.emails[position] ?? '', line: batch.lines[position] ?? 0 });
    });
    // Two index lookups, not one `id = any(…) or email = any(…)`: the planner takes the OR of two
    // large arrays for a sequential scan of the whole table (5x slower at a million users).
    const owners = await users
      .selectFrom('identity.users')
      .select(['id', 'email'])
      .where('id', '=', sql<number>`any(${bareArray(missed.map((row) => row.id))}::bigint[])`)
      .unionAll(
        users
          .selectFrom('identity.users')
          .select(['id', 'email'])
          .where('email', '=', sql<string>`any(${quotedArray(missed.map((row) => row.email))}::text[])`),
      )
      .execute();
    const emailById = new Map(owners.map((owner) => [owner.id, owner.email]));
    const idByEmail = new Map(owners.map((owner) => [owner.email, owner.id]));
    for (const { id, email, line } of missed) {
      const emailOfId = emailById.get(id);
      const ownerOfEmail = idByEmail.get(email);
      if (emailOfId === email) {
        counts.existing++;
      } else if (emailOfId !== undefined) {
        counts.idTaken++;
        skip({
          line,
          userId: id,
          reason: `id ${id} is held by a user with another email (a different user, or one who changed it)`,
        });
      } else if (ownerOfEmail !== undefined) {
        counts.emailTaken++;
        skip({ line, userId: id, reason: `email ${email} belongs to another user (id ${ownerOfEmail})` });
      } else {
        counts.otherConflicts++;
        skip({ line, userId: id, reason: 'not inserted: conflicting row changed during the import' });
      }
    }
  };

  // One batch is being inserted while the next is parsed (PostgreSQL overlaps the two; on PGlite,
  // which runs in this thread, it makes no difference). Never more than one in flight.
  let inFlight: Promise<void> | undefined;
  const submit = async (batch: Batch): Promise<void> => {
    if (inFlight) await inFlight;
    inFlight = flush(batch);
    // Handled when awaited; this only keeps a failure from being reported as unhandled meanwhile.
    inFlight.catch(() => undefined);
  };

  let batch = new Batch();
  const accept = async (fields: Fields | string, line: number, layout: Layout): Promise<void> => {
    counts.rowsRead++;
    const problem = addRow(batch, fields, line, layout);
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
    const records = format === 'csv' ? csvRecords(stream) : sqlRecords(stream);
    for await (const { layout, records: chunk } of records) {
      for (const [fields, line] of chunk) await accept(fields, line, layout);
    }
    if (batch.ids.length > 0) await submit(batch);
    await inFlight;
  } catch (error) {
    failure = error;
    stream.destroy();
    await inFlight?.catch(() => undefined);
  }
  // Even after a failure part of the file may be in: move the sequence past what is there.
  let maxId: number | null = null;
  try {
    maxId = await advanceUserIdSequence(db);
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) throw failure as Error;

  const durationMs = Math.round(elapsed());
  return {
    format,
    ...counts,
    skipped: skippedCount(),
    firstSkipped,
    maxId,
    durationMs,
    rowsPerSecond: rate(),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/**
 * Moves identity.users' id sequence past the largest id (never backwards), so the next user
 * created without an id gets max + 1. Returns the largest id (null for an empty table).
 */
export async function advanceUserIdSequence(db: Kysely<object>): Promise<number | null> {
  const result = await sql<{ max_id: number | null }>`
    select max_id, case when max_id is not null then
             setval(seq, greatest(max_id, coalesce(pg_sequence_last_value(seq), 0))) end as value
    from (select pg_get_serial_sequence('identity.users', 'id')::regclass as seq,
                 (select max(id) from identity.users) as max_id) as current`.execute(db);
  return result.rows[0]?.max_id ?? null;
}

/** Column-wise arrays of one batch: what the unnest insert takes, with no per-row objects. */
class Batch {
  ids: number[] = [];
  emails: string[] = [];
  hashes: string[] = [];
  firstNames: string[] = [];
  surnames: string[] = [];
  birthdays: (string | null)[] = [];
  createdAts: string[] = [];
  actives: boolean[] = [];
  lastLogins: (string | null)[] = [];
  lines: number[] = [];
}

/**
 * PostgreSQL array literals, built here rather than by node-postgres's generic conversion (which
 * takes twice as long). For values that need no quoting: integers, booleans, and validated hex
 * digests and dates, none of which can read as NULL.
 */
function bareArray(values: readonly (string | number | boolean | null)[]): string {
  return `{${values.map((value) => (value === null ? 'NULL' : value === true ? 't' : value === false ? 'f' : String(value))).join(',')}}`;
}

/** Any text: each element double-quoted, with `\` and `"` escaped by a backslash. */
function quotedArray(values: readonly (string | null)[]): string {
  return `{${values.map((value) => (value === null ? 'NULL' : `"${ESCAPED_IN_ARRAY.test(value) ? value.replace(/["\\]/g, '\\$&') : value}"`)).join(',')}}`;
}

const ESCAPED_IN_ARRAY = /["\\]/;

// ---------------------------------------------------------------------------------------------
// Validation

const ID_PATTERN = /^\d{1,16}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/i;
/**
 * A practical shape check on the lowercased address: an ASCII local part (RFC 5322 atext and
 * dots), one @, a dotted domain of letter-digit-hyphen labels. ASCII only, so JavaScript's and
 * PostgreSQL's lower() agree and the table's normalisation check holds.
 */
const EMAIL_PATTERN =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z?$/;
const TRUE_WORDS = new Set(['true', 't', '1', 'yes', 'y']);
const FALSE_WORDS = new Set(['false', 'f', '0', 'no', 'n']);

/** Validates one record and appends it to the batch; returns why it was refused, if it was. */
function addRow(batch: Batch, record: Fields | string, line: number, layout: Layout): SkippedRow | undefined {
  if (typeof record === 'string') return { line, userId: undefined, reason: record };
  const fields = record;
  const { index } = layout;
  const field = (column: ColumnName): string | null => {
    const position = index[column];
    return position < 0 ? null : (fields[position] ?? null);
  };
  const idText = field('user_id')?.trim() ?? '';
  const id = ID_PATTERN.test(idText) ? Number(idText) : NaN;
  const userId = Number.isSafeInteger(id) && id > 0 ? id : undefined;
  const refuse = (reason: string): SkippedRow => ({ line, userId, reason });
  if (fields.length !== layout.width) return refuse(`expected ${layout.width} fields, got ${fields.length}`);
  if (userId === undefined) return refuse(`user_id must be a positive integer, got ${JSON.stringify(field('user_id'))}`);

  const email = field('email')?.trim().toLowerCase() ?? '';
  if (email.length > 254 || !EMAIL_PATTERN.test(email)) return refuse(`invalid email ${JSON.stringify(field('email'))}`);
  const hash = field('password_hash')?.trim() ?? '';
  if (!HASH_PATTERN.test(hash)) return refuse('password_hash must be 64 hex digits (SHA-256)');
  const firstName = field('first_name')?.trim() ?? '';
  if (firstName === '' || firstName.length > 200 || firstName.includes('\0'))
    return refuse('first_name must be 1 to 200 characters');
  const surname = field('surname')?.trim() ?? '';
  if (surname === '' || surname.length > 200 || surname.includes('\0')) return refuse('surname must be 1 to 200 characters');

  const birthdayText = field('birthday')?.trim() ?? '';
  const birthday = birthdayText === '' || birthdayText.toUpperCase() === 'NULL' ? null : validDate(birthdayText);
  if (birthday === undefined) return refuse(`invalid birthday ${JSON.stringify(birthdayText)}`);
  const createdAt = validTimestamp(field('registered_at')?.trim() ?? '');
  if (createdAt === undefined) return refuse(`invalid registered_at ${JSON.stringify(field('registered_at'))}`);
  const lastLoginText = field('last_logged_in')?.trim() ?? '';
  const lastLogin = lastLoginText === '' || lastLoginText.toUpperCase() === 'NULL' ? null : validTimestamp(lastLoginText);
  if (lastLogin === undefined) return refuse(`invalid last_logged_in ${JSON.stringify(lastLoginText)}`);
  const activeText = field('is_active')?.trim().toLowerCase() ?? '';
  const active = TRUE_WORDS.has(activeText) ? true : FALSE_WORDS.has(activeText) ? false : undefined;
  if (active === undefined) return refuse(`is_active must be True or False, got ${JSON.stringify(field('is_active'))}`);

  batch.ids.push(userId);
  batch.emails.push(email);
  batch.hashes.push(hash.toLowerCase());
  batch.firstNames.push(firstName);
  batch.surnames.push(surname);
  batch.birthdays.push(birthday);
  batch.createdAts.push(createdAt);
  batch.actives.push(active);
  batch.lastLogins.push(lastLogin);
  batch.lines.push(line);
  return undefined;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));
}

/** YYYY-MM-DD as given, or undefined when it is not a calendar date. */
function validDate(text: string): string | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  return isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3])) ? text : undefined;
}

/** A timestamp without a zone, read as UTC: returned with an explicit +00 for timestamptz. */
function validTimestamp(text: string): string | undefined {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match;
  if (!isCalendarDate(Number(year), Number(month), Number(day))) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  return `${text.endsWith('Z') ? text.slice(0, -1) : text}+00`;
}

function layoutFor(columns: string[], where: string): Layout {
  const names = columns.map((column) =>
    column
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase(),
  );
  const index = {} as Record<ColumnName, number>;
  const missing: string[] = [];
  for (const column of REQUIRED_COLUMNS) {
    index[column] = names.indexOf(column);
    if (index[column] < 0) missing.push(column);
  }
  if (missing.length > 0) throw new UsersImportError(`${where} lacks the column(s) ${missing.join(', ')}`);
  for (const column of OPTIONAL_COLUMNS) index[column] = names.indexOf(column);
  return { index, skip: names.indexOf(PLAIN_PASSWORD_COLUMN), width: names.length };
}

// ---------------------------------------------------------------------------------------------
// Parsers. Each yields, per chunk read, the complete records found in it with the line each
// starts on, and the layout they follow.

interface RecordChunk {
  layout: Layout;
  records: RawRecord[];
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** CSV parser states: at a field's start, in an unquoted field, in a quoted one, just after a quote in one. */
const CSV = { fieldStart: 0, unquoted: 1, quoted: 2, quoteInQuoted: 3 } as const;
type CsvState = (typeof CSV)[keyof typeof CSV];

/**
 * RFC 4180 CSV as Python's csv module writes it: `,` separated, fields quoted with `"` when they
 * hold `,`, `"` or a line break, `""` for a quote inside quotes, `\r\n` or `\n` line ends. A
 * quoted field may span lines and chunks. The first record is the header.
 */
async function* csvRecords(stream: AsyncIterable<string | Buffer>): AsyncGenerator<RecordChunk> {
  const reader = new CsvReader();
  let first = true;
  for await (const piece of stream) {
    let chunk = typeof piece === 'string' ? piece : piece.toString('utf8');
    if (first) {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    reader.push(chunk);
    const taken = reader.take();
    if (taken) yield taken;
  }
  reader.end();
  const taken = reader.take();
  if (taken) yield taken;
}

/** The CSV state machine, fed chunk by chunk; complete records collect until taken. */
class CsvReader {
  private layout: Layout | undefined;
  private state: CsvState = CSV.fieldStart;
  private fields: Fields = [];
  /** The current field so far (its earlier chunks, and unescaped quotes). */
  private field = '';
  /** False while in the password_plain column: its text is scanned but never copied. */
  private keep = true;
  private line = 1;
  private recordLine = 1;
  private records: RawRecord[] = [];

  take(): RecordChunk | undefined {
    if (this.records.length === 0 || !this.layout) return undefined;
    const records = this.records;
    this.records = [];
    return { layout: this.layout, records };
  }

  push(chunk: string): void {
    let start = 0;
    const length = chunk.length;
    for (let position = 0; position < length; position++) {
      const code = chunk.charCodeAt(position);
      switch (this.state) {
        case CSV.fieldStart:
          if (this.fields.length === 0 && this.field === '') this.recordLine = this.line;
          if (code === QUOTE) {
            this.state = CSV.quoted;
            start = position + 1;
          } else if (code === COMMA) {
            this.endField();
          } else if (code === LF) {
            this.line++;
            this.endField();
            this.endRecord();
          } else if (code !== CR) {
            this.state = CSV.unquoted;
            start = position;
          }
          break;
        case CSV.unquoted:
          if (code === COMMA || code === LF) {
            if (this.keep) {
              this.field += chunk.slice(start, position);
              // The \r of a \r\n may have come at the end of the previous chunk.
              if (code === LF && this.field.endsWith('\r')) this.field = this.field.slice(0, -1);
            }
            this.endField();
            this.state = CSV.fieldStart;
            if (code === LF) {
              this.line++;
              this.endRecord();
            }
          }
          break;
        case CSV.quoted:
          if (code === QUOTE) {
            if (this.keep) this.field += chunk.slice(start, position);
            this.state = CSV.quoteInQuoted;
          } else if (code === LF) {
            this.line++;
          }
          break;
        case CSV.quoteInQuoted:
          if (code === QUOTE) {
            // A doubled quote: one literal quote, and the quoted field goes on.
            if (this.keep) this.field += '"';
            this.state = CSV.quoted;
            start = position + 1;
          } else if (code === COMMA) {
            this.endField();
            this.state = CSV.fieldStart;
          } else if (code === LF) {
            this.line++;
            this.endField();
            this.endRecord();
            this.state = CSV.fieldStart;
          } else if (code !== CR) {
            // Text after a closing quote (not RFC 4180): keep it, as Python's reader does.
            this.state = CSV.unquoted;
            start = position;
          }
          break;
      }
    }
    // Carry the unfinished field over to the next chunk.
    if ((this.state === CSV.unquoted || this.state === CSV.quoted) && this.keep) this.field += chunk.slice(start);
  }

  /**
   * The last record may lack a line end. An unterminated quote swallows the rest of the file and
   * leaves a record with too few fields, which validation then refuses.
   */
  end(): void {
    if (this.state === CSV.unquoted && this.field.endsWith('\r')) this.field = this.field.slice(0, -1);
    if (this.state !== CSV.fieldStart || this.fields.length > 0) {
      this.endField();
      this.endRecord();
    }
    if (!this.layout) throw new UsersImportError('The CSV file is empty: it has no header');
  }

  private endField(): void {
    this.fields.push(this.keep ? this.field : null);
    this.field = '';
    this.keep = this.layout === undefined || this.fields.length !== this.layout.skip;
  }

  private endRecord(): void {
    const blank = this.fields.length === 1 && this.fields[0] === '';
    if (!blank) {
      if (this.layout) this.records.push([this.fields, this.recordLine]);
      else
        this.layout = layoutFor(
          this.fields.map((name) => name ?? ''),
          'The CSV header',
        );
    }
    this.fields = [];
    this.keep = this.layout?.skip !== 0;
  }
}

const INSERT_PATTERN = /^\s*insert\s+into\s+[^(]+\(([^)]*)\)\s*values\s*(.*)$/is;

/**
 * The data set's users.sql: `INSERT INTO users (columns) VALUES` followed by one tuple per line
 * (`(1, 'a@b.c', 'O''Brien', NULL, TRUE, …),` … `;`). Other statements (CREATE TABLE, BEGIN,
 * COMMIT, comments) are ignored. A line of tuples that does not parse is one refused row.
 */
async function* sqlRecords(stream: AsyncIterable<string | Buffer>): AsyncGenerator<RecordChunk> {
  let layout = layoutFor(DEFAULT_COLUMNS, 'The default column list');
  let insideValues = false;
  let sawInsert = false;
  for await (const lines of splitLines(stream)) {
    const records: RawRecord[] = [];
    for (const [text, line] of lines) {
      let tuples = text;
      const insert = /^\s*insert\s/i.test(text) ? INSERT_PATTERN.exec(text) : null;
      if (insert) {
        const [, columns = '', rest = ''] = insert;
        layout = layoutFor(columns.split(','), `The INSERT on line ${line}`);
        sawInsert = true;
        insideValues = true;
        tuples = rest;
      } else if (!insideValues && (sawInsert || !/^\s*\(/.test(text))) {
        continue;
      }
      const parsed = parseTuples(tuples, layout.skip);
      if (parsed === undefined) {
        records.push(['not a list of value tuples', line]);
        if (/;\s*$/.test(tuples)) insideValues = false;
        continue;
      }
      for (const fields of parsed.tuples) records.push([fields, line]);
      if (parsed.ended) insideValues = false;
    }
    if (records.length > 0) yield { layout, records };
  }
}

/** Lines of the stream with their 1-based numbers, one array per chunk; `\r\n` or `\n`. */
async function* splitLines(stream: AsyncIterable<string | Buffer>): AsyncGenerator<[string, number][]> {
  let rest = '';
  let line = 0;
  let first = true;
  for await (const piece of stream) {
    let chunk = typeof piece === 'string' ? piece : piece.toString('utf8');
    if (first) {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    const lines: [string, number][] = [];
    let start = 0;
    let end = chunk.indexOf('\n');
    while (end >= 0) {
      const text = rest + chunk.slice(start, end);
      rest = '';
      lines.push([text.endsWith('\r') ? text.slice(0, -1) : text, ++line]);
      start = end + 1;
      end = chunk.indexOf('\n', start);
    }
    rest += chunk.slice(start);
    if (lines.length > 0) yield lines;
  }
  if (rest !== '') yield [[rest.endsWith('\r') ? rest.slice(0, -1) : rest, line + 1]];
}

const BARE_TOKEN = /[A-Za-z0-9_.+-]+/y;

/**
 * Parses `(v, …), (v, …)` up to the end of the line or a `;`. Values: '…' strings with '' for a
 * quote, NULL (null), and bare tokens (numbers, TRUE/FALSE) as their text. The value at position
 * `skip` is scanned but not kept. Undefined when the text is not a list of tuples.
 */
function parseTuples(text: string, skip: number): { tuples: Fields[]; ended: boolean } | undefined {
  const tuples: Fields[] = [];
  let position = skipSpace(text, 0);
  while (position < text.length) {
    if (text.charCodeAt(position) !== 0x28 /* ( */) return undefined;
    position++;
    const fields: Fields = [];
    for (;;) {
      position = skipSpace(text, position);
      const code = text.charCodeAt(position);
      const keep = fields.length !== skip;
      if (code === 0x27 /* ' */) {
        let value = '';
        let from = position + 1;
        for (;;) {
          const quote = text.indexOf("'", from);
          if (quote < 0) return undefined;
          if (keep) value += text.slice(from, quote);
          if (text.charCodeAt(quote + 1) === 0x27) {
            if (keep) value += "'";
            from = quote + 2;
          } else {
            position = quote + 1;
            break;
          }
        }
        fields.push(keep ? value : null);
      } else {
        BARE_TOKEN.lastIndex = position;
        const match = BARE_TOKEN.exec(text);
        if (!match) return undefined;
        position += match[0].length;
        fields.push(!keep || match[0].toUpperCase() === 'NULL' ? null : match[0]);
      }
      position = skipSpace(text, position);
      const separator = text.charCodeAt(position);
      position++;
      if (separator === 0x2c /* , */) continue;
      if (separator === 0x29 /* ) */) break;
      return undefined;
    }
    tuples.push(fields);
    position = skipSpace(text, position);
    const after = text.charCodeAt(position);
    if (after === 0x2c /* , */) {
      position = skipSpace(text, position + 1);
    } else if (after === 0x3b /* ; */) {
      return skipSpace(text, position + 1) === text.length ? { tuples, ended: true } : undefined;
    } else if (position < text.length) {
      return undefined;
    }
  }
  return { tuples, ended: false };
}

function skipSpace(text: string, from: number): number {
  let position = from;
  while (position < text.length) {
    const code = text.charCodeAt(position);
    if (code !== 0x20 && code !== 0x09 && code !== CR && code !== LF) break;
    position++;
  }
  return position;
}
