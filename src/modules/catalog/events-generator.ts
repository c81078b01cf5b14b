import { pick, rowRandom } from '../../platform/import/seeded-random.ts';
import { writeTextFile } from '../../platform/import/text-file.ts';

/**
 * Data shaped like the HackLoad events sets (hackload-kz/data), for tests and benchmarks:
 *
 * - `upcoming` as generate_events.py writes events.json: ids from 1, types film/cinema/stage/game,
 *   three providers, a start 1 to 90 days after the reference day at 18–21 h;
 * - `archive` as events_archive.py writes events_archive.json: ids from 100000, seven types
 *   (film, game, cinema, concert, theater, sport, exhibition), five providers, starts over
 *   2015-01-01 … 2024-12-30 weighted towards the evening.
 *
 * Titles and descriptions are Russian and built like the real ones (a template, a person, a work),
 * so the HackLoad search phrases occur at about the data set's frequencies: in the archive
 * "концерт" in ~11% of titles, "Дмитрий Козлов" ~8%, "Чемпионат" ~5%, "Красная шапочка" ~4%,
 * `Экспозиция "Звездные войны"` ~0.4%, and "азарт" in ~14% of descriptions; in the upcoming set
 * "Концерт" ~10% and "Чемпионат" ~8% (the other four phrases do not occur there, as in the real
 * events.json). One archive row in a thousand (ids ending in 025) starts on 2024-12-25, the load
 * test's date, so even a small file has some; otherwise dates are uniform.
 *
 * `datetime_start` is Python's naive `isoformat()` ("2024-12-25T19:30:00"): the venue's local
 * time (the importer reads it in Asia/Almaty). Every row is a pure function of (set, seed, id, and
 * for `upcoming` the reference day), so a test can recompute any row without reading the file.
 */

export type EventsDataSet = 'upcoming' | 'archive';
/** `json` is the scripts' format (one array, indent 2); `jsonl` one object per line; `sql` insert_events_from_json.py's. */
export type GeneratedEventsFormat = 'json' | 'jsonl' | 'sql';

export const DEFAULT_EVENTS_SEED = 42;
export const ARCHIVE_FIRST_ID = 100_000;
/** The HackLoad load test's date; one archive row in a thousand starts on it. */
export const HACKLOAD_DATE = '2024-12-25';

export interface GeneratedEvent {
  id: number;
  title: string;
  description: string;
  type: string;
  /** YYYY-MM-DDTHH:MM:SS, the venue's local time, no zone (Python's naive isoformat). */
  datetime_start: string;
  provider: string;
}

export interface GenerateEventOptions {
  set: EventsDataSet;
  seed?: number;
  /** `upcoming` only: the day the data is generated (default today, UTC); starts are 1–90 days after it. */
  today?: Date;
}

// --- vocabulary --------------------------------------------------------------------------------

const UPCOMING_TYPES = ['film', 'cinema', 'stage', 'game'] as const;
const ARCHIVE_TYPES = ['film', 'game', 'cinema', 'concert', 'theater', 'sport', 'exhibition'] as const;
const UPCOMING_PROVIDERS = ['TicketRu', 'EventWorld', 'ShowTime'];
const ARCHIVE_PROVIDERS = ['TicketRu', 'EventWorld', 'ShowTime', 'CultureCity', 'SportHub'];

const MALE_NAMES = ['Георгий', 'Алексей', 'Дмитрий', 'Владимир', 'Андрей', 'Сергей', 'Михаил', 'Николай', 'Иван', 'Александр'];
const FEMALE_NAMES = ['Анна', 'Елена', 'Мария', 'Ольга', 'Татьяна', 'Ирина', 'Наталья', 'Светлана', 'Екатерина', 'Юлия'];
const SURNAMES = ['Шванидзе', 'Петров', 'Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Соколов', 'Михайлов', 'Новиков'];

/** The archive's twelve people: one of them is the load test's "Дмитрий Козлов". */
const ARCHIVE_PEOPLE = [
  'Андрей Смирнов',
  'Владимир Смирнов',
  'Анна Иванова',
  'Михаил Петров',
  'Елена Смирнова',
  'Дмитрий Козлов',
  'Ольга Сидорова',
  'Алексей Морозов',
  'Татьяна Волкова',
  'Сергей Лебедев',
  'Мария Соколова',
  'Николай Орлов',
];

