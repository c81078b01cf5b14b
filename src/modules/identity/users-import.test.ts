import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseEngine, type TestDatabase } from '../../../test/support/database.ts';
import { runSbor } from '../../../test/support/sbor-process.ts';
import type { IdentityTables } from './identity.tables.ts';
import { verifyPassword } from './password.ts';
import {
  CSV_HEADER,
  formatCsvRow,
  formatSqlTuple,
  generateUser,
  generateUsersFile,
  plainPasswordFor,
  sha256Hex,
  SQL_INSERT_HEADER,
} from './users-generator.ts';
import { importUsers, type ImportSummary } from './users-import.ts';

const ROWS = 300;
const SEED = 7;
let database: TestDatabase;
let directory: string;
let csvPath: string;
let sqlPath: string;

beforeAll(async () => {
  database = await createTestDatabase();
  directory = await mkdtemp(join(tmpdir(), 'sbor-users-import-'));
  csvPath = join(directory, 'users.csv');
  sqlPath = join(directory, 'users.sql');
  await generateUsersFile(csvPath, { rows: ROWS, format: 'csv', seed: SEED });
  await generateUsersFile(sqlPath, { rows: ROWS, format: 'sql', seed: SEED });
});
afterAll(async () => {
  await database.close();
  await rm(directory, { recursive: true, force: true });
});
beforeEach(async () => {
  await sql`truncate identity.users restart identity cascade`.execute(database.db);
});

function users() {
  return database.db.$extendTables<IdentityTables>();
}

/** Every user; `birthday` as YYYY-MM-DD text, whatever the driver makes of a date. */
async function allUsers() {
  const rows = await users()
    .selectFrom('identity.users')
    .selectAll()
    .select(sql<string | null>`birthday::text`.as('birthday_text'))
    .orderBy('id')
    .execute();
  return rows.map(({ birthday_text, ...row }) => ({ ...row, birthday: birthday_text }));
}

