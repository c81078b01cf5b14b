import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import {
  BulkPromoCodesBody,
  ChangePromoCodeBody,
  CreatePromoCodeBody,
  PromoCodeParams,
  PromoCodeSchema,
} from './promo-codes.schemas.ts';
import type { PromoCodes } from './promo-codes.service.ts';
import { EventParams } from './sales.schemas.ts';

const PromoCodeRef = Type.Ref('PromoCode');

export function registerPromoCodeRoutes(app: App, promoCodes: PromoCodes): void {
  app.addSchema(PromoCodeSchema);
  const tags = ['promo codes'];

  app.post(
    '/api/events/:id/promo-codes',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Create a promo code (event owner or manager).',
        params: EventParams,
        body: CreatePromoCodeBody,
        response: { 201: PromoCodeRef },
      },
    },
    async (request, reply) => {
      const [created] = await promoCodes.create(principalOf(request), request.params.id, request.body);
      return reply.code(201).send(created);
    },
  );
  app.post(
    '/api/events/:id/promo-codes/bulk',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Create `count` random promo codes starting with `prefix` (event owner or manager).',
        params: EventParams,
        body: BulkPromoCodesBody,
        response: { 201: Type.Array(PromoCodeRef) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await promoCodes.create(principalOf(request), request.params.id, request.body)),
  );
  app.get(
    '/api/events/:id/promo-codes',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: "The event's promo codes with their uses (event owner or manager).",
        params: EventParams,
        response: { 200: Type.Array(PromoCodeRef) },
      },
    },
    async (request) => promoCodes.list(principalOf(request), request.params.id),
  );
  app.patch(
    '/api/promo-codes/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Change or deactivate (`active: false`) a promo code (event owner or manager).',
        params: PromoCodeParams,
        body: ChangePromoCodeBody,
        response: { 200: PromoCodeRef },
      },
    },
    async (request) => promoCodes.change(principalOf(request), request.params.id, request.body),
  );
}
