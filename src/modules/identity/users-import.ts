import { extname } from 'node:path';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type pg from 'pg';
import {
  BulkLoad,
  advanceIdSequence,
  notInserted,
  type BulkLoadSummary,
  type ImportOptions as BulkImportOptions,
  type SkippedRows,
} from '../../platform/import/bulk-load.ts';
import { isCalendarDate } from '../../platform/import/calendar.ts';
import { CopyStaging, copyField, moveIntoTable } from '../../platform/import/copy-load.ts';
import { bareArray, quotedArray } from '../../platform/import/pg-arrays.ts';
import { columnName, sqlDumpRows, type DumpRow } from '../../platform/import/sql-dump.ts';
import type { IdentityTables } from './identity.tables.ts';

/**
 * Imports the HackLoad users data set (users.csv or users.sql from hackload-kz/data) into
 * identity.users, streaming, with the platform's bulk load (src/platform/import): the file is read
 * in chunks, parsed by hand (CSV with RFC 4180 quoting here; SQL INSERT tuples with '' escaping by
 * the platform's dump reader), validated row by row and inserted in batches with one
 * `insert … select from unnest(arrays)` per batch, which PostgreSQL and PGlite both run. Memory
 * holds one chunk and at most two batches whatever the file's size; reading waits for the
 * database (the next chunk is read only when the current batch has been handed over).
 *
 * - Ids are kept (user_id → id); afterwards the identity sequence is moved past the largest id.
 * - password_plain is never stored: the parsers skip that column without making a string of it.
 * - Re-running is safe: `on conflict do nothing`. A user already present (same id) is left as it
 *   is (a re-import must not undo a password upgraded to argon2id or a profile edited since), and
 *   a row whose id or email belongs to a different user is skipped and counted, never an error.
 * - A row that does not validate is skipped and counted; the first few are reported with their
 *   line numbers. Only an unreadable file or a missing column stops the import.
 *
 * Just over 500 lines: the two hand-written parsers belong to this one file format and change
 * with it; the shared machinery (bulk load, dump reader, arrays) is already in platform/import.
 */

export type UsersFileFormat = 'csv' | 'sql';

export interface SkippedRow {
  /** Line of the file the row starts on (1-based). */
  line: number;
  userId: number | undefined;
  reason: string;
}

/**
 * `skipped` = invalid + emailTaken + idTaken + otherConflicts; `invalid`: rows that did not
 * validate (bad email, hash, id, date, flag, field count…); `firstSkipped` in file order per batch.
 */
export interface ImportSummary extends BulkLoadSummary<SkippedRow> {
  format: UsersFileFormat;
  /** Rows inserted by this run. */
  imported: number;
  /** Rows whose user (same id and email) was already present; left untouched. */
  existing: number;
  /** Rows whose email belongs to a different user. */
  emailTaken: number;
  /** Rows whose id belongs to a user with another email. */
  idTaken: number;
  /** Rows not inserted for a conflict that could not be attributed (a concurrent change). */
  otherConflicts: number;
  /** The largest id in identity.users after the import (the sequence continues after it). */
  maxId: number | null;
  /** The COPY path's phases (with `copyPool` only): rows staged, and milliseconds of each step. */
  copy?: { staged: number; copyMs: number; insertMs: number };
}

export type ImportOptions = BulkImportOptions<SkippedRow>;

/** The data set's columns; password_plain is recognised only to be skipped. */
const REQUIRED_COLUMNS = ['user_id', 'email', 'password_hash', 'first_name', 'surname', 'registered_at', 'is_active'] as const;
const OPTIONAL_COLUMNS = ['birthday', 'last_logged_in'] as const;
const PLAIN_PASSWORD_COLUMN = 'password_plain';
/**
 * The columns of generate_ticket_users.py, in its order: for SQL tuples that come without an
 * INSERT header (and what the generator writes).
 */
export const USERS_FILE_COLUMNS = [
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
] as const;

type ColumnName = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

/** Where each column is in a record; -1 for an optional column the file lacks. */
interface Layout {
  index: Record<ColumnName, number>;
  /** Index of password_plain (-1 when absent): the parsers do not materialise it. */
  skip: number;
  width: number;
}

