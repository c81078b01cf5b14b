import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../platform/db/migrations.ts';

export const queueMigrations: Migrations = {
  '20261207T2300_queue': {
    async up(db: Kysely<unknown>) {
      await sql`create schema if not exists queue`.execute(db);
      // One waiting room per event, with its admission state: what admission has used of its
      // allowance (`credited`), and the highest position it has let through.
      await sql`
        create table queue.rooms (
          event_id bigint primary key,
          enabled boolean not null default false,
          on_sale_at timestamptz not null,
          rate_per_minute integer check (rate_per_minute between 1 and 1000000),
          max_active integer check (max_active between 1 and 1000000),
          token_ttl_seconds integer not null default 900 check (token_ttl_seconds between 60 and 86400),
          grace_seconds integer not null default 300 check (grace_seconds between 10 and 86400),
          failure_mode text not null default 'closed' check (failure_mode in ('open', 'closed')),
          rate_since timestamptz not null,
          credited bigint not null default 0 check (credited >= 0),
          shuffled_at timestamptz,
          last_position bigint not null default 0,
          admitted_through bigint not null default 0,
          admitted_count bigint not null default 0,
          updated_at timestamptz not null default now(),
          check (rate_per_minute is not null or max_active is not null)
        )`.execute(db);
      // One entry per account and event (the unique key), one holder per position: the shuffle
      // and every later arrival can only hand out distinct places.
      await sql`
        create table queue.entries (
          id bigint generated always as identity primary key,
          event_id bigint not null references queue.rooms (event_id) on delete cascade,
          user_id bigint not null,
          status text not null default 'waiting' check (status in ('waiting', 'admitted')),
          position bigint check (position > 0),
          ahead_at_start bigint,
          joined_at timestamptz not null default now(),
          last_seen_at timestamptz not null default now(),
          admitted_at timestamptz,
          token_expires_at timestamptz,
          admitted_by text,
          unique (event_id, user_id),
          unique (event_id, position),
          check ((status = 'admitted') = (admitted_at is not null))
        )`.execute(db);
      await sql`create index entries_waiting_idx on queue.entries (event_id, position) where status = 'waiting'`.execute(db);
      await sql`create index entries_active_idx on queue.entries (event_id, token_expires_at) where status = 'admitted'`.execute(
        db,
      );
      // The token key when QUEUE_TOKEN_SECRET is unset: made once, shared by every process.
      await sql`create table queue.secrets (name text primary key, secret text not null)`.execute(db);
    },
  },
};
