import { catalogMigrations, catalogSearchMigrations } from './modules/catalog/index.ts';
import { identityMigrations } from './modules/identity/index.ts';
import { integrationsMigrations } from './modules/integrations/index.ts';
import { notificationsMigrations } from './modules/notifications/index.ts';
import { paymentsMigrations } from './modules/payments/index.ts';
import { rentalsMigrations } from './modules/rentals/index.ts';
import { providerMigrations } from './modules/provider/index.ts';
import { queueMigrations } from './modules/queue/index.ts';
import { salesMigrations } from './modules/sales/index.ts';
import { ticketsMigrations } from './modules/tickets/index.ts';
import { busMigrations } from './platform/bus/bus.migrations.ts';
import { combineMigrations } from './platform/db/migrations.ts';
import { jobsMigrations } from './platform/jobs/jobs.migrations.ts';

/** Every migration of the platform and of each module, in one ordered set. */
export const migrations = combineMigrations(
  busMigrations,
  jobsMigrations,
  identityMigrations,
  catalogMigrations,
  salesMigrations,
  catalogSearchMigrations,
  notificationsMigrations,
  integrationsMigrations,
  ticketsMigrations,
  paymentsMigrations,
  rentalsMigrations,
  providerMigrations,
  queueMigrations,
);
