import type { Kysely } from 'kysely';
import type { Principal } from '../../platform/http/access.ts';
import { lastOwner, organizerNotFound, slugTaken, userNotFoundForTeam } from './catalog.errors.ts';
import type { CatalogTables, Contacts, TeamRole } from './catalog.tables.ts';
import { listOrganizerEvents } from './events.repository.ts';
import { toEventSummary, type EventSummary } from './events.service.ts';
import {
  catalogDb,
  countOwners,
  deleteTeamMember,
  findOrganizerBySlug,
  insertOrganizer,
  listFaq,
  listOrganizersOfMember,
  listTeam,
  lockOrganizer,
  replaceFaq,
  updateOrganizer,
  upsertTeamMember,
  type OrganizerFields,
  type OrganizerRow,
} from './organizers.repository.ts';
import { CAN_EDIT_ORGANIZER, requireTeamRole } from './team.ts';

/** What the catalog needs to know about people; the identity module provides it. */
export interface UserDirectory {
  findByEmail(email: string): Promise<{ id: number; displayName: string } | undefined>;
  displayNameOf(userId: number): Promise<string | undefined>;
}

export interface OrganizerPage {
  slug: string;
  name: string;
  logo_url: string | null;
  description: string;
  contacts: Contacts;
  brand_color: string | null;
  team: { user_id: number; display_name: string; role: TeamRole }[];
  faq: { question: string; answer: string }[];
  upcoming_events: EventSummary[];
}

export class OrganizersService {
  private readonly db: Kysely<CatalogTables>;
  private readonly users: UserDirectory;

  constructor(db: Kysely<object>, users: UserDirectory) {
    this.db = catalogDb(db);
    this.users = users;
  }

  /** Creates a brand page; its creator becomes its first owner. */
  async create(principal: Principal, fields: OrganizerFields & { slug: string; name: string }): Promise<OrganizerPage> {
    const displayName = (await this.users.displayNameOf(principal.userId)) ?? principal.email;
    await this.db.transaction().execute(async (trx) => {
      const organizer = await insertOrganizer(trx, fields);
      if (!organizer) throw slugTaken();
      await upsertTeamMember(trx, { organizerId: organizer.id, userId: principal.userId, role: 'owner', displayName });
    });
    return this.page(fields.slug);
  }

  async update(principal: Principal, slug: string, fields: OrganizerFields): Promise<OrganizerPage> {
    const organizer = await this.find(slug);
    await requireTeamRole(this.db, organizer.id, principal, CAN_EDIT_ORGANIZER);
    const updated = await updateOrganizer(this.db, organizer.id, fields).catch((error: unknown) => {
      if (typeof error === 'object' && error !== null && 'code' in error && error.code === '23505') throw slugTaken();
      throw error;
    });
    return this.page(updated?.slug ?? slug);
  }

  /** The brands the caller is on the team of (what an organizer's pages start from). */
  async mine(principal: Principal) {
    return listOrganizersOfMember(this.db, principal.userId);
  }

  /** The public brand page: upcoming events, team and FAQ. */
  async page(slug: string): Promise<OrganizerPage> {
    const organizer = await this.find(slug);
    const [team, faq, events] = await Promise.all([
      listTeam(this.db, organizer.id),
      listFaq(this.db, organizer.id),
      listOrganizerEvents(this.db, organizer.id, ['PUBLISHED'], 50),
    ]);
    return {
      slug: organizer.slug,
      name: organizer.name,
      logo_url: organizer.logo_url,
      description: organizer.description,
      contacts: organizer.contacts,
      brand_color: organizer.brand_color,
      team: team.map((member) => ({ user_id: member.user_id, display_name: member.display_name, role: member.role })),
      faq,
      upcoming_events: events.filter((event) => event.starts_at > new Date()).map(toEventSummary),
    };
  }

  async setTeamMember(principal: Principal, slug: string, email: string, role: TeamRole): Promise<OrganizerPage> {
    const organizer = await this.find(slug);
    await requireTeamRole(this.db, organizer.id, principal, CAN_EDIT_ORGANIZER);
    const user = await this.users.findByEmail(email);
    if (!user) throw userNotFoundForTeam();
    await this.db.transaction().execute(async (trx) => {
      await lockOrganizer(trx, organizer.id);
      await upsertTeamMember(trx, { organizerId: organizer.id, userId: user.id, role, displayName: user.displayName });
      if ((await countOwners(trx, organizer.id)) === 0) throw lastOwner();
    });
    return this.page(slug);
  }

  async removeTeamMember(principal: Principal, slug: string, userId: number): Promise<OrganizerPage> {
    const organizer = await this.find(slug);
    await requireTeamRole(this.db, organizer.id, principal, CAN_EDIT_ORGANIZER);
    await this.db.transaction().execute(async (trx) => {
      await lockOrganizer(trx, organizer.id);
      await deleteTeamMember(trx, organizer.id, userId);
      if ((await countOwners(trx, organizer.id)) === 0) throw lastOwner();
    });
    return this.page(slug);
  }

  async replaceFaq(principal: Principal, slug: string, items: { question: string; answer: string }[]): Promise<OrganizerPage> {
    const organizer = await this.find(slug);
    await requireTeamRole(this.db, organizer.id, principal, CAN_EDIT_ORGANIZER);
    await this.db.transaction().execute((trx) => replaceFaq(trx, organizer.id, items));
    return this.page(slug);
  }

  private async find(slug: string): Promise<OrganizerRow> {
    const organizer = await findOrganizerBySlug(this.db, slug);
    if (!organizer) throw organizerNotFound();
    return organizer;
  }
}
