import type { ColumnType, Generated, Kysely, Selectable } from 'kysely';

export type FailureMode = 'open' | 'closed';
export type EntryStatus = 'waiting' | 'admitted';

export interface RoomTable {
  event_id: number;
  enabled: boolean;
  on_sale_at: ColumnType<Date, Date | string, Date | string>;
  rate_per_minute: number | null;
  max_active: number | null;
  token_ttl_seconds: number;
  grace_seconds: number;
  failure_mode: FailureMode;
  rate_since: ColumnType<Date, Date | string, Date | string>;
  credited: Generated<number>;
  shuffled_at: Date | null;
  last_position: Generated<number>;
  admitted_through: Generated<number>;
  admitted_count: Generated<number>;
  updated_at: Generated<Date>;
}

export interface EntryTable {
  id: Generated<number>;
  event_id: number;
  user_id: number;
  status: Generated<EntryStatus>;
  position: number | null;
  ahead_at_start: number | null;
  joined_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  admitted_at: Date | null;
  token_expires_at: Date | null;
  admitted_by: string | null;
}

export type QueueTables = {
  'queue.rooms': RoomTable;
  'queue.entries': EntryTable;
  'queue.secrets': { name: string; secret: string };
};

export type QueueDb = Kysely<QueueTables>;
export type RoomRow = Selectable<RoomTable>;
export type EntryRow = Selectable<EntryTable>;

export function queueDb(db: Kysely<object>): QueueDb {
  return db.$extendTables<QueueTables>();
}
