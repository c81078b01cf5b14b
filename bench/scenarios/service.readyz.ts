import type { Scenario } from '../lib/scenario.ts';

// One `select 1` per request (the migrations check is remembered once it passes; the bus check
// does not touch the database), so the raw-database baseline is the same statement in a loop.
export default {
  name: 'service.readyz',
  description: 'GET /readyz on the full service: the HTTP shell plus one `select 1` through the pool.',
  request: { path: '/readyz' },
  sqlBaseline: { name: 'select1', sql: 'select 1' },
} satisfies Scenario;