const MOVIES = [
  'Московские каникулы',
  'Северная история',
  'Тайна старого города',
  'Весенние грезы',
  'Последний рейс',
  'Золотая осень',
  'Белые ночи',
  'Красная площадь',
  'Синий экспресс',
  'Зеленая миля',
  'Черное море',
  'Серебряный век',
  'Бронзовая птица',
  'Алые паруса',
];
const PLAYS = ['Три сестры', 'Вишневый сад', 'Дядя Ваня', 'Чайка', 'Ревизор', 'Горе от ума', 'Евгений Онегин', 'Война и мир'];
const GAMES = ['Что? Где? Когда?', 'Поле чудес', 'КВН', 'Брейн-ринг', 'Своя игра', 'Умники и умницы', 'Форт Боярд', 'Голос'];

/** The archive's thirteen works: "Красная шапочка" and "Звездные войны" among them. */
const ARCHIVE_WORKS = [
  'Тайна старого города',
  'Зеленая миля',
  'Алые паруса',
  'Белые ночи',
  'Черный квадрат',
  'Золотая осень',
  'Синяя птица',
  'Красная шапочка',
  'Звездные войны',
  'Матрица',
  'Титаник',
  'Аватар',
  'Гладиатор',
];
const ARCHIVE_SHOWS = ['Форт Боярд', 'Своя игра', 'Что? Где? Когда?', 'Поле чудес', 'Кто хочет стать миллионером?', 'Брейн-ринг'];

const UPCOMING_DESCRIPTIONS = [
  'Уникальное мероприятие для всей семьи. Не пропустите яркое шоу с участием известных артистов и незабываемые впечатления.',
  'Захватывающее представление, которое оставит неизгладимые воспоминания. Профессиональные актеры и великолепная постановка.',
  'Эксклюзивное событие с участием звезд российской эстрады. Атмосферное шоу в лучших традициях отечественного искусства.',
  'Премьерный показ долгожданной новинки. Первоклассная режиссура и блестящая игра актеров гарантируют успех.',
  'Культурное событие высочайшего уровня. Изысканная программа для истинных ценителей искусства и прекрасного.',
  'Развлекательная программа для всех возрастов. Веселье, смех и позитивные эмоции обеспечены каждому зрителю.',
  'Торжественное мероприятие в честь знаменательной даты. Праздничная атмосфера и незабываемые моменты.',
  'Интерактивное шоу с участием зрителей. Возможность стать частью представления и получить ценные призы.',
];
/** Seven descriptions: one (≈14% of rows) speaks of "азарт". */
const ARCHIVE_DESCRIPTIONS = [
  'Захватывающее представление, которое оставит неизгладимые воспоминания. Профессиональные актеры и великолепная постановка.',
  'Уникальное мероприятие для всей семьи. Не пропустите яркое шоу с участием известных артистов и незабываемые впечатления.',
  'Развлекательная программа для всех возрастов. Веселье, смех и позитивные эмоции обеспечены каждому зрителю.',
  'Культурное событие высочайшего уровня. Изысканная программа для истинных ценителей искусства и прекрасного.',
  'Незабываемое шоу с потрясающими спецэффектами. Мастерство исполнителей поразит даже самых требовательных зрителей.',
  'Увлекательное мероприятие для любителей интеллектуальных развлечений. Атмосфера азарта и соперничества гарантирована.',
  'Грандиозное событие, которое станет настоящим праздником для души. Яркие эмоции и восторженные отзывы публики.',
];

// --- randomness ----------------------------------------------------------------------------------

/** Each event draws from its own generator (one series per set), so any row can be recomputed on its own. */
function eventRandom(seed: number, set: EventsDataSet, id: number): () => number {
  return rowRandom(seed ^ (set === 'archive' ? 0x51ed27 : 0x2545f491), id);
}

/** Index drawn with the given relative weights. */
function weighted(random: () => number, weights: readonly number[]): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let point = random() * total;
  for (let index = 0; index < weights.length; index++) {
    point -= weights[index] ?? 0;
    if (point < 0) return index;
  }
  return weights.length - 1;
}

const DAY_MS = 86_400_000;
const ARCHIVE_START_MS = Date.UTC(2015, 0, 1);
/** 2015-01-01 … 2024-12-30: Python's randrange over the days up to 2024-12-31, end excluded. */
const ARCHIVE_DAYS = (Date.UTC(2024, 11, 31) - ARCHIVE_START_MS) / DAY_MS;
const ARCHIVE_HOURS = [17, 18, 19, 20, 21, 22];
const ARCHIVE_HOUR_WEIGHTS = [10, 20, 30, 25, 10, 5];
const MINUTES = [0, 15, 30, 45];

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** Day `dayMs` (UTC midnight of a calendar day) at hour:minute, as a naive ISO timestamp. */
function localTimestamp(dayMs: number, hour: number, minute: number): string {
  return `${new Date(dayMs).toISOString().slice(0, 10)}T${pad2(hour)}:${pad2(minute)}:00`;
}

