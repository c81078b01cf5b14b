import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import {
  CreatedEndpointSchema,
  DeliveryLogQuery,
  EndpointParams,
  EndpointSchema,
  EventLogEntrySchema,
  EventLogQuery,
  RegisterEndpointBody,
  SlugParams,
  WebhookDeliverySchema,
} from './integrations.schemas.ts';
import type { IntegrationsService } from './integrations.service.ts';

export function registerIntegrationsRoutes(app: App, service: IntegrationsService): void {
  const tags = ['integrations'];

  app.post(
    '/api/organizers/:slug/webhooks',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Register a webhook endpoint for chosen event types (organizer owner or manager). The secret is shown once.',
        params: SlugParams,
        body: RegisterEndpointBody,
        response: { 201: CreatedEndpointSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await service.register(principalOf(request), request.params.slug, request.body)),
  );
  app.get(
    '/api/organizers/:slug/webhooks',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: "The organizer's webhook endpoints.",
        params: SlugParams,
        response: { 200: Type.Array(EndpointSchema) },
      },
    },
    async (request) => service.list(principalOf(request), request.params.slug),
  );
  app.delete(
    '/api/organizers/:slug/webhooks/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Remove a webhook endpoint (nothing more is sent to it).',
        params: EndpointParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await service.remove(principalOf(request), request.params.slug, request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/api/organizers/:slug/webhooks/:id/enable',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Turn a disabled endpoint back on; its pending deliveries resume.',
        params: EndpointParams,
        response: { 200: EndpointSchema },
      },
    },
    async (request) => service.enable(principalOf(request), request.params.slug, request.params.id),
  );
  app.get(
    '/api/organizers/:slug/webhooks/:id/deliveries',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: "An endpoint's delivery log, newest first, with every attempt.",
        params: EndpointParams,
        querystring: DeliveryLogQuery,
        response: { 200: Type.Array(WebhookDeliverySchema) },
      },
    },
    async (request) => service.deliveryLog(principalOf(request), request.params.slug, request.params.id, request.query.limit),
  );
  app.get(
    '/api/admin/event-log',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Every bus event in order, e.g. ?key=booking:123 — what happened to this booking.',
        querystring: EventLogQuery,
        response: { 200: Type.Array(EventLogEntrySchema) },
      },
    },
    async (request) =>
      service.eventLog({
        ...(request.query.key === undefined ? {} : { key: request.query.key }),
        ...(request.query.type === undefined ? {} : { type: request.query.type }),
        ...(request.query.after === undefined ? {} : { afterId: request.query.after }),
        limit: request.query.limit,
      }),
  );
}
