import { Type } from 'typebox';
import { principalOf, type Principal } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import {
  DeliveriesQuery,
  DeliverySchema,
  IdParams,
  MailboxItemSchema,
  MailboxQuery,
  NotificationPageSchema,
  NotificationSchema,
  PageQuery,
  PreferencesSchema,
} from './notifications.schemas.ts';
import type { NotificationsService } from './notifications.service.ts';
import { renderMailboxPage } from './mailbox.page.ts';

export interface Preferences {
  email: boolean;
  sms: boolean;
  in_app: boolean;
}

/** Where preferences live (the identity module's user record), bound in main.ts. */
export interface PreferenceStore {
  get(userId: number): Promise<Preferences>;
  set(principal: Principal, preferences: Preferences): Promise<Preferences>;
}

export function registerNotificationsRoutes(app: App, service: NotificationsService, preferences: PreferenceStore): void {
  app.addSchema(NotificationSchema);
  const tags = ['notifications'];

  app.get(
    '/api/notifications',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Your in-app notifications, newest first, with the unread count.',
        querystring: PageQuery,
        response: { 200: NotificationPageSchema },
      },
    },
    async (request) => service.list(principalOf(request).userId, request.query.page, request.query.page_size),
  );
  app.get(
    '/api/notifications/unread-count',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'How many in-app notifications are unread.',
        response: { 200: Type.Object({ unread: Type.Integer() }) },
      },
    },
    async (request) => ({ unread: await service.unreadCount(principalOf(request).userId) }),
  );
  app.post(
    '/api/notifications/:id/read',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'Mark one notification read.', params: IdParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await service.markRead(principalOf(request).userId, request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/api/notifications/read-all',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'Mark every notification read.', response: { 200: Type.Object({ updated: Type.Integer() }) } },
    },
    async (request) => ({ updated: await service.markAllRead(principalOf(request).userId) }),
  );
  app.get(
    '/api/users/me/notification-preferences',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'Which channels optional messages may use.', response: { 200: PreferencesSchema } },
    },
    async (request) => preferences.get(principalOf(request).userId),
  );
  app.put(
    '/api/users/me/notification-preferences',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Turn optional messages on or off per channel (tickets, refunds and cancellations always go).',
        body: PreferencesSchema,
        response: { 200: PreferencesSchema },
      },
    },
    async (request) => preferences.set(principalOf(request), request.body),
  );
  app.get(
    '/api/mailbox',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'The built-in mailbox: emails and SMS that would have been sent (no SMTP_URL / SMS_URL).',
        querystring: MailboxQuery,
        response: { 200: Type.Array(MailboxItemSchema) },
      },
    },
    async (request) => service.mailbox(request.query),
  );
  app.get(
    '/mailbox',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'The built-in mailbox as a page.',
        querystring: MailboxQuery,
        produces: ['text/html'],
        response: { 200: Type.String() },
      },
    },
    async (request, reply) =>
      reply.type('text/html; charset=utf-8').send(renderMailboxPage(await service.mailbox(request.query))),
  );
  app.get(
    '/api/admin/notification-deliveries',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'The delivery log: one row per message and channel, with attempts and the last error.',
        querystring: DeliveriesQuery,
        response: { 200: Type.Array(DeliverySchema) },
      },
    },
    async (request) =>
      service.deliveries({
        ...(request.query.user_id === undefined ? {} : { userId: request.query.user_id }),
        ...(request.query.event_id === undefined ? {} : { sourceEventId: request.query.event_id }),
        ...(request.query.status === undefined ? {} : { status: request.query.status }),
        limit: request.query.limit,
      }),
  );
}
