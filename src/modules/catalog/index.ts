import type { Kysely } from 'kysely';
import type { App } from '../../platform/http/server.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { registerCatalogRoutes } from './catalog.routes.ts';
import { EventsService, type EventView, type SellableCheck } from './events.service.ts';
import { OrganizersService, type UserDirectory } from './organizers.service.ts';
import {
  catalogDb,
  findOrganizerBySlug,
  findOrganizerNames,
  findOrganizerOwners,
  findTeamRole,
} from './organizers.repository.ts';
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
  /** Owner, manager or scanner of the event's organizer team (check-in), or an admin. */
  canScanEvent(principal: Principal, eventId: number): Promise<boolean>;
  /** On the event's organizer team in any role, or an admin: who may see the event while it is a draft. */
  isOnEventTeam(principal: Principal, eventId: number): Promise<boolean>;
  /**
   * What other modules ask the catalog, each in the shape the asking module declares (its
   * gateway interface), built here so main.ts only wires: sales (events on sale and who runs
   * them), tickets (what a ticket prints, who may scan), notifications (what a message says about
   * an event), integrations (whose event it is, who runs an organizer).
   */
  forSales: {
    findEvent(eventId: number): Promise<(EventView & { is_public: boolean }) | undefined>;
    canManage(principal: Principal, eventId: number): Promise<boolean>;
    isOnTeam(principal: Principal, eventId: number): Promise<boolean>;
  };
  forTickets: {
    find(eventId: number): Promise<Pick<EventView, 'id' | 'title' | 'venue' | 'starts_at' | 'timezone' | 'status'> | undefined>;
    canScan(principal: Principal, eventId: number): Promise<boolean>;
  };
  forNotifications: {
    event(eventId: number): Promise<{ title: string; startsAt: string; timezone: string; venue: string } | undefined>;
    /** A studio's name and owners, told of its rentals. */
    studio(organizerId: number): Promise<{ name: string; ownerIds: number[] } | undefined>;
  };
  forIntegrations: {
    organizerOfEvent(eventId: number): Promise<number | undefined>;
    manageableOrganizer(principal: Principal, slug: string): Promise<number>;
  };
  /** Rentals: studios are organizers, and their owners and managers (or admins) run the halls. */
  forRentals: {
    /** The organizer's id (undefined when no organizer has the slug). */
    organizerIdBySlug(slug: string): Promise<number | undefined>;
    isOrganizerManager(principal: Principal, organizerId: number): Promise<boolean>;
    organizersByIds(ids: number[]): Promise<{ id: number; slug: string; name: string }[]>;
  };
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
  const canManage = (principal: Principal, eventId: number) => canManageEvent(catalogDb(db), principal, eventId);
  const canScan = (principal: Principal, eventId: number) => canScanEvent(catalogDb(db), principal, eventId);
  const isOnTeam = (principal: Principal, eventId: number) => isOnEventTeam(catalogDb(db), principal, eventId);
  const canManageOrganizer = (principal: Principal, slug: string) => manageableOrganizerId(catalogDb(db), principal, slug);
  return {
    organizers,
    events,
    canManageEvent: canManage,
    canManageOrganizer,
    canScanEvent: canScan,
    isOnEventTeam: isOnTeam,
    forSales: { findEvent: (eventId) => events.findForSale(eventId), canManage, isOnTeam },
    forTickets: {
      find: async (eventId) => {
        const event = await events.findForSale(eventId);
        return (
          event && {
            id: event.id,
            title: event.title,
            venue: event.venue,
            starts_at: event.starts_at,
            timezone: event.timezone,
            status: event.status,
          }
        );
      },
      canScan,
    },
    forNotifications: {
      event: async (eventId) => {
        const event = await events.findForSale(eventId);
        return event && { title: event.title, startsAt: event.starts_at, timezone: event.timezone, venue: event.venue };
      },
      studio: (organizerId) => findOrganizerOwners(catalogDb(db), organizerId),
    },
    forIntegrations: {
      organizerOfEvent: async (eventId) => (await events.findForSale(eventId))?.organizer_id ?? undefined,
      manageableOrganizer: canManageOrganizer,
    },
    forRentals: {
      organizerIdBySlug: async (slug) => (await findOrganizerBySlug(catalogDb(db), slug))?.id,
      isOrganizerManager: async (principal, organizerId) => {
        if (principal.role === 'admin') return true;
        const role = await findTeamRole(catalogDb(db), organizerId, principal.userId);
        return role !== undefined && CAN_MANAGE_EVENTS.includes(role);
      },
      organizersByIds: (ids) => findOrganizerNames(catalogDb(db), ids),
    },
    registerRoutes: (app) => registerCatalogRoutes(app, organizers, events),
  };
}
export { ensureDemoStudio, ensureHackloadConcert, DEMO_STUDIO_SLUG, HACKLOAD_EVENT_ID } from './catalog.fixtures.ts';
