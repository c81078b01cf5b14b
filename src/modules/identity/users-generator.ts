import { createHash } from 'node:crypto';
import { pick, rowRandom } from '../../platform/import/seeded-random.ts';
import { writeTextFile } from '../../platform/import/text-file.ts';
import { USERS_FILE_COLUMNS, type UsersFileFormat } from './users-import.ts';

/**
 * Data shaped like the HackLoad users set (hackload-kz/data, generate_ticket_users.py), for tests
 * and benchmarks: the same columns, formats and quirks (Kazakh names in Cyrillic, passwords with
 * punctuation, Python booleans, `\r\n` CSV lines, 1000-tuple SQL INSERTs, 30% missing birthdays).
 *
 * Every row is a pure function of (seed, user id), so a test can recompute any user, and in
 * particular log in as user k with `plainPasswordFor(k, seed)`, without reading the file.
 */

export const DEFAULT_USERS_SEED = 42;

export interface GeneratedUser {
  user_id: number;
  email: string;
  /** Lowercase hex SHA-256 of password_plain, unsalted, as in the data set. */
  password_hash: string;
  password_plain: string;
  first_name: string;
  surname: string;
  /** YYYY-MM-DD, or null for about 30% of users. */
  birthday: string | null;
  /** YYYY-MM-DD HH:MM:SS, UTC. */
  registered_at: string;
  is_active: boolean;
  /** YYYY-MM-DD HH:MM:SS, UTC, not before registered_at. */
  last_logged_in: string;
}

const DOMAINS = [
  'cool.ti',
  'grab.coffee',
  'hackhload.kz',
  'ticket.world',
  'event.me',
  'quick.pass',
  'show.go',
  'concert.fun',
  'fest.tix',
  'live.now',
];

/** [Kazakh, English] pairs; the email uses the English form, the name columns the Kazakh one. */
const MALE_FIRST: readonly (readonly [string, string])[] = [
  ['Айсұлтан', 'aysultan'],
  ['Нұрлан', 'nurlan'],
  ['Ерлан', 'erlan'],
  ['Асқар', 'askar'],
  ['Дәулет', 'daulet'],
  ['Ғалым', 'galym'],
  ['Бауыржан', 'bauyrzhan'],
  ['Қанат', 'kanat'],
  ['Серік', 'serik'],
  ['Әлихан', 'alikhan'],
  ['Темірлан', 'temirlan'],
  ['Мұхтар', 'mukhtar'],
];
const FEMALE_FIRST: readonly (readonly [string, string])[] = [
  ['Айгерім', 'aigerim'],
  ['Әсел', 'asel'],
  ['Жансая', 'zhansaya'],
  ['Гүлнар', 'gulnar'],
  ['Мөлдір', 'moldir'],
  ['Аружан', 'aruzhan'],
  ['Назерке', 'nazerke'],
  ['Салтанат', 'saltanat'],
  ['Ақбота', 'akbota'],
  ['Іңкәр', 'inkar'],
  ['Сәуле', 'saule'],
  ['Томирис', 'tomiris'],
];
const MALE_SURNAME: readonly (readonly [string, string])[] = [
  ['Талғат', 'talgat'],
  ['Нұрланов', 'nurlanov'],
  ['Сәрсенбаев', 'sarsenbayev'],
  ['Жұмабаев', 'zhumabayev'],
  ['Омаров', 'omarov'],
  ['Ахметов', 'akhmetov'],
  ['Қасымов', 'kasymov'],
  ['Әбдірахманов', 'abdirakhmanov'],
  ['Серікбаев', 'serikbayev'],
  ['Бекмұхамбетов', 'bekmukhambetov'],
];
const FEMALE_SURNAME: readonly (readonly [string, string])[] = [
  ['Талғатқызы', 'talgatkyzy'],
  ['Нұрланова', 'nurlanova'],
  ['Сәрсенбаева', 'sarsenbayeva'],
  ['Жұмабаева', 'zhumabayeva'],
  ['Омарова', 'omarova'],
  ['Ахметова', 'akhmetova'],
  ['Қасымова', 'kasymova'],
  ['Әбдірахманова', 'abdirakhmanova'],
  ['Серікбаева', 'serikbayeva'],
  ['Бекмұхамбетова', 'bekmukhambetova'],
];

/** Python's string.ascii_letters + string.digits + string.punctuation, as the data set uses. */
const PASSWORD_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' + '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** Dates are relative to a fixed instant, not to now, so a seed always gives the same file. */
const REFERENCE_MS = Date.UTC(2025, 5, 1, 12, 0, 0);
const DAY_MS = 86_400_000;

/** Each user draws from its own generator, so any user can be recomputed on its own. */
function userRandom(seed: number, userId: number): () => number {
  return rowRandom(seed ^ 0x9e3779b9, userId);
}

