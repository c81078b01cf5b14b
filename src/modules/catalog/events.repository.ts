import { sql, type Selectable, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { BookingPolicy, CatalogTables, EventStatus, EventTable } from './catalog.tables.ts';
import type { CatalogDb } from './organizers.repository.ts';

export type EventRow = Selectable<EventTable>;

export interface EventFields {
  title?: string;
  description?: string;
  type?: string;
  venue?: string;
  address?: string;
  timezone?: string;
  starts_at?: Date;
  ends_at?: Date | null;
  hold_ttl_seconds?: number;
  policy?: BookingPolicy;
  images?: string[];
}

function serialize(fields: EventFields) {
  const { policy, images, ...rest } = fields;
  return {
    ...rest,
    ...(policy ? { policy: JSON.stringify(policy) } : {}),
    ...(images ? { images: JSON.stringify(images) } : {}),
  };
}

export async function insertEvent(
  db: CatalogDb,
  fields: EventFields & { organizer_id: number; title: string; type: string; starts_at: Date },
): Promise<EventRow> {
  const values = {
    ...serialize(fields),
    organizer_id: fields.organizer_id,
    title: fields.title,
    type: fields.type,
    starts_at: fields.starts_at,
  };
  return db.insertInto('catalog.events').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function findEventById(db: CatalogDb, id: number): Promise<EventRow | undefined> {
  return db.selectFrom('catalog.events').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the event row for a lifecycle change, so two changes of one event serialize. */
export async function lockEventById(trx: Transaction<CatalogTables>, id: number): Promise<EventRow | undefined> {
  return trx.selectFrom('catalog.events').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function updateEventFields(trx: Transaction<CatalogTables>, id: number, fields: EventFields): Promise<EventRow> {
  return trx
    .updateTable('catalog.events')
    .set({ ...serialize(fields), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function setEventStatus(trx: Transaction<CatalogTables>, id: number, status: EventStatus): Promise<EventRow> {
  return trx
    .updateTable('catalog.events')
    .set({
      status,
      updated_at: sql<Date>`now()`,
      ...(status === 'PUBLISHED' ? { published_at: sql<Date>`now()` } : {}),
      ...(status === 'CANCELLED' ? { cancelled_at: sql<Date>`now()` } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Published events that have ended become COMPLETED; returns them (for their outbox events). */
export async function completeEndedEvents(trx: Transaction<CatalogTables>, limit: number): Promise<EventRow[]> {
  return trx
    .updateTable('catalog.events')
    .set({ status: 'COMPLETED', updated_at: sql<Date>`now()` })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('catalog.events')
        .select('id')
        .where('status', '=', 'PUBLISHED')
        .where(sql<boolean>`coalesce(ends_at, starts_at + interval '4 hours') < now()`)
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
}

/**
 * Claims the reminders that are due (events starting within a day), exactly once each: the
 * conditional update marks them sent in the transaction that writes their outbox events.
 */
export async function claimDueReminders(trx: Transaction<CatalogTables>, limit: number): Promise<EventRow[]> {
  return trx
    .updateTable('catalog.events')
    .set({ reminder_sent_at: sql<Date>`now()` })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('catalog.events')
        .select('id')
        .where('status', '=', 'PUBLISHED')
        .where('reminder_sent_at', 'is', null)
        .where('starts_at', '>', sql<Date>`now()`)
        .where('starts_at', '<=', sql<Date>`now() + interval '1 day'`)
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .where('reminder_sent_at', 'is', null)
    .returningAll()
    .execute();
}

export interface SearchFilter {
  query?: string;
  date?: string;
  type?: string;
  organizerId?: number;
  when: 'upcoming' | 'past' | 'all';
  page: number;
  pageSize: number;
}

const LISTED: EventStatus[] = ['PUBLISHED', 'COMPLETED'];

/**
 * Matches are ranked by relevance within consecutive blocks of this many, taken in time order
 * (see searchEvents and docs/catalog-search.md).
 */
export const SEARCH_RANK_BLOCK = 100;

/**
 * Full-text search in Russian and English (stemmed) over published and past events. Without a
 * query, by start time (upcoming soonest first; past ones latest first).
 *
 * With a query, ranking every match by ts_rank_cd cannot use an index: "концерт" matches hundreds
 * of thousands of the HackLoad archive's events, and sorting them all by rank takes seconds. So the
 * matches are taken in time order — upcoming events soonest first, then past ones latest first —
 * and relevance orders them within blocks of SEARCH_RANK_BLOCK: page 1 shows the best of the first
 * 100 matches, best first; ties keep the time order, so pages are stable.
 *
 * The time order comes from the GiST index on (local_date, starts_at, search_vector || '')
 * (catalog.search.migrations.ts): `order by starts_at <-> now()` walks it nearest to now first,
 * checking each event's lexemes in the index, and stops after the block; with a date, local_date
 * narrows the walk to that day. A walk only costs much when every word is common but they seldom
 * occur together (the index's signatures cannot tell), so it first goes back about 1% of all events
 * (one bucket of the starts_at histogram ANALYZE keeps); if that found some matches it walks on as
 * far as their density says the rest lies (at most 4 more buckets), and whatever is beyond comes
 * from the GIN index (its posting lists intersect), sorted. Without statistics (a small or never
 * analyzed table) the walk is not bounded.
 */
export async function searchEvents(db: CatalogDb, filter: SearchFilter): Promise<EventRow[]> {
  const offset = (filter.page - 1) * filter.pageSize;
  if (!filter.query) {
    const direction = filter.when === 'past' ? 'desc' : 'asc';
    return listedEvents(db, filter)
      .selectAll()
      .orderBy('starts_at', direction)
      .orderBy('id', direction)
      .limit(filter.pageSize)
      .offset(offset)
      .execute();
  }
  const tsquery = sql`(websearch_to_tsquery('russian', ${filter.query}) || websearch_to_tsquery('english', ${filter.query}))`;
  const rank = sql<number>`ts_rank_cd(search_vector, ${tsquery})`;
  // The blocks the page falls in: positions [firstBlock, end) of the time-ordered matches.
  const firstBlock = Math.floor(offset / SEARCH_RANK_BLOCK) * SEARCH_RANK_BLOCK;
  const end = (Math.floor((offset + filter.pageSize - 1) / SEARCH_RANK_BLOCK) + 1) * SEARCH_RANK_BLOCK;

  // How far walks may go: histogram buckets of starts_at (each about 1% of all events) counted
  // from the one now falls in (none without statistics: a small or never analyzed table).
  const stats = await sql<{ bounds: Date[] | null }>`
    select histogram_bounds::text::timestamptz[] as bounds from pg_stats
    where schemaname = 'catalog' and tablename = 'events' and attname = 'starts_at'`.execute(db);
  const bounds = stats.rows[0]?.bounds ?? [];
  const now = Date.now();
  const firstAfter = bounds.findIndex((bound) => bound.getTime() >= now);
  const lastBefore = (firstAfter < 0 ? bounds.length : firstAfter) - 1;
  /** The bound `buckets` full buckets away from now, or undefined when the histogram ends first. */
  const boundAt = (part: 'upcoming' | 'past', buckets: number): Date | undefined =>
    part === 'past' ? bounds[lastBefore - buckets] : firstAfter < 0 ? undefined : bounds[firstAfter + buckets];

  /** Matches between `near` (inclusive; now when undefined) and `far` (exclusive; open when undefined), walking the GiST. */
  const walk = async (part: 'upcoming' | 'past', limit: number, near: Date | undefined, far: Date | undefined) => {
    // `search_vector || ''` is the GiST's expression (catalog.search.migrations.ts).
    let query = listedEvents(db, { ...filter, when: part }).where(sql<boolean>`(search_vector || ''::tsvector) @@ ${tsquery}`);
    if (near) query = query.where('starts_at', part === 'past' ? '<' : '>=', near);
    if (far) query = query.where('starts_at', part === 'past' ? '>=' : '<', far);
    return query
      .select(['id', rank.as('rank')])
      .orderBy(sql`starts_at <-> now()`)
      .limit(limit)
      .execute();
  };

  const matchesOf = async (part: 'upcoming' | 'past', limit: number): Promise<{ id: number; rank: number }[]> => {
    // A date bounds the walk by itself (local_date leads the index).
    const horizon = filter.date ? undefined : boundAt(part, 1);
    const found = await walk(part, limit, undefined, horizon);
    if (found.length === limit || horizon === undefined) return found;
    // Matches are sparse near now. If the first bucket had some, walk on as far as that density
    // says the rest lies (up to 4 more buckets)…
    let near: Date = horizon;
    if (found.length > 0) {
      const buckets = Math.ceil(((limit - found.length) / found.length) * 1.5);
      if (buckets <= 4) {
        const far = boundAt(part, 1 + buckets);
        found.push(...(await walk(part, limit - found.length, near, far)));
        if (found.length === limit || far === undefined) return found;
        near = far;
      }
    }
    // …otherwise, and beyond, the GIN index's matches (the plain column: the GiST does not serve
    // it), sorted: posting lists intersect where a walk would read on and on for words that are
    // each common but seldom together.
    const distance = sql`abs(extract(epoch from starts_at - now()))`;
    const rest = await db
      .selectFrom(
        listedEvents(db, { ...filter, when: part })
          .where(sql<boolean>`search_vector @@ ${tsquery}`)
          .select(['id', 'starts_at', sql<string>`search_vector`.as('search_vector')])
          .where('starts_at', part === 'past' ? '<' : '>=', near)
          .orderBy(distance)
          .orderBy('id')
          .limit(limit - found.length)
          .as('rest'),
      )
      .select(['id', rank.as('rank')])
      .orderBy(distance)
      .orderBy('id')
      .execute();
    return [...found, ...rest];
  };
  const matches: { id: number; rank: number }[] = [];
  if (filter.when !== 'past') matches.push(...(await matchesOf('upcoming', end)));
  if (filter.when !== 'upcoming' && matches.length < end) matches.push(...(await matchesOf('past', end - matches.length)));

  const block = (position: number) => Math.floor(position / SEARCH_RANK_BLOCK);
  const page = matches
    .map((match, position) => ({ ...match, position }))
    .slice(firstBlock)
    .sort((a, b) => block(a.position) - block(b.position) || b.rank - a.rank || a.position - b.position)
    .slice(offset - firstBlock, offset - firstBlock + filter.pageSize);
  if (page.length === 0) return [];
  const rows = await db
    .selectFrom('catalog.events')
    .selectAll()
    .where(
      'id',
      'in',
      page.map((match) => match.id),
    )
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return page.flatMap((match) => byId.get(match.id) ?? []);
}

/** Above this many events, titles are not compared by trigrams (see searchEventsFuzzy). */
export const FUZZY_TITLE_SCAN_LIMIT = 100_000;

/**
 * The typo-tolerant fallback, for a query whose words matched nothing.
 *
 * - Up to FUZZY_TITLE_SCAN_LIMIT events (by the planner's estimate): titles similar to the query by
 *   trigrams, most similar first.
 * - Above that, comparing titles costs seconds (a misspelt common word shares trigrams with
 *   hundreds of thousands of them), so each word that is not in the vocabulary is replaced by the
 *   most similar of the commonest lexemes ANALYZE keeps for search_vector (about a thousand), and
 *   the corrected words are searched again; nothing when no word changes.
 */
export async function searchEventsFuzzy(
  db: CatalogDb,
  filter: SearchFilter & { query: string },
  titleScanLimit = FUZZY_TITLE_SCAN_LIMIT,
): Promise<EventRow[]> {
  const estimate = sql<{ rows: number }>`select reltuples::bigint as rows from pg_class where oid = 'catalog.events'::regclass`;
  if (((await estimate.execute(db)).rows[0]?.rows ?? 0) <= titleScanLimit) {
    const needle = filter.query.toLowerCase();
    return listedEvents(db, filter)
      .selectAll()
      .where(sql<boolean>`lower(title) % ${needle}`)
      .orderBy(sql`similarity(lower(title), ${needle}) desc`)
      .orderBy('starts_at')
      .orderBy('id')
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize)
      .execute();
  }
  const tokens = filter.query.split(/\s+/).filter((token) => token !== '');
  const words = tokens.map((token) => token.replace(/[^\p{L}\p{N}-]/gu, ''));
  const corrections = await sql<{ position: number; closest: string | null }>`
    with lexicon as (
      select unnest(most_common_elems::text::text[]) as lexeme from pg_stats
      where schemaname = 'catalog' and tablename = 'events' and attname = 'search_vector'
    )
    select position::int, (
             select lexeme from lexicon where similarity(lexeme, word) >= 0.3
             order by similarity(lexeme, word) desc, lexeme limit 1) as closest
    from unnest(${words}::text[]) with ordinality as words (word, position)
    where word <> ''
      -- Stop words (no lexeme) and words the vocabulary has stay as they are.
      and numnode(plainto_tsquery('russian', word)) > 0
      and not exists (
        select 1 from lexicon
        where lexeme in (select unnest(tsvector_to_array(to_tsvector('russian', word) || to_tsvector('english', word)))))`.execute(
    db,
  );
  let changed = false;
  for (const { position, closest } of corrections.rows) {
    const index = position - 1;
    const word = words[index];
    if (closest === null || word === undefined || word === '') continue;
    tokens[index] = (tokens[index] ?? '').replace(word, closest);
    changed = true;
  }
  return changed ? searchEvents(db, { ...filter, query: tokens.join(' ') }) : [];
}

type EventQuery = SelectQueryBuilder<CatalogTables, 'catalog.events', object>;

function listedEvents(db: CatalogDb, filter: SearchFilter): EventQuery {
  let result: EventQuery = db.selectFrom('catalog.events').where('status', 'in', LISTED);
  if (filter.date) result = result.where('local_date', '=', filter.date);
  if (filter.type) result = result.where('type', '=', filter.type);
  if (filter.organizerId !== undefined) result = result.where('organizer_id', '=', filter.organizerId);
  if (filter.when === 'upcoming') result = result.where('starts_at', '>=', sql<Date>`now()`);
  if (filter.when === 'past') result = result.where('starts_at', '<', sql<Date>`now()`);
  return result;
}

export async function listOrganizerEvents(
  db: CatalogDb,
  organizerId: number,
  statuses: EventStatus[],
  limit: number,
): Promise<EventRow[]> {
  return db
    .selectFrom('catalog.events')
    .selectAll()
    .where('organizer_id', '=', organizerId)
    .where('status', 'in', statuses)
    .orderBy('starts_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function addFavorite(db: CatalogDb, userId: number, eventId: number): Promise<void> {
  await db
    .insertInto('catalog.favorites')
    .values({ user_id: userId, event_id: eventId })
    .onConflict((conflict) => conflict.columns(['user_id', 'event_id']).doNothing())
    .execute();
}

export async function removeFavorite(db: CatalogDb, userId: number, eventId: number): Promise<void> {
  await db.deleteFrom('catalog.favorites').where('user_id', '=', userId).where('event_id', '=', eventId).execute();
}

export async function listFavorites(db: CatalogDb, userId: number): Promise<EventRow[]> {
  return db
    .selectFrom('catalog.favorites')
    .innerJoin('catalog.events', 'catalog.events.id', 'catalog.favorites.event_id')
    .selectAll('catalog.events')
    .where('catalog.favorites.user_id', '=', userId)
    .orderBy('catalog.events.starts_at')
    .orderBy('catalog.events.id')
    .execute();
}
