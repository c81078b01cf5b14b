import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../platform/db/migrations.ts';

export const providerMigrations: Migrations = {
  '20261207T1330_provider_mirror': {
    async up(db: Kysely<unknown>) {
      await sql`create schema if not exists provider`.execute(db);
      // Our integer seat id for each provider place, kept across preloads (the upsert is by place_id).
      await sql`
        create table provider.places (
          seat_id bigint generated always as identity primary key,
          place_id uuid not null unique,
          row_no integer not null check (row_no between 1 and 1000000),
          seat_no integer not null check (seat_no between 1 and 1000000),
          is_free boolean not null,
          seen_at timestamptz not null
        )`.execute(db);
      // No index on (row_no, seat_no) yet: nothing reads by it in phase A, and every index is paid
      // for on each of a preload's 100,000 inserts.
      await sql`
        create table provider.divergences (
          place_id uuid primary key,
          kind text not null check (kind in ('missing-here', 'missing-there', 'free-differs')),
          mirror_free boolean,
          provider_free boolean,
          found_at timestamptz not null default now(),
          check ((kind = 'missing-here') = (mirror_free is null)),
          check ((kind = 'missing-there') = (provider_free is null))
        )`.execute(db);
      await sql`
        create table provider.mirror_state (
          id boolean primary key default true check (id),
          preloaded_at timestamptz,
          preload_places integer check (preload_places >= 0),
          preload_ms integer check (preload_ms >= 0),
          reconciled_at timestamptz,
          reconcile_ms integer check (reconcile_ms >= 0),
          divergences integer check (divergences >= 0)
        )`.execute(db);
      await sql`insert into provider.mirror_state (id) values (true)`.execute(db);
    },
  },
};
