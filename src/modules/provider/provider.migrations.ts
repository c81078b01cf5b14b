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
  '20261207T1700_provider_ownership_and_sagas': {
    async up(db: Kysely<unknown>) {
      // Who sells an event's seats (absent: we do). An allotment's block is rows or place ids, never both.
      await sql`
        create table provider.event_modes (
          event_id bigint primary key,
          mode text not null check (mode in ('own', 'provider', 'allotment')),
          block_from_row integer check (block_from_row between 1 and 1000000),
          block_to_row integer check (block_to_row between 1 and 1000000),
          block_places uuid[] check (cardinality(block_places) between 1 and 10000),
          updated_at timestamptz not null default now(),
          check ((block_from_row is null) = (block_to_row is null) and block_from_row <= block_to_row),
          check ((mode = 'allotment') = (block_from_row is not null or block_places is not null)),
          check (block_from_row is null or block_places is null)
        )`.execute(db);
      // Our seat id (sales.seats) for each provider place, matched by row and seat number. The
      // Partner API has no event id: its places are one event's, so a place links to one seat.
      await sql`
        create table provider.seat_links (
          seat_id bigint primary key,
          event_id bigint not null,
          place_id uuid not null unique
        )`.execute(db);
      await sql`create index seat_links_event_idx on provider.seat_links (event_id)`.execute(db);
      // One provider order per booking, recorded before anything relies on it.
      await sql`
        create table provider.booking_orders (
          booking_id bigint primary key,
          event_id bigint not null,
          order_id uuid not null unique,
          created_at timestamptz not null default now()
        )`.execute(db);
      // Places we asked the provider to put in an order (accepted, or asked with the answer lost):
      // what the saga releases when the booking no longer has them.
      await sql`
        create table provider.order_places (
          order_id uuid not null,
          place_id uuid not null,
          -- true once the provider answered 204: the place is certainly this order's (joining, maybe later).
          accepted boolean not null default false,
          primary key (order_id, place_id)
        )`.execute(db);
      await sql`create index order_places_place_idx on provider.order_places (place_id)`.execute(db);
      // The order saga: one per booking, driven to its goal by the periodic provider.sagas job.
      await sql`
        create table provider.sagas (
          booking_id bigint primary key,
          event_id bigint not null,
          goal text not null check (goal in ('confirm', 'cancel')),
          state text not null default 'pending' check (state in ('pending', 'done', 'parked')),
          seat_ids bigint[] not null default '{}' check (cardinality(seat_ids) <= 1000),
          attempts integer not null default 0 check (attempts >= 0),
          next_run_at timestamptz not null default now(),
          lease_until timestamptz,
          leased_by text,
          outcome text,
          last_error text,
          parked_reason text,
          progressed_at timestamptz not null default now(),
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now(),
          finished_at timestamptz
        )`.execute(db);
      await sql`create index sagas_due_idx on provider.sagas (next_run_at) where state = 'pending'`.execute(db);
      await sql`create index sagas_event_state_idx on provider.sagas (event_id, state)`.execute(db);
    },
  },
};
