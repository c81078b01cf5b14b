import { Type } from 'typebox';
import type { App } from './server.ts';
import type { Metrics } from '../metrics/metrics.ts';

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

const CheckResults = Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('failing')]));

export function registerHealthRoutes(app: App, options: { checks: ReadinessCheck[]; metrics: Metrics }): void {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up and serving HTTP.',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: database reachable, migrations applied, bus connected.',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), checks: CheckResults }),
          503: Type.Object({ status: Type.Literal('not-ready'), checks: CheckResults }),
        },
      },
    },
    async (_request, reply) => {
      const checks: Record<string, 'ok' | 'failing'> = {};
      for (const readiness of options.checks) {
        checks[readiness.name] = (await readiness.check().catch(() => false)) ? 'ok' : 'failing';
      }
      const ready = Object.values(checks).every((result) => result === 'ok');
      return ready ? { status: 'ready' as const, checks } : reply.code(503).send({ status: 'not-ready' as const, checks });
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics: request latency, database pool, outbox backlog and lag.',
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => {
      reply.type(options.metrics.registry.contentType);
      return options.metrics.registry.metrics();
    },
  );
}
