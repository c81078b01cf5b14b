import type { ColumnType, Generated } from 'kysely';

export interface JobTable {
  id: Generated<number>;
  name: string;
  payload: ColumnType<unknown, string, string>;
  /** A key that makes scheduling idempotent: one pending job per (name, key). */
  dedupe_key: string | null;
  run_at: Date;
  attempts: Generated<number>;
  last_error: string | null;
  failed_at: Date | null;
  created_at: Generated<Date>;
}

export interface PeriodicJobTable {
  name: string;
  next_run_at: Date;
  last_run_at: Date | null;
  last_run_by: string | null;
}

export type JobsTables = {
  'platform.jobs': JobTable;
  'platform.periodic_jobs': PeriodicJobTable;
};
