import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../platform/db/migrations.ts';

export const paymentsMigrations: Migrations = {
  '20261124T1300_payments': {
    async up(db: Kysely<unknown>) {
      await sql`create schema if not exists payments`.execute(db);
      await sql`
        create table payments.payments (
          id bigint generated always as identity primary key,
          booking_id bigint not null,
          user_id bigint not null,
          event_id bigint not null,
          order_id text not null unique check (length(order_id) between 1 and 36),
          gateway text not null,
          gateway_payment_id text not null,
          amount bigint not null check (amount > 0),
          currency text not null check (currency ~ '^[A-Z]{3}$'),
          refunded_amount bigint not null default 0 check (refunded_amount >= 0 and refunded_amount <= amount),
          status text not null check (status in
            ('NEW', 'FORM_SHOWED', 'AUTHORIZED', 'CONFIRMED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'REJECTED', 'CANCELLED', 'EXPIRED')),
          payment_url text not null,
          items jsonb not null,
          expires_at timestamptz not null,
          void_requested boolean not null default false,
          failure_reason text,
          last_checked_at timestamptz,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now(),
          unique (gateway, gateway_payment_id)
        )`.execute(db);
      // At most one payment in flight per booking: a second initiate gets the first one's page.
      await sql`create unique index payments_one_live_idx on payments.payments (booking_id)
        where status in ('NEW', 'FORM_SHOWED', 'AUTHORIZED')`.execute(db);
      await sql`create index payments_booking_idx on payments.payments (booking_id, id desc)`.execute(db);
      await sql`create index payments_live_idx on payments.payments (expires_at)
        where status in ('NEW', 'FORM_SHOWED', 'AUTHORIZED')`.execute(db);
      await sql`
        create table payments.status_history (
          id bigint generated always as identity primary key,
          payment_id bigint not null references payments.payments (id),
          from_status text,
          to_status text not null,
          source text not null,
          detail text not null default '',
          at timestamptz not null default now()
        )`.execute(db);
      await sql`create index status_history_payment_idx on payments.status_history (payment_id, id)`.execute(db);
      await sql`
        create table payments.refunds (
          id bigint generated always as identity primary key,
          payment_id bigint not null references payments.payments (id),
          booking_id bigint not null,
          amount bigint not null check (amount > 0),
          currency text not null,
          reason text not null,
          status text not null default 'PENDING' check (status in ('PENDING', 'SUCCEEDED', 'FAILED')),
          attempts integer not null default 0,
          next_attempt_at timestamptz not null default now(),
          last_error text,
          created_at timestamptz not null default now(),
          completed_at timestamptz
        )`.execute(db);
      await sql`create index refunds_pending_idx on payments.refunds (next_attempt_at) where status = 'PENDING'`.execute(db);
      await sql`create index refunds_payment_idx on payments.refunds (payment_id)`.execute(db);
      await sql`
        create table payments.webhook_deliveries (
          delivery_id text primary key,
          gateway_payment_id text not null,
          status text not null,
          received_count integer not null default 1,
          first_received_at timestamptz not null default now(),
          last_received_at timestamptz not null default now()
        )`.execute(db);
    },
  },
  '20261207T1100_payments_cancel_booking_on_failure': {
    async up(db: Kysely<unknown>) {
      // Which door started the payment decides what a failure does to the booking: the native API
      // keeps the hold for another try; the Billetter contract cancels it.
      await sql`alter table payments.payments add column cancel_booking_on_failure boolean not null default false`.execute(db);
    },
  },
  '20261207T1500_payments_order_kind': {
    async up(db: Kysely<unknown>) {
      // Payments settle any payable order (payments.ports.ts): the kind is stored with each payment
      // and refund, and booking_id is the order's id within its kind (kept by name, so what was
      // recorded for bookings reads as before). Orders not for an event (rentals) have no event_id.
      await sql`alter table payments.payments add column order_kind text not null default 'booking'
        check (order_kind ~ '^[a-z][a-z-]{0,31}$')`.execute(db);
      await sql`alter table payments.payments alter column event_id drop not null`.execute(db);
      await sql`alter table payments.refunds add column order_kind text not null default 'booking'
        check (order_kind ~ '^[a-z][a-z-]{0,31}$')`.execute(db);
      await sql`drop index payments.payments_one_live_idx`.execute(db);
      await sql`create unique index payments_one_live_idx on payments.payments (order_kind, booking_id)
        where status in ('NEW', 'FORM_SHOWED', 'AUTHORIZED')`.execute(db);
      await sql`drop index payments.payments_booking_idx`.execute(db);
      await sql`create index payments_booking_idx on payments.payments (order_kind, booking_id, id desc)`.execute(db);
      await sql`create index refunds_order_idx on payments.refunds (order_kind, booking_id, id)`.execute(db);
    },
  },
};
