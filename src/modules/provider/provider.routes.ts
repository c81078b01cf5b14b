import { Type } from 'typebox';
import type { App } from '../../platform/http/server.ts';
import type { ProviderMirror } from './provider.mirror.ts';
import { MirrorEmptyError } from './provider.errors.ts';
import {
  DivergenceSchema,
  DivergencesQuery,
  PreloadSummarySchema,
  ProviderStateSchema,
  ReconcileSummarySchema,
} from './provider.schemas.ts';

/** Operator endpoints for the event provider's mirror: admins only. */
export function registerProviderRoutes(
  app: App,
  mirror: ProviderMirror,
  source: 'simulator' | 'provider',
  sagaCounts: () => Promise<{ pending: number; done: number; parked: number }>,
): void {
  app.addSchema(ProviderStateSchema);
  const tags = ['provider'];

  app.get(
    '/api/admin/provider',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'The event provider as we see it: breaker state, calls in flight, the mirror’s size, age and last findings.',
        response: { 200: Type.Ref('ProviderState') },
      },
    },
    async () => ({ source, ...(await mirror.state()), sagas: await sagaCounts() }),
  );
  app.post(
    '/api/admin/provider/preload',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Fill the mirror with every page of the provider’s places now (a running preload is joined, not repeated).',
        response: { 200: PreloadSummarySchema },
      },
    },
    async () => mirror.preload(),
  );
  app.post(
    '/api/admin/provider/reconcile',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Compare the mirror with the provider now; the differences are listed and the mirror takes the provider’s word.',
        response: { 200: ReconcileSummarySchema },
      },
    },
    async () => {
      const summary = await mirror.reconcile();
      if (!summary) throw new MirrorEmptyError();
      return summary;
    },
  );
  app.get(
    '/api/admin/provider/divergences',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Where the mirror and the provider differed at the last reconciliation, by place id (keyset pages).',
        querystring: DivergencesQuery,
        response: { 200: Type.Array(DivergenceSchema) },
      },
    },
    async (request) => {
      const rows = await mirror.divergences({ limit: request.query.limit, after: request.query.after });
      return rows.map((row) => ({ ...row, found_at: row.found_at.toISOString() }));
    },
  );
}