async function writeFixture(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

/** A CSV line in the data set's column order. */
function csvLine(fields: string[]): string {
  return `${fields.join(',')}\r\n`;
}

const HASH = sha256Hex('secret-password');

describe('importing the HackLoad users', () => {
  it('imports every CSV row, keeping ids and storing the legacy hash with its scheme', async () => {
    const summary = await importUsers(database.db, csvPath);
    expect(summary).toMatchObject({ format: 'csv', rowsRead: ROWS, imported: ROWS, existing: 0, skipped: 0, maxId: ROWS });
    const rows = await allUsers();
    expect(rows.map((row) => row.id)).toEqual(Array.from({ length: ROWS }, (_, index) => index + 1));
    for (const row of rows) {
      const expected = generateUser(row.id, SEED);
      expect(row).toMatchObject({
        email: expected.email,
        password_hash: sha256Hex(plainPasswordFor(row.id, SEED)),
        password_scheme: 'sha256-legacy',
        first_name: expected.first_name,
        surname: expected.surname,
        birthday: expected.birthday,
        is_active: expected.is_active,
        role: 'user',
        locale: 'ru',
        phone: null,
      });
      expect(row.created_at.toISOString()).toBe(`${expected.registered_at.replace(' ', 'T')}.000Z`);
      expect(row.last_login_at?.toISOString()).toBe(`${expected.last_logged_in.replace(' ', 'T')}.000Z`);
    }
  });

  it('reads the same users from the SQL dump as from the CSV', async () => {
    await importUsers(database.db, csvPath);
    const fromCsv = await allUsers();
    await sql`truncate identity.users restart identity cascade`.execute(database.db);
    const summary = await importUsers(database.db, sqlPath);
    expect(summary).toMatchObject({ format: 'sql', rowsRead: ROWS, imported: ROWS, skipped: 0 });
    const strip = (rows: typeof fromCsv) => rows.map(({ updated_at: _updated, ...rest }) => rest);
    expect(strip(await allUsers())).toEqual(strip(fromCsv));
  });

  it('lets a test log in as user k with plainPasswordFor(k): the legacy hash verifies', async () => {
    await importUsers(database.db, sqlPath);
    const rows = await users()
      .selectFrom('identity.users')
      .select(['id', 'password_hash', 'password_scheme'])
      .where('id', 'in', [1, 150, 300])
      .execute();
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(await verifyPassword(plainPasswordFor(row.id, SEED), row.password_hash, row.password_scheme)).toBe(true);
      expect(await verifyPassword(plainPasswordFor(row.id + 1, SEED), row.password_hash, row.password_scheme)).toBe(false);
    }
  });

  it('never stores a plain password, in any column', async () => {
    await importUsers(database.db, csvPath);
    const rows = await allUsers();
    expect(rows).toHaveLength(ROWS);
    for (const row of rows) {
      const plain = plainPasswordFor(row.id, SEED);
      for (const value of Object.values(row)) {
        const text =
          value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
        expect(text.includes(plain)).toBe(false);
      }
    }
  });

  it('keeps inactive users inactive and birthdays missing where the file has none', async () => {
    await importUsers(database.db, sqlPath);
    const generated = Array.from({ length: ROWS }, (_, index) => generateUser(index + 1, SEED));
    const inactive = generated.filter((user) => !user.is_active).map((user) => user.user_id);
    const withoutBirthday = generated.filter((user) => user.birthday === null).map((user) => user.user_id);
    expect(inactive.length).toBeGreaterThan(0);
    expect(withoutBirthday.length).toBeGreaterThan(0);
    const rows = await allUsers();
    expect(rows.filter((row) => !row.is_active).map((row) => row.id)).toEqual(inactive);
    expect(rows.filter((row) => row.birthday === null).map((row) => row.id)).toEqual(withoutBirthday);
  });

  it('parses quoted CSV fields holding commas, quotes and line breaks, across chunk boundaries', async () => {
    const path = await writeFixture(
      'quoted.csv',
      '\uFEFF' +
        CSV_HEADER +
        csvLine([
          '1',
          'a_b_1@fest.tix',
          HASH,
          '"p,a""ss"',
          '"Ай,""гүл"""',
          'Сәрсенбаева',
          '',
          '2023-05-06 07:08:09',
          'True',
          '2024-01-01 00:00:00',
        ]) +
        csvLine([
          '2',
          ' Mixed_Case_2@Fest.Tix ',
          HASH.toUpperCase(),
          '"x\r\ny"',
          '"Ерлан"',
          '"Омаров, ""кіші"""',
          '1990-01-02',
          '2023-05-06 07:08:09',
          'false',
          '',
        ]) +
        csvLine([
          '3',
          'c_d_3@live.now',
          HASH,
          '\'"',
          'Да\\на',
          'Ахметова',
          '2000-02-29',
          '2021-12-31 23:59:59',
          'F',
          '2022-01-01 00:00:00',
        ]).slice(0, -2),
    );
    for (const chunkBytes of [3, 7, 64 * 1024]) {
      await sql`truncate identity.users restart identity cascade`.execute(database.db);
      const summary = await importUsers(database.db, path, { chunkBytes, batchSize: 2 });
      expect(summary).toMatchObject({ rowsRead: 3, imported: 3, skipped: 0 });
      const rows = await allUsers();
      expect(
        rows.map(({ id, email, password_hash, first_name, surname, birthday, is_active }) => ({
          id,
          email,
          password_hash,
          first_name,
          surname,
          birthday,
          is_active,
        })),
      ).toEqual([
        {
          id: 1,
          email: 'a_b_1@fest.tix',
          password_hash: HASH,
          first_name: 'Ай,"гүл"',
          surname: 'Сәрсенбаева',
          birthday: null,
          is_active: true,
        },
        {
          id: 2,
          email: 'mixed_case_2@fest.tix',
          password_hash: HASH,
          first_name: 'Ерлан',
          surname: 'Омаров, "кіші"',
          birthday: '1990-01-02',
          is_active: false,
        },
        {
          id: 3,
          email: 'c_d_3@live.now',
          password_hash: HASH,
          first_name: 'Да\\на',
          surname: 'Ахметова',
          birthday: '2000-02-29',
          is_active: false,
        },
      ]);
      expect(rows[1]!.last_login_at).toBeNull();
      expect(rows[2]!.created_at.toISOString()).toBe('2021-12-31T23:59:59.000Z');
    }
  });

  it("parses SQL strings with '' escapes, commas and parentheses inside quotes", async () => {
    const tuple = (id: number, plain: string, first: string, surname: string, birthday: string) =>
      `(${id}, 'u_${id}@fest.tix', '${HASH}', '${plain}', '${first}', '${surname}', ${birthday}, '2023-05-06 07:08:09', TRUE, '2024-01-01 00:00:00')`;
    const path = await writeFixture(
      'quoted.sql',
      'CREATE TABLE users (\n    user_id INTEGER PRIMARY KEY\n);\nBEGIN TRANSACTION;\n' +
        SQL_INSERT_HEADER +
        [
          tuple(1, "p''ss),(''", "Д''Артаньян", 'Ай, (гүл)', 'NULL'),
          tuple(2, "'',", 'Ерлан', "O''Brien), (x", "'1990-01-02'"),
        ].join(',\n') +
        ';\n' +
        SQL_INSERT_HEADER +
        tuple(3, 'x', 'Дана', 'Ахметова', 'NULL') +
        ';\n\nCOMMIT;\n',
    );
    const summary = await importUsers(database.db, path, { chunkBytes: 5 });
    expect(summary).toMatchObject({ rowsRead: 3, imported: 3, skipped: 0 });
    expect((await allUsers()).map(({ id, first_name, surname, birthday }) => ({ id, first_name, surname, birthday }))).toEqual([
      { id: 1, first_name: "Д'Артаньян", surname: 'Ай, (гүл)', birthday: null },
      { id: 2, first_name: 'Ерлан', surname: "O'Brien), (x", birthday: '1990-01-02' },
      { id: 3, first_name: 'Дана', surname: 'Ахметова', birthday: null },
    ]);
  });

  it('skips and counts bad rows with their line numbers, and imports the rest', async () => {
    const good = (id: number) => formatCsvRow(generateUser(id, SEED));
    const row = (fields: Partial<Record<string, string>>) => {
      const base: Record<string, string> = {
        user_id: '50',
        email: 'ok_50@fest.tix',
        password_hash: HASH,
        password_plain: 'pw',
        first_name: 'Дана',
        surname: 'Ахметова',
        birthday: '',
        registered_at: '2023-05-06 07:08:09',
        is_active: 'True',
        last_logged_in: '',
      };
      return csvLine(Object.values({ ...base, ...fields }) as string[]);
    };
    const path = await writeFixture(
      'bad.csv',
      CSV_HEADER +
        good(1) + // line 2
        row({ email: 'not-an-email' }) + // 3
        row({ password_hash: 'abc123' }) + // 4
        row({ user_id: '0' }) + // 5
        row({ user_id: '-5' }) + // 6
        row({ user_id: 'abc' }) + // 7
        row({ registered_at: '2023-13-01 00:00:00' }) + // 8
        row({ birthday: '1990-02-30' }) + // 9
        row({ is_active: 'maybe' }) + // 10
        'only,three,fields\r\n' + // 11
        row({ first_name: '  ' }) + // 12
        good(2), // 13
    );
    const skipped: number[] = [];
    const summary = await importUsers(database.db, path, { onSkip: (skip) => skipped.push(skip.line), maxReportedSkips: 5 });
    expect(summary).toMatchObject({ rowsRead: 12, imported: 2, invalid: 10, skipped: 10 });
    expect(skipped).toEqual([3, 4, 5, 6, 7]);
    expect(summary.firstSkipped.map((skip) => skip.line)).toEqual([3, 4, 5, 6, 7]);
    expect(summary.firstSkipped[0]!.reason).toMatch(/invalid email/);
    expect((await allUsers()).map((user) => user.id)).toEqual([1, 2]);
  });

  it('skips a SQL line that is not a tuple and goes on', async () => {
    const path = await writeFixture(
      'bad.sql',
      SQL_INSERT_HEADER +
        `${formatSqlTuple(generateUser(1, SEED))},\n` +
        `(2, 'unterminated@fest.tix, '${HASH}'),\n` +
        `${formatSqlTuple(generateUser(3, SEED))};\n`,
    );
    const summary = await importUsers(database.db, path);
    expect(summary).toMatchObject({ rowsRead: 3, imported: 2, invalid: 1 });
    expect(summary.firstSkipped).toEqual([{ line: 3, userId: undefined, reason: 'not a list of value tuples' }]);
  });

  it('passes over comments and a semicolon on a line of its own inside an INSERT, as dump tools write them', async () => {
    const path = await writeFixture(
      'comments.sql',
      SQL_INSERT_HEADER +
        `${formatSqlTuple(generateUser(1, SEED))},\n` +
        `-- batch 2\n` +
        `${formatSqlTuple(generateUser(2, SEED))}\n` +
        `;\n`,
    );
    const summary = await importUsers(database.db, path);
    expect(summary).toMatchObject({ rowsRead: 2, imported: 2, invalid: 0 });
  });

  it('is idempotent: importing twice leaves the users as they are, including ones changed since', async () => {
    await importUsers(database.db, csvPath);
    await users()
      .updateTable('identity.users')
      .set({ password_hash: '$argon2id$upgraded', password_scheme: 'argon2id' })
      .where('id', '=', 5)
      .execute();
    const before = await allUsers();
    const again: ImportSummary = await importUsers(database.db, sqlPath, { batchSize: 64 });
    expect(again).toMatchObject({ rowsRead: ROWS, imported: 0, existing: ROWS, skipped: 0 });
    expect(await allUsers()).toEqual(before);
    expect(before.find((user) => user.id === 5)?.password_scheme).toBe('argon2id');
  });

  it('counts a row whose email belongs to another user as skipped, without aborting', async () => {
    const taken = generateUser(5, SEED).email;
    await users()
      .insertInto('identity.users')
      .values({
        id: 10_000,
        email: taken,
        password_hash: 'x',
        password_scheme: 'argon2id',
        first_name: 'A',
        surname: 'B',
        phone: null,
        telegram: null,
        last_login_at: null,
      })
      .execute();
    const summary = await importUsers(database.db, csvPath, { batchSize: 50 });
    expect(summary).toMatchObject({ imported: ROWS - 1, emailTaken: 1, idTaken: 0, skipped: 1 });
    expect(summary.firstSkipped).toEqual([{ line: 6, userId: 5, reason: `email ${taken} belongs to another user (id 10000)` }]);
    const holder = await users().selectFrom('identity.users').select(['id']).where('email', '=', taken).execute();
    expect(holder).toEqual([{ id: 10_000 }]);
  });

  it('counts a row whose id belongs to a user with another email as skipped', async () => {
    await users()
      .insertInto('identity.users')
      .values({
        id: 3,
        email: 'someone@else.kz',
        password_hash: 'x',
        password_scheme: 'argon2id',
        first_name: 'A',
        surname: 'B',
        phone: null,
        telegram: null,
        last_login_at: null,
      })
      .execute();
    const summary = await importUsers(database.db, csvPath);
    expect(summary).toMatchObject({ imported: ROWS - 1, idTaken: 1, emailTaken: 0, skipped: 1 });
    expect(summary.firstSkipped[0]).toMatchObject({ line: 4, userId: 3 });
  });

  it('advances the id sequence: a user created after the import gets the next id', async () => {
    await importUsers(database.db, csvPath);
    const created = await users()
      .insertInto('identity.users')
      .values({
        email: 'new@sbor.kz',
        password_hash: 'x',
        password_scheme: 'argon2id',
        first_name: 'A',
        surname: 'B',
        phone: null,
        telegram: null,
        last_login_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(created.id).toBe(ROWS + 1);
  });

  it('reports progress while importing', async () => {
    const progress: number[] = [];
    await importUsers(database.db, csvPath, {
      batchSize: 10,
      progressIntervalMs: 0,
      onProgress: (p) => progress.push(p.rowsRead),
    });
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.at(-1)).toBeLessThanOrEqual(ROWS);
  });

  it('refuses a file without the required columns, or of an unknown kind', async () => {
    const path = await writeFixture('wrong.csv', 'id,mail\r\n1,a@b.kz\r\n');
    await expect(importUsers(database.db, path)).rejects.toThrow(/lacks the column\(s\) user_id, email/);
    await expect(importUsers(database.db, join(directory, 'users.json'))).rejects.toThrow(/expected a \.csv or \.sql file/);
    await expect(importUsers(database.db, join(directory, 'missing.csv'))).rejects.toThrow(/ENOENT/);
  });
});

describe.runIf(testDatabaseEngine() === 'postgres')('importing the users through COPY (PostgreSQL)', () => {
  const viaCopy = () => ({ copyPool: database.pool });
  const someone = {
    password_hash: 'x',
    password_scheme: 'argon2id' as const,
    first_name: 'A',
    surname: 'B',
    phone: null,
    telegram: null,
    last_login_at: null,
  };

  it('stores exactly what the batched inserts store, backslashes and quoted line breaks included', async () => {
    const path = await writeFixture(
      'escapes.csv',
      CSV_HEADER +
        csvLine(['1', 'a_1@fest.tix', HASH, 'p', '"Да\\на\\t"', '"Омаров, ""кіші"""', '', '2023-05-06 07:08:09', 'True', '']) +
        csvLine([
          '2',
          'b_2@fest.tix',
          HASH,
          '"x\r\ny"',
          'Ерлан',
          '\\N',
          '1990-01-02',
          '2023-05-06 07:08:09',
          'False',
          '2024-01-01 00:00:00',
        ]),
    );
    for (const file of [csvPath, path]) {
      await sql`truncate identity.users restart identity cascade`.execute(database.db);
      await importUsers(database.db, file);
      // updated_at is the insert's time; everything else must be equal.
      const withoutUpdatedAt = async () => (await allUsers()).map(({ updated_at: _, ...user }) => user);
      const batched = await withoutUpdatedAt();
      await sql`truncate identity.users restart identity cascade`.execute(database.db);
      const summary = await importUsers(database.db, file, viaCopy());
      expect(summary.copy?.staged).toBe(batched.length);
      expect(summary).toMatchObject({ imported: batched.length, skipped: 0 });
      expect(await withoutUpdatedAt()).toEqual(batched);
    }
    const names = (await allUsers()).map((user) => [user.first_name, user.surname]);
    expect(names).toEqual([
      ['Да\\на\\t', 'Омаров, "кіші"'],
      ['Ерлан', '\\N'],
    ]);
  });

  it('counts existing, id-taken and email-taken rows on a re-import and reports the first with their lines', async () => {
    await importUsers(database.db, csvPath, viaCopy());
    await users().updateTable('identity.users').set({ email: 'changed@sbor.kz' }).where('id', '=', 3).execute();
    const taken = generateUser(7, SEED).email;
    await users().deleteFrom('identity.users').where('id', '=', 7).execute();
    await users()
      .insertInto('identity.users')
      .values({ ...someone, id: 10_000, email: taken })
      .execute();
    const again = await importUsers(database.db, csvPath, viaCopy());
    expect(again).toMatchObject({ rowsRead: ROWS, imported: 0, existing: ROWS - 2, idTaken: 1, emailTaken: 1, skipped: 2 });
    expect(again.firstSkipped.map((row) => [row.line, row.userId])).toEqual([
      [4, 3],
      [8, 7],
    ]);
  });

  it('moves the id sequence past the largest id and leaves no staging table behind', async () => {
    await importUsers(database.db, csvPath, viaCopy());
    const created = await users()
      .insertInto('identity.users')
      .values({ ...someone, email: 'new@sbor.kz' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(created.id).toBe(ROWS + 1);
    const staging = await database.pool.query(`select 1 from pg_tables where tablename like 'users_import_staging%'`);
    expect(staging.rowCount).toBe(0);
  });
});

describe('the sbor import users command', () => {
  async function run(args: string[], env: NodeJS.ProcessEnv) {
    const command = runSbor(args, env);
    const code = await command.exited;
    return { code, output: command.lines.join('\n') };
  }

  it('imports a file, prints the summary and exits 0; exits non-zero on an unreadable file', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: join(directory, 'cli-data'), LOG_LEVEL: 'info' };
    delete env.NATS_URL;
    delete env.DATABASE_URL;
    // On PostgreSQL runs the command uses this file's database; otherwise its own PGlite files.
    if (database.url) env.DATABASE_URL = database.url;
    const imported = await run(['import', 'users', csvPath], env);
    expect(imported.output).toContain('"msg":"users imported"');
    expect(imported.output).toContain(`"imported":${ROWS}`);
    expect(imported.code).toBe(0);
    const missing = await run(['import', 'users', join(directory, 'missing.csv')], env);
    expect(missing.code).not.toBe(0);
    expect(missing.output).toMatch(/Cannot read .*missing\.csv/);
  });
});
