import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../db/migrations.ts';

export const busMigrations: Migrations = {
  '20261124T0500_platform_bus': {
    async up(db: Kysely<unknown>) {
      await sql`create schema if not exists platform`.execute(db);
      await sql`
        create table platform.outbox (
          id bigint generated always as identity primary key,
          type text not null,
          aggregate_id text not null,
          payload jsonb not null,
          created_at timestamptz not null default now(),
          published_at timestamptz
        )`.execute(db);
      // The relay reads only the unpublished tail; this keeps that read and the backlog metric cheap.
      await sql`create index outbox_unpublished_idx on platform.outbox (id) where published_at is null`.execute(db);
      await sql`
        create table platform.inbox (
          consumer text not null,
          event_id bigint not null,
          handled_at timestamptz not null default now(),
          primary key (consumer, event_id)
        )`.execute(db);
      await sql`
        create table platform.dead_letters (
          id bigint generated always as identity primary key,
          consumer text not null,
          event_id bigint not null,
          type text not null,
          payload jsonb not null,
          error text not null,
          failed_at timestamptz not null default now()
        )`.execute(db);
      await sql`
        create table platform.leases (
          name text primary key,
          holder text not null,
          expires_at timestamptz not null
        )`.execute(db);
    },
  },
  '20261207T1700_outbox_request_id': {
    async up(db: Kysely<unknown>) {
      // Nullable: events from jobs and older rows have no request. Bounded by the request-id format.
      await sql`alter table platform.outbox add column request_id text check (length(request_id) <= 200)`.execute(db);
    },
  },
};
