import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../db/migrations.ts';

export const jobsMigrations: Migrations = {
  '20261124T0501_platform_jobs': {
    async up(db: Kysely<unknown>) {
      await sql`create schema if not exists platform`.execute(db);
      await sql`
        create table platform.jobs (
          id bigint generated always as identity primary key,
          name text not null,
          payload jsonb not null,
          dedupe_key text,
          run_at timestamptz not null,
          attempts integer not null default 0 check (attempts >= 0),
          last_error text,
          failed_at timestamptz,
          created_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index jobs_due_idx on platform.jobs (run_at) where failed_at is null`.execute(db);
      await sql`create unique index jobs_dedupe_idx on platform.jobs (name, dedupe_key) where dedupe_key is not null and failed_at is null`.execute(
        db,
      );
      await sql`
        create table platform.periodic_jobs (
          name text primary key,
          next_run_at timestamptz not null,
          last_run_at timestamptz,
          last_run_by text
        )`.execute(db);
    },
  },
};