/** A record: field values by position (null for SQL NULL or a skipped column), or why its line did not parse. */
type RawRecord = DumpRow;
type Fields = (string | null)[];

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
  const users = db.$extendTables<IdentityTables>();

  const counts = { imported: 0, existing: 0, emailTaken: 0, idTaken: 0, otherConflicts: 0 };

  const flush = async (batch: Batch, skipped: SkippedRows<SkippedRow>): Promise<void> => {
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
        userRowsFrom(
          sql`unnest(${bareArray(batch.ids)}::bigint[], ${quotedArray(batch.emails)}::text[],
                     ${bareArray(batch.hashes)}::text[], ${quotedArray(batch.firstNames)}::text[],
                     ${quotedArray(batch.surnames)}::text[], ${bareArray(batch.birthdays)}::date[],
                     ${quotedArray(batch.createdAts)}::timestamptz[], ${bareArray(batch.actives)}::boolean[],
                     ${quotedArray(batch.lastLogins)}::timestamptz[])
                as imported (id, email, password_hash, first_name, surname, birthday, created_at, is_active, last_login_at)`,
        ),
      )
      // No conflict target: a row conflicting on the id or on the email is skipped, not an error.
      .onConflict((conflict) => conflict.doNothing())
      .returning('id')
      .execute();
    counts.imported += inserted.length;
    const missed = notInserted(batch.ids, inserted).map((position) => ({
      id: batch.ids[position] ?? 0,
      email: batch.emails[position] ?? '',
      line: batch.lines[position] ?? 0,
    }));
    if (missed.length === 0) return;

    // Work out why the others were not inserted.
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
        skipped.add({
          line,
          userId: id,
          reason: `id ${id} is held by a user with another email (a different user, or one who changed it)`,
        });
      } else if (ownerOfEmail !== undefined) {
        counts.emailTaken++;
        skipped.add({ line, userId: id, reason: `email ${email} belongs to another user (id ${ownerOfEmail})` });
      } else {
        counts.otherConflicts++;
        skipped.add({ line, userId: id, reason: 'not inserted: conflicting row changed during the import' });
      }
    }
  };

  // PostgreSQL given a pool: COPY into a staging table, one insert from it at the end.
  const copyPool = options.copyPool;
  const staging = copyPool ? await CopyStaging.open(copyPool, 'users_import_staging', STAGING_COLUMNS) : undefined;
  const copyFlush = async (batch: Batch): Promise<void> => {
    let lines = '';
    for (let row = 0; row < batch.ids.length; row++) {
      lines += `${batch.ids[row]}\t${copyField(batch.emails[row] ?? '')}\t${batch.hashes[row]}\t${copyField(batch.firstNames[row] ?? '')}\t${copyField(batch.surnames[row] ?? '')}\t${copyField(batch.birthdays[row] ?? null)}\t${copyField(batch.createdAts[row] ?? '')}\t${batch.actives[row] ? 't' : 'f'}\t${copyField(batch.lastLogins[row] ?? null)}\t${batch.lines[row]}\n`;
    }
    await staging?.write(lines);
  };

  // Each chunk of records comes with the layout it follows (the CSV header, the latest INSERT).
  let layout = layoutFor(USERS_FILE_COLUMNS, 'The default column list');
  const load = new BulkLoad(options, {
    // One batch is being inserted while the next is parsed (PostgreSQL overlaps the two; on PGlite,
    // which runs in this thread, it makes no difference). Never more than one in flight.
    concurrency: 1,
    rows: async function* (chunks) {
      for await (const chunk of format === 'csv' ? csvRecords(chunks) : sqlRecords(chunks)) {
        layout = chunk.layout;
        yield chunk.records;
      }
    },
    newBatch: () => new Batch(),
    addRow: (batch, record: RawRecord) => addRow(batch, record, layout),
    flush: staging ? copyFlush : flush,
    counts: () => counts,
  });

  let maxId: number | null = null;
  let copyReport: ImportSummary['copy'];
  const summary = await load.run(filePath, async (failed, skipped) => {
    if (staging && copyPool) {
      try {
        if (!failed) copyReport = await moveStagedUsers(db, copyPool, staging, counts, skipped);
      } finally {
        await staging.release();
      }
    }
    maxId = await advanceIdSequence(db, 'identity.users');
  });
  return { format, ...counts, maxId, ...summary, ...(copyReport ? { copy: copyReport } : {}) };
}

