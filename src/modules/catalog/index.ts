import type { Kysely } from 'kysely';
import type { App } from '../../platform/http/server.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { registerCatalogRoutes } from './catalog.routes.ts';
import { EventsService, type SellableCheck } from './events.service.ts';
import { OrganizersService, type UserDirectory } from './organizers.service.ts';
import { catalogDb } from './organizers.repository.ts';
import { canManageEvent, canScanEvent, isOnEventTeam, manageableOrganizerId } from './team.ts';
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
    canScanEvent: (principal, eventId) => canScanEvent(catalogDb(db), principal, eventId),
    isOnEventTeam: (principal, eventId) => isOnEventTeam(catalogDb(db), principal, eventId),
    registerRoutes: (app) => registerCatalogRoutes(app, organizers, events),
  };
}
export { ensureHackloadConcert, HACKLOAD_EVENT_ID } from './catalog.fixtures.ts';
