import type { Kysely } from 'kysely';
import type { Bus } from '../../platform/bus/index.ts';
import type { App } from '../../platform/http/server.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { registerPromoCodeRoutes } from './promo-codes.routes.ts';
import { registerSalesRoutes } from './sales.routes.ts';
import { SalesDirectory } from './sales.directory.ts';
import { SalesService } from './sales.service.ts';
import type { Inventory } from './inventory.service.ts';
import type { PayableBookings } from './payable-bookings.ts';
import type { VenueSeats } from './venue-seats.ts';
import type { CatalogGateway, ContactDirectory, SalesOptions } from './sales.types.ts';
import { registerWaitlistRoutes } from './waitlist.routes.ts';
import { WaitlistService } from './waitlist.service.ts';
import './sales.events.ts';

export { salesMigrations } from './sales.migrations.ts';
export { ensureHackloadSeats, HACKLOAD_ZONES } from './sales.fixtures.ts';
export { SUGGEST_FREE_SEATS, TAKE_SEATS } from './seats.repository.ts';
export { MAX_ROW } from './sales.limits.ts';
export type { SalesService } from './sales.service.ts';
export type { PayableBookings } from './payable-bookings.ts';
export type {
  CatalogGateway,
  BookingView,
  PaymentQuote,
  SettleOutcome,
  SeatOwnership,
  SeatOwnershipMode,
} from './sales.types.ts';
export type { SeatBlock } from './venue-seats.ts';
export type { WaitlistService, WaitlistEntryView } from './waitlist.service.ts';
export type { BookingEventPayload, WaitlistOfferPayload } from './sales.events.ts';
export type { SalesDirectory } from './sales.directory.ts';

export interface SalesModule {
  service: SalesService;
  waitlist: WaitlistService;
  /** Read-only lookups for other modules (notification recipients). */
  directory: SalesDirectory;
  /** What other modules ask sales, in the shapes they declare (built here so main.ts only wires). */
  forPayments: PayableBookings;
  forTickets: { describe: Inventory['describeItems'] };
  /** What the provider module asks of sales: seat positions, the allotment, paid bookings given up. */
  forProvider: {
    seatPositions: VenueSeats['positions'];
    allot: VenueSeats['allot'];
    withheldSeats: VenueSeats['withheld'];
    giveUpPaid: VenueSeats['giveUpPaid'];
  };
  forNotifications: {
    booking: SalesDirectory['bookingSummary'];
    holdersOfEvent: SalesDirectory['holdersOfEvent'];
    waitlistUsersOfEvent: WaitlistService['waitingUsers'];
  };
  /** What the waiting room asks: the event a booking is for. */
  forQueue: { eventOfBooking: SalesDirectory['eventOfBooking'] };
  registerRoutes(app: App): void;
}

export function createSalesModule(
  db: Kysely<object>,
  options: SalesOptions & {
    catalog: CatalogGateway;
    contacts: ContactDirectory;
    jobs: JobRunner;
    bus: Bus;
    expiryIntervalMs: number;
  },
): SalesModule {
  const service = new SalesService(db, options.catalog, options.contacts, options);
  const waitlist = new WaitlistService(db, service, options.catalog);
  // Holds are exact without it (readers compare with the database clock); this records EXPIRED,
  // returns GA units and emits booking.expired.
  options.jobs.definePeriodic('sales.expire-overdue-bookings', options.expiryIntervalMs, async () => {
    while ((await service.background.expireOverdue()) > 0);
  });
  // Offers what was freed without passing a feeder (a lapsed seat hold taken back by the sweep).
  options.jobs.definePeriodic('sales.feed-waitlists', options.expiryIntervalMs, async () => {
    await service.background.feedWaitlists();
  });
  options.jobs.definePeriodic('sales.delete-old-idempotency-keys', 3_600_000, async () => {
    await service.background.deleteOldIdempotencyKeys();
  });
  options.bus.subscribe('sales.event-cancelled', ['event.cancelled'], async (event, trx) => {
    await service.background.cancelAllOfEvent(
      trx,
      event.payload.eventId,
      `event cancelled: ${event.payload.reason || 'by the organizer'}`,
    );
  });
  const directory = new SalesDirectory(db);
  return {
    service,
    waitlist,
    directory,
    forPayments: service.payable,
    forProvider: {
      seatPositions: (eventId) => service.venue.positions(eventId),
      allot: (eventId, block) => service.venue.allot(eventId, block),
      withheldSeats: (eventId) => service.venue.withheld(eventId),
      giveUpPaid: (bookingId, reason) => service.venue.giveUpPaid(bookingId, reason),
    },
    forQueue: { eventOfBooking: (bookingId) => directory.eventOfBooking(bookingId) },
    forTickets: { describe: (trx, seatIds, ticketTypeId) => service.inventory.describeItems(trx, seatIds, ticketTypeId) },
    forNotifications: {
      booking: (bookingId) => directory.bookingSummary(bookingId),
      holdersOfEvent: (eventId, filter) => directory.holdersOfEvent(eventId, filter),
      waitlistUsersOfEvent: (eventId) => waitlist.waitingUsers(eventId),
    },
    registerRoutes: (app) => {
      registerSalesRoutes(app, service, options.defaultCurrency);
      registerWaitlistRoutes(app, waitlist);
      registerPromoCodeRoutes(app, service.promoCodes);
    },
  };
}
