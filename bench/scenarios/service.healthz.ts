import type { Scenario } from '../lib/scenario.ts';

// No database: the distance to baseline.bare-fastify is the cost of the service's HTTP shell
// (request-id hook, metrics onResponse hook, schema-based serialization, the routes swagger adds).
export default {
  name: 'service.healthz',
  description: 'GET /healthz on the full service: HTTP shell only, no database.',
  request: { path: '/healthz' },
} satisfies Scenario;