function integerBetween(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** The password is drawn first from the row's generator, so it can be recomputed cheaply. */
function drawPassword(random: () => number): string {
  const length = integerBetween(random, 8, 16);
  let password = '';
  for (let index = 0; index < length; index++) password += pick(random, PASSWORD_ALPHABET);
  return password;
}

/** The plain password of generated user `userId` (to log in as that user in a test). */
export function plainPasswordFor(userId: number, seed: number = DEFAULT_USERS_SEED): string {
  return drawPassword(userRandom(seed, userId));
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Generated user `userId`, exactly as the files written with the same seed contain it. */
export function generateUser(userId: number, seed: number = DEFAULT_USERS_SEED): GeneratedUser {
  const random = userRandom(seed, userId);
  const password = drawPassword(random);
  const male = random() < 0.5;
  const [firstName, firstNameEn] = pick(random, male ? MALE_FIRST : FEMALE_FIRST);
  const [surname, surnameEn] = pick(random, male ? MALE_SURNAME : FEMALE_SURNAME);
  const domain = pick(random, DOMAINS);
  const hasBirthday = random() >= 0.3;
  const birthdayDays = integerBetween(random, 0, 52 * 365);
  const registeredMs = REFERENCE_MS - integerBetween(random, 1, 5 * 365) * DAY_MS - integerBetween(random, 0, 86_399) * 1000;
  const daysSinceRegistration = Math.max(1, Math.floor((REFERENCE_MS - registeredMs) / DAY_MS));
  const lastLoginMs = registeredMs + integerBetween(random, 0, daysSinceRegistration) * DAY_MS;
  const isActive = random() < 0.8;
  return {
    user_id: userId,
    email: `${firstNameEn}_${surnameEn}_${userId}@${domain}`,
    password_hash: sha256Hex(password),
    password_plain: password,
    first_name: firstName,
    surname,
    birthday: hasBirthday ? new Date(REFERENCE_MS - 65 * 365 * DAY_MS + birthdayDays * DAY_MS).toISOString().slice(0, 10) : null,
    registered_at: formatTimestamp(registeredMs),
    is_active: isActive,
    last_logged_in: formatTimestamp(lastLoginMs),
  };
}

function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Python csv (QUOTE_MINIMAL): quote a field holding the delimiter, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export const CSV_HEADER = `${USERS_FILE_COLUMNS.join(',')}\r\n`;

/** One CSV line as csv.DictWriter writes it (True/False, empty birthday, `\r\n`). */
export function formatCsvRow(user: GeneratedUser): string {
  return (
    [
      String(user.user_id),
      csvField(user.email),
      user.password_hash,
      csvField(user.password_plain),
      csvField(user.first_name),
      csvField(user.surname),
      user.birthday ?? '',
      user.registered_at,
      user.is_active ? 'True' : 'False',
      user.last_logged_in,
    ].join(',') + '\r\n'
  );
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** One tuple as generate_ticket_users.py writes it (no separator). */
export function formatSqlTuple(user: GeneratedUser): string {
  return `(${user.user_id}, ${sqlString(user.email)}, '${user.password_hash}', ${sqlString(user.password_plain)}, ${sqlString(
    user.first_name,
  )}, ${sqlString(user.surname)}, ${user.birthday === null ? 'NULL' : `'${user.birthday}'`}, '${user.registered_at}', ${
    user.is_active ? 'TRUE' : 'FALSE'
  }, '${user.last_logged_in}')`;
}

export const SQL_PREAMBLE = `
CREATE TABLE users (
    user_id INTEGER PRIMARY KEY,
    email VARCHAR(255) UNIQUE NOT NULL,
    password_hash VARCHAR(64) NOT NULL,
    password_plain VARCHAR(255),  -- For testing purposes only, would not exist in production
    first_name VARCHAR(100) NOT NULL,
    surname VARCHAR(100) NOT NULL,
    birthday DATE,
    registered_at TIMESTAMP NOT NULL,
    is_active BOOLEAN NOT NULL,
    last_logged_in TIMESTAMP NOT NULL
);

-- Insert data
BEGIN TRANSACTION;
`;

export const SQL_INSERT_HEADER = `INSERT INTO users (${USERS_FILE_COLUMNS.join(', ')}) VALUES\n`;

const SQL_BATCH = 1000;

export interface GenerateUsersOptions {
  rows: number;
  format: UsersFileFormat;
  seed?: number;
  /** The first user_id (default 1); ids are consecutive. */
  firstId?: number;
}

/**
 * Writes `rows` generated users to `path` as the data set's users.csv or users.sql, streaming
 * (memory stays flat for any row count).
 */
export async function generateUsersFile(path: string, options: GenerateUsersOptions): Promise<void> {
  const { rows, format, seed = DEFAULT_USERS_SEED, firstId = 1 } = options;
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  await writeTextFile(path, async (write) => {
    if (format === 'csv') {
      await write(CSV_HEADER);
      for (let index = 0; index < rows; index++) await write(formatCsvRow(generateUser(firstId + index, seed)));
    } else {
      await write(SQL_PREAMBLE);
      for (let start = 0; start < rows; start += SQL_BATCH) {
        const tuples: string[] = [];
        for (let index = start; index < Math.min(rows, start + SQL_BATCH); index++) {
          tuples.push(formatSqlTuple(generateUser(firstId + index, seed)));
        }
        await write(`${SQL_INSERT_HEADER}${tuples.join(',\n')};\n`);
      }
      await write('\nCOMMIT;\n');
    }
  });
}
