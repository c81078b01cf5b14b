import type { Principal } from '../../platform/http/access.ts';
import { notOnTeam, organizerNotFound } from './catalog.errors.ts';
import { TEAM_ROLES, type TeamRole } from './catalog.tables.ts';
import { findOrganizerBySlug, findTeamRole, type CatalogDb } from './organizers.repository.ts';

/** Who may do what inside an organizer: owners everything, managers events, scanners check-in. */
export const CAN_MANAGE_EVENTS: TeamRole[] = ['owner', 'manager'];
export const CAN_EDIT_ORGANIZER: TeamRole[] = ['owner'];
export const CAN_SCAN: TeamRole[] = ['owner', 'manager', 'scanner'];

/** Throws 403 unless the principal has one of `allowed` in the organizer's team (admins always pass). */
export async function requireTeamRole(
  db: CatalogDb,
  organizerId: number,
  principal: Principal,
  allowed: TeamRole[],
): Promise<void> {
  if (principal.role === 'admin') return;
  const role = await findTeamRole(db, organizerId, principal.userId);
  if (!role || !allowed.includes(role)) throw notOnTeam(allowed.join(' or '));
}

export async function isOnTeam(db: CatalogDb, organizerId: number | null, principal: Principal | undefined): Promise<boolean> {
  if (!principal || organizerId === null) return false;
  if (principal.role === 'admin') return true;
  return (await findTeamRole(db, organizerId, principal.userId)) !== undefined;
}

/** For other modules: may this principal manage (sell, box office) the event? */
export async function canManageEvent(db: CatalogDb, principal: Principal, eventId: number): Promise<boolean> {
  return hasEventRole(db, principal, eventId, CAN_MANAGE_EVENTS);
}

/** For other modules: is this principal on the event's organizer team in any role (or an admin)? Who sees its draft. */
export async function isOnEventTeam(db: CatalogDb, principal: Principal, eventId: number): Promise<boolean> {
  return hasEventRole(db, principal, eventId, TEAM_ROLES);
}

/** For other modules: may this principal validate and check in tickets of the event? */
export async function canScanEvent(db: CatalogDb, principal: Principal, eventId: number): Promise<boolean> {
  return hasEventRole(db, principal, eventId, CAN_SCAN);
}

async function hasEventRole(
  db: CatalogDb,
  principal: Principal,
  eventId: number,
  allowed: readonly TeamRole[],
): Promise<boolean> {
  if (principal.role === 'admin') return true;
  const event = await db.selectFrom('catalog.events').select('organizer_id').where('id', '=', eventId).executeTakeFirst();
  if (!event?.organizer_id) return false;
  const role = await findTeamRole(db, event.organizer_id, principal.userId);
  return role !== undefined && allowed.includes(role);
}

/**
 * For other modules (webhook endpoints): the organizer's id when the principal may manage it
 * (owner or manager; admins always). Throws organizer-not-found or not-on-team otherwise.
 */
export async function manageableOrganizerId(db: CatalogDb, principal: Principal, slug: string): Promise<number> {
  const organizer = await findOrganizerBySlug(db, slug);
  if (!organizer) throw organizerNotFound();
  await requireTeamRole(db, organizer.id, principal, CAN_MANAGE_EVENTS);
  return organizer.id;
}
