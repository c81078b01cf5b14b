import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import { instant } from './rentals.routes.ts';
import { HallParams, WatchBody, WatchParams, WatchSchema } from './rentals.schemas.ts';
import type { WatchesService } from './watches.service.ts';

/** "Tell me if it frees up": watch a taken slot; the first watcher gets a held rental when it frees. */
export function registerWatchesRoutes(app: App, watches: WatchesService): void {
  const tags = ['rentals'];
  app.post(
    '/api/halls/:id/watches',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Watch a taken slot: when it frees, the first watcher gets a PENDING rental held for a short time (409 slot-available if it is free now).',
        params: HallParams,
        body: WatchBody,
        response: { 201: WatchSchema },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const watch = await watches.create(
        principalOf(request),
        request.params.id,
        instant(body.starts_at, 'starts_at'),
        instant(body.ends_at, 'ends_at'),
        body.extras ?? [],
      );
      return reply.code(201).send(watch);
    },
  );
  app.get(
    '/api/watches',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'My watches, newest first (at most 100).', response: { 200: Type.Array(WatchSchema) } },
    },
    async (request) => watches.mine(principalOf(request)),
  );
  app.delete(
    '/api/watches/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Stop watching (an offer already made stays yours until it lapses). 404 for anyone else’s.',
        params: WatchParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await watches.delete(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