// --- rows ------------------------------------------------------------------------------------------

function upcomingTitle(random: () => number, type: (typeof UPCOMING_TYPES)[number]): string {
  const person = `${pick(random, random() < 0.5 ? MALE_NAMES : FEMALE_NAMES)} ${pick(random, SURNAMES)}`;
  switch (type) {
    case 'film': {
      const movie = pick(random, MOVIES);
      return pick(random, [
        `Премьера фильма "${movie}" с участием ${person}`,
        `Киносеанс "${movie}" режиссера ${person}`,
        `Показ картины "${movie}" с ${person} в главной роли`,
      ]);
    }
    case 'cinema': {
      const movie = pick(random, MOVIES);
      return pick(random, [
        `Кинопоказ "${movie}" в честь ${person}`,
        `Фестиваль фильмов с участием ${person}`,
        `Специальный показ "${movie}" с ${person}`,
      ]);
    }
    case 'stage': {
      const play = pick(random, PLAYS);
      const years = 10 + Math.floor(random() * 41);
      return pick(random, [
        `Концерт ${person} в честь ${years}-летия на сцене`,
        `Театральная постановка "${play}" с ${person}`,
        `Музыкальный вечер ${person} и друзей`,
        `Сольный концерт ${person}`,
        `Спектакль "${play}" в исполнении ${person}`,
      ]);
    }
    case 'game': {
      const game = pick(random, GAMES);
      return pick(random, [
        `Турнир по игре "${game}" с участием ${person}`,
        `Чемпионат "${game}" под руководством ${person}`,
        `Игровое шоу "${game}" с ведущим ${person}`,
      ]);
    }
  }
}

function archiveTitle(random: () => number, type: (typeof ARCHIVE_TYPES)[number]): string {
  const person = pick(random, ARCHIVE_PEOPLE);
  const work = pick(random, ARCHIVE_WORKS);
  switch (type) {
    case 'film':
      return pick(random, [
        `Премьера фильма "${work}" с участием ${person}`,
        `Показ картины "${work}" с ${person} в главной роли`,
        `Киносеанс "${work}" режиссера ${person}`,
        `Кинопоказ "${work}" в честь ${person}`,
      ]);
    case 'game': {
      const show = pick(random, ARCHIVE_SHOWS);
      return pick(random, [
        `Игровое шоу "${show}" с ведущим ${person}`,
        `Телешоу "${show}" при участии ${person}`,
        `Интеллектуальная игра "${show}" с ${person}`,
      ]);
    }
    case 'cinema':
      return pick(random, [
        `Кинопоказ "${work}" в честь ${person}`,
        `Киномарафон "${work}" с ${person}`,
        `Ретроспектива "${work}" посвященная ${person}`,
      ]);
    case 'concert':
      return pick(random, [
        `Концерт ${person}`,
        `Сольный концерт ${person}`,
        `Музыкальный вечер с ${person}`,
        `Гала-концерт ${person}`,
      ]);
    case 'theater':
      return pick(random, [
        `Спектакль "${work}" с ${person}`,
        `Театральная постановка "${work}" при участии ${person}`,
        `Премьера спектакля "${work}" с ${person} в главной роли`,
      ]);
    case 'sport':
      return pick(random, [
        `Спортивное соревнование с участием ${person}`,
        `Турнир памяти ${person}`,
        `Чемпионат города при поддержке ${person}`,
      ]);
    case 'exhibition':
      return pick(random, [
        `Выставка работ ${person}`,
        `Персональная выставка ${person}`,
        `Экспозиция "${work}" куратор ${person}`,
      ]);
  }
}

/** The day (UTC midnight) generated upcoming events count from. */
function dayOf(today: Date): number {
  return Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
}

