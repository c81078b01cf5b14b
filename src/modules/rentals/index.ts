import type { Kysely } from 'kysely';
import type { App } from '../../platform/http/server.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { deleteOldIdempotencyKeys } from '../../platform/db/idempotency.ts';
import { ExtrasService } from './extras.service.ts';
import { registerExtrasRoutes } from './extras.routes.ts';
import { HallsService, type StudioDirectory } from './halls.service.ts';
import { PayableRentals } from './rentals.payable.ts';
import { registerRentalsRoutes, type RentalPayments } from './rentals.routes.ts';
import { DEFAULT_REMINDER_LEAD_MINUTES, REMINDER_JOB, remindRenter } from './rentals.reminders.ts';
import { findHall, findRental, rentalsDb } from './rentals.repository.ts';
import { RentalsService } from './rentals.service.ts';
import { WatchOffers } from './watches.offers.ts';
import { registerWatchesRoutes } from './watches.routes.ts';
import { WatchesService } from './watches.service.ts';
import './rentals.events.ts';

export { rentalsMigrations } from './rentals.migrations.ts';
export { ensureDemoHalls } from './rentals.fixtures.ts';
export { REMINDER_JOB, remindRenter } from './rentals.reminders.ts';
export type { StudioDirectory } from './halls.service.ts';
export type { RentalEventPayload } from './rentals.events.ts';
export type { PayableRentals } from './rentals.payable.ts';
export type { RentalPayments } from './rentals.routes.ts';

export interface RentalsModule {
  halls: HallsService;
  rentals: RentalsService;
  watches: WatchesService;
  /** Rentals as a payable order (payments' port, kind 'rental'), bound in main.ts. */
  forPayments: PayableRentals;
  /** What a message about a rental says of its hall. */
  forNotifications: { hall(hallId: number): Promise<{ name: string; timezone: string } | undefined> };
  /** Whose rental a payment paid for: its organizer's webhooks receive the payment's events. */
  forIntegrations: { organizerOfRental(rentalId: number): Promise<number | undefined> };
  registerRoutes(app: App): void;
}

const HOUR_MS = 3_600_000;
const DEFAULT_WATCH_OFFER_TTL_SECONDS = 600;

export function createRentalsModule(
  db: Kysely<object>,
  options: {
    studios: StudioDirectory;
    jobs: JobRunner;
    defaultCurrency: string;
    /** How often passed holds are expired and ended rentals completed (a booking expires its hall's holds itself). */
    sweepIntervalMs: number;
    /** Starts a rental's payment; bound late (payments is built after rentals). */
    payments: () => RentalPayments;
    /** How long before a confirmed rental's start its renter is reminded (default a day). */
    reminderLeadMinutes?: number;
    /** How long a freed slot is held for its first watcher (the hall's hold TTL if shorter; default 10 min). */
    watchOfferTtlSeconds?: number;
  },
): RentalsModule {
  const halls = new HallsService(db, options.studios);
  const reminderLeadMinutes = options.reminderLeadMinutes ?? DEFAULT_REMINDER_LEAD_MINUTES;
  const offers = new WatchOffers(halls, {
    offerTtlSeconds: options.watchOfferTtlSeconds ?? DEFAULT_WATCH_OFFER_TTL_SECONDS,
    defaultCurrency: options.defaultCurrency,
  });
  const rentals = new RentalsService(db, halls, offers, { defaultCurrency: options.defaultCurrency, reminderLeadMinutes });
  const watches = new WatchesService(db, halls, offers);
  const extras = new ExtrasService(rentalsDb(db), halls);
  options.jobs.defineJob(REMINDER_JOB, remindRenter);
  options.jobs.definePeriodic('rentals.watches', options.sweepIntervalMs, async () => {
    await watches.sweep();
  });
  options.jobs.definePeriodic('rentals.expire-holds', options.sweepIntervalMs, async () => {
    await rentals.expireDue();
  });
  options.jobs.definePeriodic('rentals.complete-ended', options.sweepIntervalMs, async () => {
    await rentals.completeEnded();
  });
  options.jobs.definePeriodic('rentals.idempotency-cleanup', HOUR_MS, async (jobDb) => {
    await deleteOldIdempotencyKeys(jobDb, 'rentals');
  });
  return {
    halls,
    rentals,
    watches,
    forPayments: new PayableRentals(rentalsDb(db), offers, { reminderLeadMinutes }),
    forNotifications: {
      hall: async (hallId) => {
        const hall = await findHall(rentalsDb(db), hallId);
        return hall && { name: hall.name, timezone: hall.timezone };
      },
    },
    forIntegrations: {
      organizerOfRental: async (rentalId) => (await findRental(rentalsDb(db), rentalId))?.organizer_id,
    },
    registerRoutes: (app) => {
      registerRentalsRoutes(app, halls, rentals, options.payments);
      registerWatchesRoutes(app, watches);
      registerExtrasRoutes(app, extras);
    },
  };
}
