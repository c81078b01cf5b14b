import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { CatalogTables, Contacts, OrganizerTable, TeamRole } from './catalog.tables.ts';

export type CatalogDb = Kysely<CatalogTables>;
export type OrganizerRow = Selectable<OrganizerTable>;

export function catalogDb(db: Kysely<object>): CatalogDb {
  return db.$extendTables<CatalogTables>();
}

export interface OrganizerFields {
  slug?: string;
  name?: string;
  logo_url?: string | null;
  description?: string;
  contacts?: Contacts;
  brand_color?: string | null;
}

export async function insertOrganizer(
  db: CatalogDb,
  fields: OrganizerFields & { slug: string; name: string },
): Promise<OrganizerRow | undefined> {
  const { contacts, ...rest } = fields;
  return db
    .insertInto('catalog.organizers')
    .values({ ...rest, ...(contacts ? { contacts: JSON.stringify(contacts) } : {}) })
    .onConflict((conflict) => conflict.column('slug').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateOrganizer(db: CatalogDb, id: number, fields: OrganizerFields): Promise<OrganizerRow | undefined> {
  const { contacts, ...rest } = fields;
  return db
    .updateTable('catalog.organizers')
    .set({ ...rest, ...(contacts ? { contacts: JSON.stringify(contacts) } : {}), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function findOrganizerSlug(db: CatalogDb, id: number): Promise<string | undefined> {
  const row = await db.selectFrom('catalog.organizers').select('slug').where('id', '=', id).executeTakeFirst();
  return row?.slug;
}

/** Slug and name of the organizers of these ids (a bounded list: the caller pages). */
export async function findOrganizerNames(db: CatalogDb, ids: number[]): Promise<{ id: number; slug: string; name: string }[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('catalog.organizers').select(['id', 'slug', 'name']).where('id', 'in', ids).execute();
}

/** An organizer's name and its owners (whom a studio's messages go to). */
export async function findOrganizerOwners(db: CatalogDb, id: number): Promise<{ name: string; ownerIds: number[] } | undefined> {
  const organizer = await db.selectFrom('catalog.organizers').select('name').where('id', '=', id).executeTakeFirst();
  if (!organizer) return undefined;
  const owners = await db
    .selectFrom('catalog.team_members')
    .select('user_id')
    .where('organizer_id', '=', id)
    .where('role', '=', 'owner')
    .orderBy('user_id')
    .limit(100)
    .execute();
  return { name: organizer.name, ownerIds: owners.map((owner) => owner.user_id) };
}

export async function findOrganizerBySlug(db: CatalogDb, slug: string): Promise<OrganizerRow | undefined> {
  return db.selectFrom('catalog.organizers').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findTeamRole(db: CatalogDb, organizerId: number, userId: number): Promise<TeamRole | undefined> {
  const row = await db
    .selectFrom('catalog.team_members')
    .select('role')
    .where('organizer_id', '=', organizerId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role;
}

/** The brands a user is on the team of, with their role there, by name. */
export async function listOrganizersOfMember(db: CatalogDb, userId: number) {
  return db
    .selectFrom('catalog.team_members')
    .innerJoin('catalog.organizers', 'catalog.organizers.id', 'catalog.team_members.organizer_id')
    .select(['catalog.organizers.slug', 'catalog.organizers.name', 'catalog.team_members.role'])
    .where('catalog.team_members.user_id', '=', userId)
    .orderBy('catalog.organizers.name')
    .execute();
}

export async function listTeam(db: CatalogDb, organizerId: number) {
  return db
    .selectFrom('catalog.team_members')
    .select(['user_id', 'role', 'display_name', 'added_at'])
    .where('organizer_id', '=', organizerId)
    .orderBy('added_at')
    .orderBy('user_id')
    .execute();
}

export async function upsertTeamMember(
  db: CatalogDb,
  member: { organizerId: number; userId: number; role: TeamRole; displayName: string },
): Promise<void> {
  await db
    .insertInto('catalog.team_members')
    .values({ organizer_id: member.organizerId, user_id: member.userId, role: member.role, display_name: member.displayName })
    .onConflict((conflict) => conflict.columns(['organizer_id', 'user_id']).doUpdateSet({ role: member.role }))
    .execute();
}

export async function deleteTeamMember(db: CatalogDb, organizerId: number, userId: number): Promise<void> {
  await db.deleteFrom('catalog.team_members').where('organizer_id', '=', organizerId).where('user_id', '=', userId).execute();
}

export async function countOwners(db: CatalogDb, organizerId: number): Promise<number> {
  const row = await db
    .selectFrom('catalog.team_members')
    .select(sql<number>`count(*)::int`.as('owners'))
    .where('organizer_id', '=', organizerId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return row.owners;
}

export async function listFaq(db: CatalogDb, organizerId: number) {
  return db
    .selectFrom('catalog.faq_items')
    .select(['question', 'answer'])
    .where('organizer_id', '=', organizerId)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export async function replaceFaq(
  db: CatalogDb,
  organizerId: number,
  items: { question: string; answer: string }[],
): Promise<void> {
  await db.deleteFrom('catalog.faq_items').where('organizer_id', '=', organizerId).execute();
  if (items.length === 0) return;
  await db
    .insertInto('catalog.faq_items')
    .values(
      items.map((item, position) => ({ organizer_id: organizerId, position, question: item.question, answer: item.answer })),
    )
    .execute();
}

/** Serializes team changes of one organizer (so two owners cannot demote each other at once). */
export async function lockOrganizer(trx: Transaction<CatalogTables>, id: number): Promise<void> {
  await trx.selectFrom('catalog.organizers').select('id').where('id', '=', id).forUpdate().execute();
}
