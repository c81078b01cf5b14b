import type { ColumnType, Generated } from 'kysely';

export interface OutboxTable {
  id: Generated<number>;
  type: string;
  aggregate_id: string;
  payload: ColumnType<unknown, string, string>;
  created_at: Generated<Date>;
  published_at: Date | null;
  request_id: string | null;
}

export interface InboxTable {
  consumer: string;
  event_id: number;
  handled_at: Generated<Date>;
}

export interface DeadLetterTable {
  id: Generated<number>;
  consumer: string;
  event_id: number;
  type: string;
  payload: ColumnType<unknown, string, string>;
  error: string;
  failed_at: Generated<Date>;
}

export interface LeaseTable {
  name: string;
  holder: string;
  expires_at: Date;
}

export type BusTables = {
  'platform.outbox': OutboxTable;
  'platform.inbox': InboxTable;
  'platform.dead_letters': DeadLetterTable;
  'platform.leases': LeaseTable;
};
