import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../platform/db/migrations.ts';
import { MAX_PRICE } from '../../platform/money.ts';

export const rentalsMigrations: Migrations = {
  '20261207T1400_rentals': {
    async up(db: Kysely<unknown>) {
      await sql`create schema if not exists rentals`.execute(db);
      // For the exclusion constraint: = on a bigint inside a GiST index (PGlite ships it too).
      await sql`create extension if not exists btree_gist`.execute(db);
      await sql`
        create table rentals.halls (
          id bigint generated always as identity primary key,
          organizer_id bigint not null,
          name text not null,
          description text not null default '',
          photos text[] not null default '{}',
          capacity integer check (capacity between 1 and 100000),
          area_sq_m integer check (area_sq_m between 1 and 1000000),
          timezone text not null,
          opening_hours jsonb not null,
          buffer_minutes integer not null default 0 check (buffer_minutes between 0 and 1440 and buffer_minutes % 15 = 0),
          min_minutes integer not null default 15 check (min_minutes >= 15 and min_minutes % 15 = 0),
          max_minutes integer not null default 1440 check (max_minutes >= min_minutes and max_minutes <= 10080 and max_minutes % 15 = 0),
          min_notice_minutes integer not null default 0 check (min_notice_minutes between 0 and 525600),
          horizon_days integer not null default 365 check (horizon_days between 1 and 1830),
          hold_ttl_seconds integer not null default 900 check (hold_ttl_seconds between 1 and 86400),
          full_refund_hours integer not null default 0 check (full_refund_hours between 0 and 8760),
          partial_refund_hours integer not null default 0 check (partial_refund_hours between 0 and 8760),
          partial_refund_percent integer not null default 0 check (partial_refund_percent between 0 and 100),
          created_by bigint not null,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index halls_organizer_idx on rentals.halls (organizer_id, id)`.execute(db);
      await sql`
        create table rentals.tariffs (
          hall_id bigint primary key references rentals.halls (id),
          currency text not null check (currency ~ '^[A-Z]{3}$'),
          bands jsonb not null,
          holidays jsonb not null default '[]',
          minimum_charge bigint not null default 0 check (minimum_charge between 0 and ${sql.lit(MAX_PRICE)}),
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`
        create table rentals.extras (
          id bigint generated always as identity primary key,
          organizer_id bigint not null,
          name text not null,
          description text not null default '',
          pricing text not null check (pricing in ('per_hour', 'per_rental')),
          price bigint not null check (price between 0 and ${sql.lit(MAX_PRICE)}),
          currency text not null check (currency ~ '^[A-Z]{3}$'),
          stock integer check (stock between 0 and 100000),
          active boolean not null default true,
          created_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index extras_organizer_idx on rentals.extras (organizer_id, id)`.execute(db);
      await sql`
        create table rentals.closures (
          id bigint generated always as identity primary key,
          hall_id bigint not null references rentals.halls (id),
          starts_on date not null,
          ends_on date not null,
          reason text not null default '',
          created_at timestamptz not null default now(),
          check (starts_on <= ends_on)
        )`.execute(db);
      await sql`create index closures_hall_idx on rentals.closures (hall_id, starts_on)`.execute(db);
      // The overlap rule lives here: no two live rentals or blocks of one hall share an instant of
      // [starts_at, occupied_until) — the rental plus the buffer kept free after it.
      // docs/decisions/0015-rental-overlap-by-exclusion-constraint.md says why.
      await sql`
        create table rentals.rentals (
          id bigint generated always as identity primary key,
          hall_id bigint not null references rentals.halls (id),
          organizer_id bigint not null,
          kind text not null check (kind in ('rental', 'block')),
          user_id bigint not null,
          status text not null check (status in ('PENDING', 'CONFIRMED', 'COMPLETED', 'CANCELLED', 'EXPIRED')),
          starts_at timestamptz not null,
          ends_at timestamptz not null,
          occupied_until timestamptz not null,
          expires_at timestamptz,
          total bigint not null check (total >= 0),
          currency text not null,
          quote jsonb not null,
          note text not null default '',
          paid_offline boolean not null default false,
          refund_amount bigint check (refund_amount between 0 and total),
          cancelled_by text check (cancelled_by in ('renter', 'studio')),
          created_at timestamptz not null default now(),
          confirmed_at timestamptz,
          closed_at timestamptz,
          constraint rentals_starts_before_ends check (starts_at < ends_at),
          constraint rentals_buffer_after_end check (occupied_until >= ends_at),
          constraint rentals_pending_expires check (status <> 'PENDING' or expires_at is not null),
          constraint rentals_no_overlap exclude using gist (
            hall_id with =,
            tstzrange(starts_at, occupied_until, '[)') with &&
          ) where (status in ('PENDING', 'CONFIRMED'))
        )`.execute(db);
      await sql`create index rentals_user_idx on rentals.rentals (user_id, id)`.execute(db);
      await sql`create index rentals_hall_time_idx on rentals.rentals (hall_id, starts_at)`.execute(db);
      await sql`create index rentals_pending_idx on rentals.rentals (expires_at) where status = 'PENDING'`.execute(db);
      await sql`create index rentals_confirmed_idx on rentals.rentals (ends_at) where status = 'CONFIRMED'`.execute(db);
      await sql`
        create table rentals.rental_extras (
          rental_id bigint not null references rentals.rentals (id),
          extra_id bigint not null references rentals.extras (id),
          quantity integer not null check (quantity between 1 and 100000),
          amount bigint not null check (amount >= 0),
          primary key (rental_id, extra_id)
        )`.execute(db);
      await sql`create index rental_extras_extra_idx on rentals.rental_extras (extra_id, rental_id)`.execute(db);
      await sql`
        create table rentals.audit (
          id bigint generated always as identity primary key,
          rental_id bigint not null references rentals.rentals (id),
          from_status text,
          to_status text not null,
          actor_id bigint,
          reason text not null,
          at timestamptz not null default now()
        )`.execute(db);
      await sql`create index audit_rental_idx on rentals.audit (rental_id, id)`.execute(db);
      await sql`
        create table rentals.idempotency_keys (
          user_id bigint not null,
          key text not null,
          request_hash text not null,
          status_code integer,
          response jsonb,
          created_at timestamptz not null default now(),
          primary key (user_id, key)
        )`.execute(db);
    },
  },
  // "Tell me if it frees up": a renter's watch on a slot that was taken. When it frees, the first
  // waiting watch (FIFO by id) gets an offer, a PENDING rental, in the freeing transaction.
  '20261207T1710_rentals_watches': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table rentals.watches (
          id bigint generated always as identity primary key,
          hall_id bigint not null references rentals.halls (id),
          user_id bigint not null,
          starts_at timestamptz not null,
          ends_at timestamptz not null,
          extras jsonb not null default '[]',
          status text not null default 'WAITING'
            check (status in ('WAITING', 'OFFERED', 'CLAIMED', 'LAPSED', 'CANCELLED', 'DROPPED')),
          rental_id bigint references rentals.rentals (id),
          offer_expires_at timestamptz,
          created_at timestamptz not null default now(),
          closed_at timestamptz,
          constraint watches_starts_before_ends check (starts_at < ends_at),
          constraint watches_offer_has_rental check (status not in ('OFFERED', 'CLAIMED', 'LAPSED') or rental_id is not null)
        )`.execute(db);
      await sql`create index watches_waiting_idx on rentals.watches (hall_id, id) where status = 'WAITING'`.execute(db);
      await sql`create index watches_user_idx on rentals.watches (user_id, id)`.execute(db);
      await sql`create unique index watches_rental_idx on rentals.watches (rental_id) where rental_id is not null`.execute(db);
    },
  },
};
