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
 * Full-text search in Russian and English (stemmed) over published and past events, ranked by
 * relevance, then by start and id so pages are stable. Without a query, by start time.
 */
export async function searchEvents(db: CatalogDb, filter: SearchFilter): Promise<EventRow[]> {
  const query = listedEvents(db, filter).selectAll();
  const offset = (filter.page - 1) * filter.pageSize;
  if (filter.query) {
    const tsquery = sql`(websearch_to_tsquery('russian', ${filter.query}) || websearch_to_tsquery('english', ${filter.query}))`;
    return query
      .where(sql<boolean>`search_vector @@ ${tsquery}`)
      .orderBy(sql`ts_rank_cd(search_vector, ${tsquery}) desc`)
      .orderBy('starts_at')
      .orderBy('id')
      .limit(filter.pageSize)
      .offset(offset)
      .execute();
  }
  const direction = filter.when === 'past' ? 'desc' : 'asc';
  return query.orderBy('starts_at', direction).orderBy('id', direction).limit(filter.pageSize).offset(offset).execute();
}

/** The typo-tolerant fallback: titles similar to the query by trigrams. */
export async function searchEventsFuzzy(db: CatalogDb, filter: SearchFilter & { query: string }): Promise<EventRow[]> {
  const query = listedEvents(db, filter).selectAll();
  const needle = filter.query.toLowerCase();
  return query
    .where(sql<boolean>`lower(title) % ${needle}`)
    .orderBy(sql`similarity(lower(title), ${needle}) desc`)
    .orderBy('starts_at')
    .orderBy('id')
    .limit(filter.pageSize)
    .offset((filter.page - 1) * filter.pageSize)
    .execute();
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