/** The select that turns imported rows (from unnest arrays or the staging table) into users. */
function userRowsFrom(source: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select id, email, password_hash, 'sha256-legacy', first_name, surname, birthday, created_at, is_active, last_login_at
             from ${source}`;
}

const STAGING_COLUMNS = [
  { name: 'id', type: 'bigint' },
  { name: 'email', type: 'text' },
  { name: 'password_hash', type: 'text' },
  { name: 'first_name', type: 'text' },
  { name: 'surname', type: 'text' },
  { name: 'birthday', type: 'date' },
  { name: 'created_at', type: 'timestamptz' },
  { name: 'is_active', type: 'boolean' },
  { name: 'last_login_at', type: 'timestamptz' },
  { name: 'line', type: 'integer' },
];

/** The COPY path's insert runs on this many connections at once (index maintenance is most of it). */
const COPY_INSERT_PARTS = 2;

/**
 * The COPY path's end: counts the staged rows that meet an existing user by id or email (reporting
 * the first skipped ones with their lines), then moves the rest into identity.users. Its indexes
 * (the primary key and the unique email) stay: `on conflict` needs them.
 */
async function moveStagedUsers(
  db: Kysely<object>,
  pool: pg.Pool,
  staging: CopyStaging,
  counts: { imported: number; existing: number; emailTaken: number; idTaken: number; otherConflicts: number },
  skipped: SkippedRows<SkippedRow>,
): Promise<NonNullable<ImportSummary['copy']>> {
  const copyStartedAt = performance.now();
  const staged = await staging.finish();
  const { table } = staging;
  const copyMs = Math.round(performance.now() - copyStartedAt);
  await pool.query(`analyze ${table}`);
  const clashes = `from ${table} s left join identity.users by_id on by_id.id = s.id
                   left join identity.users by_email on by_email.email = s.email and by_email.id <> s.id
                   where (by_id.id is not null or by_email.id is not null)`;
  const { rows: totals } = await pool.query<{ existing: string; id_taken: string; email_taken: string }>(
    `select count(*) filter (where by_id.email = s.email) as existing,
            count(*) filter (where by_id.email <> s.email) as id_taken,
            count(*) filter (where by_id.id is null) as email_taken ${clashes}`,
  );
  const existing = Number(totals[0]?.existing ?? 0);
  const idTaken = Number(totals[0]?.id_taken ?? 0);
  const emailTaken = Number(totals[0]?.email_taken ?? 0);
  counts.existing += existing;
  counts.idTaken += idTaken;
  counts.emailTaken += emailTaken;
  if (idTaken + emailTaken > 0) {
    const { rows: first } = await pool.query<{
      line: number;
      id: string;
      email: string;
      owner: string | null;
      id_taken: boolean;
    }>(
      `select s.line, s.id, s.email, by_email.id as owner, by_id.id is not null as id_taken ${clashes}
         and (by_id.id is null or by_id.email <> s.email)
       order by s.line limit 100`,
    );
    let reported = 0;
    for (const row of first) {
      if (!skipped.wantsMore) break;
      reported++;
      skipped.add(
        row.id_taken
          ? {
              line: row.line,
              userId: Number(row.id),
              reason: `id ${row.id} is held by a user with another email (a different user, or one who changed it)`,
            }
          : { line: row.line, userId: Number(row.id), reason: `email ${row.email} belongs to another user (id ${row.owner})` },
      );
    }
    skipped.addUnreported(idTaken + emailTaken - reported);
  }
  const moved = await moveIntoTable(
    pool,
    'identity.users',
    { rebuildIndexes: false, parts: COPY_INSERT_PARTS },
    async (client, part, parts) => {
      const statement = sql`insert into identity.users
                            (id, email, password_hash, password_scheme, first_name, surname, birthday, created_at, is_active, last_login_at)
                          ${userRowsFrom(sql.raw(`(select * from ${table} where id % ${parts} = ${part}) as imported`))}
                          on conflict do nothing`.compile(db);
      return (await client.query(statement.sql, [...statement.parameters])).rowCount ?? 0;
    },
  );
  const imported = moved.results.reduce((sum, rows) => sum + rows, 0);
  counts.imported += imported;
  // Rows neither inserted nor clashing with a user there before: duplicates inside the file.
  const unexplained = staged - imported - existing - idTaken - emailTaken;
  if (unexplained > 0) {
    counts.otherConflicts += unexplained;
    skipped.addUnreported(unexplained);
  }
  return { staged, copyMs, insertMs: moved.insertMs };
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
function addRow(batch: Batch, record: RawRecord, layout: Layout): SkippedRow | undefined {
  const { line } = record;
  if ('problem' in record) return { line, userId: undefined, reason: record.problem };
  const fields = record.values;
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

function layoutFor(columns: readonly string[], where: string): Layout {
  const names = columns.map(columnName);
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
/**
 * RFC 4180 CSV as Python's csv module writes it: `,` separated, fields quoted with `"` when they
 * hold `,`, `"` or a line break, `""` for a quote inside quotes, `\r\n` or `\n` line ends. A
 * quoted field may span lines and chunks. The first record is the header.
 */
async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<RecordChunk> {
  const reader = new CsvReader();
  for await (const chunk of chunks) {
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
      if (this.layout) this.records.push({ line: this.recordLine, values: this.fields });
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

/**
 * The data set's users.sql: `INSERT INTO users (columns) VALUES` followed by one tuple per line
 * (`(1, 'a@b.c', 'O''Brien', NULL, TRUE, …),` … `;`), read by the platform's dump reader with
 * password_plain scanned but never kept. Tuples without an INSERT follow USERS_FILE_COLUMNS.
 */
async function* sqlRecords(chunks: AsyncIterable<string>): AsyncGenerator<RecordChunk> {
  let layout = layoutFor(USERS_FILE_COLUMNS, 'The default column list');
  const rows = sqlDumpRows(chunks, {
    onColumns: (columns, line) => {
      layout = layoutFor(columns, `The INSERT on line ${line}`);
    },
    skipColumn: () => layout.skip,
  });
  for await (const records of rows) yield { layout, records };
}
