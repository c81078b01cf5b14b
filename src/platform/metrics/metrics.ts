import type pg from 'pg';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import { readOutboxStats } from '../bus/outbox.ts';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
}

/**
 * One registry per running service (not prom-client's global one, so tests can build several
 * apps in one process). Pool and outbox gauges are read when Prometheus scrapes, not polled.
 */
export function createMetrics(options: { pool: pg.Pool; db: Kysely<object> }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template and status.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const { pool, db } = options;
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  const lag = new Gauge({
    name: 'outbox_lag_seconds',
    help: 'Age of the oldest committed event not yet published.',
    registers: [registry],
  });
  new Gauge({
    name: 'outbox_backlog',
    help: 'Committed events not yet published to the bus.',
    registers: [registry],
    async collect() {
      const stats = await readOutboxStats(db);
      this.set(stats.backlog);
      lag.set(stats.lagSeconds);
    },
  });
  return { registry, httpDuration };
}
