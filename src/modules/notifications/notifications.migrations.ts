import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../platform/db/migrations.ts';

export const notificationsMigrations: Migrations = {
  '20261124T1200_notifications': {
    async up(db: Kysely<unknown>) {
      await sql`create schema if not exists notifications`.execute(db);
      // Bus events waiting to become messages. The consumer only records them (in its inbox
      // transaction); the dispatcher resolves recipients and renders outside any transaction.
      await sql`
        create table notifications.source_events (
          event_id bigint primary key,
          type text not null,
          payload jsonb not null,
          occurred_at timestamptz not null,
          processed_at timestamptz,
          attempts integer not null default 0,
          next_attempt_at timestamptz not null default now(),
          claimed_until timestamptz,
          last_error text
        )`.execute(db);
      await sql`create index source_events_due_idx on notifications.source_events (next_attempt_at, event_id)
        where processed_at is null`.execute(db);
      await sql`
        create table notifications.messages (
          id bigint generated always as identity primary key,
          source_event_id bigint not null,
          user_id bigint not null,
          kind text not null,
          locale text not null check (locale in ('ru', 'en')),
          subject text not null,
          body_text text not null,
          body_html text not null,
          sms_text text not null,
          link text,
          in_app boolean not null,
          read_at timestamptz,
          created_at timestamptz not null default now(),
          unique (source_event_id, user_id)
        )`.execute(db);
      await sql`create index messages_inbox_idx on notifications.messages (user_id, id desc) where in_app`.execute(db);
      await sql`create index messages_unread_idx on notifications.messages (user_id) where in_app and read_at is null`.execute(
        db,
      );
      // One row per message and channel. The unique key is the at-most-once guarantee: a redelivered
      // bus event finds its rows and adds nothing.
      await sql`
        create table notifications.deliveries (
          id bigint generated always as identity primary key,
          message_id bigint not null references notifications.messages (id),
          source_event_id bigint not null,
          user_id bigint not null,
          channel text not null check (channel in ('email', 'sms', 'in_app')),
          address text not null,
          status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed')),
          attempts integer not null default 0,
          last_error text,
          next_attempt_at timestamptz not null default now(),
          claimed_until timestamptz,
          sent_at timestamptz,
          created_at timestamptz not null default now(),
          unique (source_event_id, user_id, channel)
        )`.execute(db);
      await sql`create index deliveries_due_idx on notifications.deliveries (next_attempt_at)
        where status in ('pending', 'sending')`.execute(db);
      await sql`create index deliveries_message_idx on notifications.deliveries (message_id)`.execute(db);
      // What would have been sent when no SMTP server or SMS provider is configured.
      await sql`
        create table notifications.mailbox (
          id bigint generated always as identity primary key,
          delivery_id bigint not null unique references notifications.deliveries (id),
          channel text not null check (channel in ('email', 'sms')),
          recipient text not null,
          subject text not null,
          body_text text not null,
          body_html text,
          created_at timestamptz not null default now()
        )`.execute(db);
    },
  },
  // Files sent with an email (a rental's .ics invitation), kept with the message so a retried
  // delivery sends the same bytes; the mailbox keeps them too, to show what would have gone out.
  '20261207T1700_notifications_attachments': {
    async up(db: Kysely<unknown>) {
      await sql`alter table notifications.messages add column attachments jsonb not null default '[]'`.execute(db);
      await sql`alter table notifications.mailbox add column attachments jsonb not null default '[]'`.execute(db);
    },
  },
};
