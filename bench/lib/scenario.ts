import type { Database } from '../../src/platform/db/database.ts';
import type { PreparedStatement } from '../../src/platform/db/prepared.ts';

/**
 * The statement an endpoint runs per request. The harness measures the raw database running only
 * this statement (same engine, same pool size, no HTTP) as `baseline.raw-db-<name>`, so the
 * scenario's throughput can be read as a fraction of what the database alone can do. Scenarios
 * naming the same baseline share one measurement.
 */
export interface SqlBaseline {
  /** Short and stable: it becomes the row name `baseline.raw-db-<name>`. */
  name: string;
  /** A prepared statement (the service's own, e.g. TAKE_SEATS) runs by name, as the service runs it. */
  sql: string | PreparedStatement<unknown>;
  /** Parameters for each execution (e.g. a different seat each time). */
  params?: () => unknown[];
  /** Runs on the migrated baseline database before each measurement, every round: make it idempotent. */
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
    /** May be set or changed by `setup` (e.g. the Authorization header of a user it registers). */
    headers?: Record<string, string>;
    body?: string;
    /**
     * A body for every request instead of `body` (e.g. a different seat each time), through
     * autocannon's `setupRequest`: the load generator then builds each request anew, which costs
     * it some CPU per request.
     */
    nextBody?: () => string;
    /** A path for every request instead of `path` (e.g. a different ticket code), like `nextBody`. */
    nextPath?: () => string;
  };
  /** HTTP connections for this scenario instead of `--connections` (shown in the report's header). */
  connections?: number;
  /**
   * Requests per second on a fixed schedule (open loop, at most `connections` in flight;
   * measureHttpAtRate) instead of `connections` clients each sending as soon as answered.
   */
  rate?: number;
  /**
   * Another scenario's name: adds a "vs scenario" ratio (this row's req/s ÷ that row's). That
   * scenario then always runs, like a baseline.
   */
  compareTo?: string;
  /**
   * The service loads `sbor seed`'s demo data at start (event 1, the HackLoad concert with 100,000
   * seats) and sets event 1 back to all seats free, no bookings.
   */
  seed?: boolean;
  sqlBaseline?: SqlBaseline;
  /** Measured seconds at most, when `--duration` is longer (a scenario that uses up its data). */
  maxDurationSeconds?: number;
  /** Runs `setup` again between the warm-up and the measurement, so the measurement starts afresh. */
  setupAfterWarmup?: boolean;
  /**
   * Runs against the service before each measurement (e.g. create the event to book): every round,
   * on a freshly started service process, so make it idempotent.
   */
  setup?: (service: ServiceContext) => Promise<void>;
}

export interface ServiceContext {
  url: string;
  /**
   * A second connection to the service's database for setup work (resetting data, VACUUM),
   * closed after setup. PostgreSQL only: on PGlite the service process owns its data directory,
   * so this is undefined.
   */
  database: Database | undefined;
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
