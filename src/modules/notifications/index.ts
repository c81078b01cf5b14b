import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Bus } from '../../platform/bus/index.ts';
import type { App } from '../../platform/http/server.ts';
import type { JobRunner } from '../../platform/jobs/jobs.ts';
import { HttpSmsSender, MailboxSender, SmtpSender, type ChannelSender } from './notifications.channels.ts';
import { registerNotificationsRoutes, type PreferenceStore } from './notifications.routes.ts';
import { NOTIFIED_TYPES, type NotificationDirectory } from './notifications.rules.ts';
import { DEFAULT_RETRY_BASE_MS, MAX_DELIVERY_ATTEMPTS, NotificationsService } from './notifications.service.ts';

export { notificationsMigrations } from './notifications.migrations.ts';
export type { NotificationDirectory, Recipient, EventFacts } from './notifications.rules.ts';
export { EVENT_CANCELLED_REASON_PREFIX } from './notifications.rules.ts';
export type { PreferenceStore, Preferences } from './notifications.routes.ts';
export type { NotificationsService } from './notifications.service.ts';

export interface NotificationsModule {
  service: NotificationsService;
  /** Which sender each channel uses: `smtp`/`mailbox` and `http`/`mailbox`. */
  senders: { email: string; sms: string };
  registerRoutes(app: App): void;
  close(): void;
}

export function createNotificationsModule(
  db: Kysely<object>,
  options: {
    directory: NotificationDirectory;
    preferences: PreferenceStore;
    bus: Bus;
    jobs: JobRunner;
    logger: Logger;
    publicUrl: string;
    smtpUrl: string | undefined;
    mailFrom: string;
    smsUrl: string | undefined;
    /** How often the dispatcher and the sender look for due work. */
    intervalMs: number;
    retryBaseMs?: number;
  },
): NotificationsModule {
  const email: ChannelSender = options.smtpUrl
    ? new SmtpSender(options.smtpUrl, options.mailFrom, new URL(options.publicUrl).hostname)
    : new MailboxSender(db, 'email');
  const sms: ChannelSender = options.smsUrl ? new HttpSmsSender(options.smsUrl) : new MailboxSender(db, 'sms');
  const service = new NotificationsService(
    db,
    options.directory,
    { email, sms },
    {
      publicUrl: options.publicUrl,
      retryBaseMs: options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
      maxAttempts: MAX_DELIVERY_ATTEMPTS,
    },
    options.logger,
  );
  options.bus.subscribe('notifications', NOTIFIED_TYPES, async (event, trx) => {
    await service.record(trx, event);
  });
  options.jobs.definePeriodic('notifications.deliver', options.intervalMs, async () => {
    await service.runDue();
  });
  return {
    service,
    senders: { email: email.name, sms: sms.name },
    registerRoutes: (app) => registerNotificationsRoutes(app, service, options.preferences),
    close: () => email.close?.(),
  };
}
