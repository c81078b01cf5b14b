import type { Kysely } from 'kysely';
import type { App } from '../../platform/http/server.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { registerCatalogRoutes } from './catalog.routes.ts';
import { EventsService, type SellableCheck } from './events.service.ts';
import { OrganizersService, type UserDirectory } from './organizers.service.ts';
import { catalogDb, findOrganizerBySlug, findTeamRole } from './organizers.repository.ts';
import { CAN_MANAGE_EVENTS, canManageEvent, canScanEvent, isOnEventTeam, manageableOrganizerId } from './team.ts';
import type { Principal } from '../../platform/http/access.ts';
import './catalog.events.ts';

export { catalogMigrations } from './catalog.migrations.ts';
export { catalogSearchMigrations } from './catalog.search.migrations.ts';
export type { EventsService, EventView, SellableCheck } from './events.service.ts';
export type { UserDirectory } from './organizers.service.ts';
export type { EventLifecyclePayload } from './catalog.events.ts';
export { importEvents, EventsImportError, type EventsImportSummary } from './events-import.ts';
export { generateEventsFile } from './events-generator.ts';

export interface CatalogModule {
  organizers: OrganizersService;
  events: EventsService;
  canManageEvent(principal: Principal, eventId: number): Promise<boolean>;
  /** The organizer's id if the principal is its owner or manager (or an admin); throws 404/403 otherwise. */
  canManageOrganizer(principal: Principal, slug: string): Promise<number>;
  /** The organizer's id (undefined when no organizer has the slug): for modules that keep organizer ids. */
  organizerIdBySlug(slug: string): Promise<number | undefined>;
  /** Owner or manager of the organizer's team, or an admin: who runs its events (and a studio's halls). */
  isOrganizerManager(principal: Principal, organizerId: number): Promise<boolean>;
  /** Owner, manager or scanner of the event's organizer team (check-in), or an admin. */
  canScanEvent(principal: Principal, eventId: number): Promise<boolean>;
  /** On the event's organizer team in any role, or an admin: who may see the event while it is a draft. */
  isOnEventTeam(principal: Principal, eventId: number): Promise<boolean>;
  registerRoutes(app: App): void;
}

const MINUTE = 60_000;

export function createCatalogModule(
  db: Kysely<object>,
  options: { users: UserDirectory; sellable: SellableCheck; jobs: JobRunner },
): CatalogModule {
  const organizers = new OrganizersService(db, options.users);
  const events = new EventsService(db, options.sellable);
  options.jobs.definePeriodic('catalog.complete-ended-events', MINUTE, async () => {
    await events.completeEnded();
  });
  options.jobs.definePeriodic('catalog.event-reminders', MINUTE, async () => {
    await events.sendDueReminders();
  });
  return {
    organizers,
    events,
    canManageEvent: (principal, eventId) => canManageEvent(catalogDb(db), principal, eventId),
    canManageOrganizer: (principal, slug) => manageableOrganizerId(catalogDb(db), principal, slug),
    organizerIdBySlug: async (slug) => (await findOrganizerBySlug(catalogDb(db), slug))?.id,
    isOrganizerManager: async (principal, organizerId) => {
      if (principal.role === 'admin') return true;
      const role = await findTeamRole(catalogDb(db), organizerId, principal.userId);
      return role !== undefined && CAN_MANAGE_EVENTS.includes(role);
    },
    canScanEvent: (principal, eventId) => canScanEvent(catalogDb(db), principal, eventId),
    isOnEventTeam: (principal, eventId) => isOnEventTeam(catalogDb(db), principal, eventId),
    registerRoutes: (app) => registerCatalogRoutes(app, organizers, events),
  };
}
export { ensureDemoStudio, ensureHackloadConcert, DEMO_STUDIO_SLUG, HACKLOAD_EVENT_ID } from './catalog.fixtures.ts';
