import type { Database } from '../../src/platform/db/database.ts';

/**
 * The statement an endpoint runs per request. The harness measures the raw database running only
 * this statement (same engine, same pool size, no HTTP) as `baseline.raw-db-<name>`, so the
 * scenario's throughput can be read as a fraction of what the database alone can do. Scenarios
 * naming the same baseline share one measurement.
 */
export interface SqlBaseline {
  /** Short and stable: it becomes the row name `baseline.raw-db-<name>`. */
  name: string;
  sql: string;
  /** Parameters for each execution (e.g. a different seat each time). */
  params?: () => unknown[];
  /** Runs once on the migrated baseline database before the warm-up (e.g. insert the seats). */
  setup?: (database: Database) => Promise<void>;
}

/**
 * One HTTP scenario against the full service. Adding a file to bench/scenarios/ that default-exports
 * one of these is all it takes to add a scenario.
 */
export interface Scenario {
  /** `service.<what>`; `--only` matches it by prefix. */
  name: string;
  /** One line for the docs and `--help`: what the request exercises. */
  description: string;
  request: {
    method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    path: string;
    headers?: Record<string, string>;
    body?: string;
  };
  sqlBaseline?: SqlBaseline;
  /** Runs once against the started service before the warm-up (e.g. create the event to book). */
  setup?: (service: { url: string }) => Promise<void>;
}

/** One row of the report: a scenario or a baseline, after all rounds. */
export interface Measurement {
  name: string;
  kind: 'baseline' | 'scenario';
  /** Successful (2xx, or query without error) operations per second; the median over rounds. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Transport errors and timeouts (HTTP) or failed queries (SQL), summed over rounds. */
  errors: number;
  non2xx: number;
  /** perSecond of every round, to show the spread. */
  rounds: number[];
  /** This row's perSecond divided by each named baseline's perSecond. */
  ratios: Record<string, number>;
}
