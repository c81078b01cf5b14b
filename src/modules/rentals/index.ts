import type { Kysely } from 'kysely';
import type { App } from '../../platform/http/server.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { deleteOldIdempotencyKeys } from '../../platform/db/idempotency.ts';
import { ExtrasService } from './extras.service.ts';
import { registerExtrasRoutes } from './extras.routes.ts';
import { HallsService, type StudioDirectory } from './halls.service.ts';
import { PayableRentals } from './rentals.payable.ts';
import { registerRentalsRoutes, type RentalPayments } from './rentals.routes.ts';
import { rentalsDb } from './rentals.repository.ts';
import { RentalsService } from './rentals.service.ts';
import './rentals.events.ts';

export { rentalsMigrations } from './rentals.migrations.ts';
export { ensureDemoHalls } from './rentals.fixtures.ts';
export type { StudioDirectory } from './halls.service.ts';
export type { RentalEventPayload } from './rentals.events.ts';
export type { PayableRentals } from './rentals.payable.ts';
export type { RentalPayments } from './rentals.routes.ts';

export interface RentalsModule {
  halls: HallsService;
  rentals: RentalsService;
  /** Rentals as a payable order (payments' port, kind 'rental'), bound in main.ts. */
  forPayments: PayableRentals;
  registerRoutes(app: App): void;
}

const HOUR_MS = 3_600_000;

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
  },
): RentalsModule {
  const halls = new HallsService(db, options.studios);
  const rentals = new RentalsService(db, halls, { defaultCurrency: options.defaultCurrency });
  const extras = new ExtrasService(rentalsDb(db), halls);
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
    forPayments: new PayableRentals(rentalsDb(db)),
    registerRoutes: (app) => {
      registerRentalsRoutes(app, halls, rentals, options.payments);
      registerExtrasRoutes(app, extras);
    },
  };
}
