import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import type { ExtrasService } from './extras.service.ts';
import { ExtraParams, ExtraSchema, PatchExtraBody } from './rentals.schemas.ts';

/** Changing and archiving extras (adding and listing them is in rentals.routes.ts, under the studio). */
export function registerExtrasRoutes(app: App, extras: ExtrasService): void {
  const tags = ['rentals'];
  app.patch(
    '/api/extras/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Change an extra (studio team). Rentals already made keep their price; a new stock counts from now on.',
        params: ExtraParams,
        body: PatchExtraBody,
        response: { 200: ExtraSchema },
      },
    },
    async (request) => extras.update(principalOf(request), request.params.id, request.body),
  );
  app.delete(
    '/api/extras/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Archive an extra (studio team): offered no more; live rentals that have it keep it.',
        params: ExtraParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await extras.archive(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
