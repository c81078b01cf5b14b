import type { ColumnType, Generated } from 'kysely';
import type { Attachment } from './notifications.calendar.ts';

export const CHANNELS = ['email', 'sms', 'in_app'] as const;
export type Channel = (typeof CHANNELS)[number];
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface SourceEventTable {
  event_id: number;
  type: string;
  payload: ColumnType<unknown, string, string>;
  occurred_at: ColumnType<Date, string, string>;
  processed_at: Date | null;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  claimed_until: Date | null;
  last_error: string | null;
}

export interface MessageTable {
  id: Generated<number>;
  source_event_id: number;
  user_id: number;
  kind: string;
  locale: 'ru' | 'en';
  subject: string;
  body_text: string;
  body_html: string;
  sms_text: string;
  link: string | null;
  in_app: boolean;
  attachments: ColumnType<Attachment[], string | undefined, string>;
  read_at: Date | null;
  created_at: Generated<Date>;
}

export interface DeliveryTable {
  id: Generated<number>;
  message_id: number;
  source_event_id: number;
  user_id: number;
  channel: Channel;
  address: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: Generated<Date>;
  claimed_until: Date | null;
  sent_at: Date | null;
  created_at: Generated<Date>;
}

export interface MailboxTable {
  id: Generated<number>;
  delivery_id: number;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  attachments: ColumnType<Attachment[], string | undefined, string>;
  created_at: Generated<Date>;
}

export type NotificationsTables = {
  'notifications.source_events': SourceEventTable;
  'notifications.messages': MessageTable;
  'notifications.deliveries': DeliveryTable;
  'notifications.mailbox': MailboxTable;
};
