import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../platform/db/migrations.ts';

export const integrationsMigrations: Migrations = {
  '20261124T1210_integrations': {
    async up(db: Kysely<unknown>) {
      await sql`create schema if not exists integrations`.execute(db);
      // Every bus event, in id order, with the keys it concerns (booking:12, event:3, user:7 …).
      await sql`
        create table integrations.event_log (
          event_id bigint primary key,
          type text not null,
          aggregate_id text not null,
          keys text[] not null,
          payload jsonb not null,
          occurred_at timestamptz not null,
          recorded_at timestamptz not null default now(),
          webhooks_pending boolean not null
        )`.execute(db);
      await sql`create index event_log_keys_idx on integrations.event_log using gin (keys)`.execute(db);
      await sql`create index event_log_type_idx on integrations.event_log (type, event_id)`.execute(db);
      await sql`create index event_log_webhooks_idx on integrations.event_log (event_id) where webhooks_pending`.execute(db);
      await sql`
        create table integrations.webhook_endpoints (
          id bigint generated always as identity primary key,
          organizer_id bigint not null,
          organizer_slug text not null,
          url text not null,
          description text not null default '',
          event_types text[] not null check (cardinality(event_types) > 0),
          secret text not null,
          status text not null default 'active' check (status in ('active', 'disabled', 'deleted')),
          consecutive_failures integer not null default 0,
          disabled_reason text,
          disabled_at timestamptz,
          created_by bigint not null,
          created_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index webhook_endpoints_organizer_idx on integrations.webhook_endpoints (organizer_id) where status = 'active'`.execute(
        db,
      );
      await sql`
        create table integrations.webhook_deliveries (
          id bigint generated always as identity primary key,
          endpoint_id bigint not null references integrations.webhook_endpoints (id),
          event_id bigint not null references integrations.event_log (event_id),
          event_type text not null,
          status text not null default 'pending' check (status in ('pending', 'sending', 'delivered', 'failed')),
          attempts integer not null default 0,
          last_status_code integer,
          last_error text,
          next_attempt_at timestamptz not null default now(),
          claimed_until timestamptz,
          delivered_at timestamptz,
          created_at timestamptz not null default now(),
          unique (endpoint_id, event_id)
        )`.execute(db);
      await sql`create index webhook_deliveries_due_idx on integrations.webhook_deliveries (next_attempt_at)
        where status in ('pending', 'sending')`.execute(db);
      await sql`
        create table integrations.webhook_attempts (
          id bigint generated always as identity primary key,
          delivery_id bigint not null references integrations.webhook_deliveries (id),
          attempt integer not null,
          status_code integer,
          error text,
          duration_ms integer not null,
          at timestamptz not null default now()
        )`.execute(db);
      await sql`create index webhook_attempts_delivery_idx on integrations.webhook_attempts (delivery_id, id)`.execute(db);
    },
  },
};