/** Generated event `id` of a set, exactly as the files written with the same options contain it. */
export function generateEvent(id: number, options: GenerateEventOptions): GeneratedEvent {
  const seed = options.seed ?? DEFAULT_EVENTS_SEED;
  const random = eventRandom(seed, options.set, id);
  if (options.set === 'upcoming') {
    const type = pick(random, UPCOMING_TYPES);
    const title = upcomingTitle(random, type);
    const description = pick(random, UPCOMING_DESCRIPTIONS);
    const day = dayOf(options.today ?? new Date()) + (1 + Math.floor(random() * 90)) * DAY_MS;
    const datetime = localTimestamp(day, pick(random, [18, 19, 20, 21]), pick(random, MINUTES));
    return { id, title, description, type, datetime_start: datetime, provider: pick(random, UPCOMING_PROVIDERS) };
  }
  const type = pick(random, ARCHIVE_TYPES);
  const title = archiveTitle(random, type);
  const description = pick(random, ARCHIVE_DESCRIPTIONS);
  const uniformDay = ARCHIVE_START_MS + Math.floor(random() * ARCHIVE_DAYS) * DAY_MS;
  const day = id % 1000 === 25 ? Date.parse(HACKLOAD_DATE) : uniformDay;
  const hour = ARCHIVE_HOURS[weighted(random, ARCHIVE_HOUR_WEIGHTS)] ?? 19;
  const datetime = localTimestamp(day, hour, pick(random, MINUTES));
  return { id, title, description, type, datetime_start: datetime, provider: pick(random, ARCHIVE_PROVIDERS) };
}

// --- files -----------------------------------------------------------------------------------------

/** One object as Python's `json.dump(…, ensure_ascii=False, indent=2)` writes it inside the array. */
export function formatJsonObject(event: GeneratedEvent): string {
  return (
    `  {\n    "id": ${event.id},\n    "title": ${JSON.stringify(event.title)},\n` +
    `    "description": ${JSON.stringify(event.description)},\n    "type": ${JSON.stringify(event.type)},\n` +
    `    "datetime_start": ${JSON.stringify(event.datetime_start)},\n    "provider": ${JSON.stringify(event.provider)}\n  }`
  );
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** One tuple as insert_events_from_json.py writes it (no separator). */
export function formatSqlTuple(event: GeneratedEvent): string {
  return `(${event.id}, ${sqlString(event.title)}, ${sqlString(event.description)}, ${sqlString(event.type)}, '${event.datetime_start}', ${sqlString(event.provider)})`;
}

export const SQL_INSERT_HEADER = 'INSERT INTO events_archive (id, title, description, type, datetime_start, provider) VALUES\n';
const SQL_BATCH = 1000;

export interface GenerateEventsOptions extends GenerateEventOptions {
  rows: number;
  format: GeneratedEventsFormat;
  /** The first id (default 1 for `upcoming`, 100000 for `archive`); ids are consecutive. */
  firstId?: number;
}

/** Writes `rows` generated events to `path` in the scripts' layout, streaming (flat memory). */
export async function generateEventsFile(path: string, options: GenerateEventsOptions): Promise<void> {
  const { rows, format } = options;
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  const firstId = options.firstId ?? (options.set === 'archive' ? ARCHIVE_FIRST_ID : 1);
  const rowOptions: GenerateEventOptions = { ...options, today: options.today ?? new Date() };
  await writeTextFile(path, async (write) => {
    if (format === 'json' || format === 'jsonl') {
      // json.dump writes "[]" for no rows, "[\n  {…},\n  {…}\n]" otherwise, with no final line break.
      if (format === 'json') await write(rows === 0 ? '[]' : '[\n');
      for (let index = 0; index < rows; index++) {
        const event = generateEvent(firstId + index, rowOptions);
        if (format === 'json') await write((index === 0 ? '' : ',\n') + formatJsonObject(event));
        else await write(`${JSON.stringify(event)}\n`);
      }
      if (format === 'json' && rows > 0) await write('\n]');
    } else {
      const batches = Math.ceil(rows / SQL_BATCH);
      const number = (value: number) => value.toLocaleString('en');
      await write(
        '-- Generated SQL INSERT statements for events_archive\n' +
          '-- Archive events: 6 million events with IDs 100,000 to 6,099,999\n' +
          '-- Date range: 2015-2024 (past 10 years)\n\n' +
          `-- Total events: ${number(rows)}\n-- Batch size: ${number(SQL_BATCH)}\n-- Total batches: ${batches}\n\n`,
      );
      for (let batch = 0; batch < batches; batch++) {
        const start = batch * SQL_BATCH;
        const end = Math.min(rows, start + SQL_BATCH);
        const tuples: string[] = [];
        for (let index = start; index < end; index++) tuples.push(formatSqlTuple(generateEvent(firstId + index, rowOptions)));
        await write(
          `-- Batch ${batch + 1} of ${batches} (events ${start + 1} to ${end})\n${SQL_INSERT_HEADER}${tuples.join(',\n')}\n;\n\n`,
        );
      }
    }
  });
}
