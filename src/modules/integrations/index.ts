import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Bus } from '../../platform/bus/index.ts';
import type { App } from '../../platform/http/server.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { registerIntegrationsRoutes } from './integrations.routes.ts';
import {
  DEFAULT_WEBHOOK_OPTIONS,
  IntegrationsService,
  LOGGED_TYPES,
  type OrganizerDirectory,
  type WebhookOptions,
} from './integrations.service.ts';
import './integrations.events.ts';

export { integrationsMigrations } from './integrations.migrations.ts';
export { signatureHeader, verifySignature, SIGNATURE_HEADER } from './webhook.signature.ts';
export type { IntegrationsService, OrganizerDirectory } from './integrations.service.ts';
export type { WebhookDisabledPayload } from './integrations.events.ts';

export interface IntegrationsModule {
  service: IntegrationsService;
  registerRoutes(app: App): void;
}

export function createIntegrationsModule(
  db: Kysely<object>,
  options: {
    organizers: OrganizerDirectory;
    bus: Bus;
    jobs: JobRunner;
    logger: Logger;
    /** How often queued webhook deliveries are looked for. */
    intervalMs: number;
    webhooks?: Partial<WebhookOptions>;
  },
): IntegrationsModule {
  const service = new IntegrationsService(
    db,
    options.organizers,
    { ...DEFAULT_WEBHOOK_OPTIONS, ...options.webhooks },
    options.logger,
  );
  options.bus.subscribe('integrations.event-log', LOGGED_TYPES, async (event, trx) => {
    await service.record(trx, event);
  });
  options.jobs.definePeriodic('integrations.webhooks', options.intervalMs, async () => {
    await service.runDue();
  });
  return { service, registerRoutes: (app) => registerIntegrationsRoutes(app, service) };
}
