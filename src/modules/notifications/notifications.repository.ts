import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Attachment } from './notifications.calendar.ts';
import type { Channel, DeliveryTable, MessageTable, NotificationsTables, SourceEventTable } from './notifications.tables.ts';

export type NotificationsDb = Kysely<NotificationsTables>;
export type SourceEventRow = Selectable<SourceEventTable>;
export type DeliveryRow = Selectable<DeliveryTable>;

export function notificationsDb(db: Kysely<object>): NotificationsDb {
  return db.$extendTables<NotificationsTables>();
}

/** How long a claimed row belongs to its worker before another may take it over. */
const CLAIM_SECONDS = 300;

export async function insertSourceEvent(
  db: NotificationsDb,
  event: { id: number; type: string; payload: unknown; occurredAt: string },
): Promise<void> {
  await db
    .insertInto('notifications.source_events')
    .values({ event_id: event.id, type: event.type, payload: JSON.stringify(event.payload), occurred_at: event.occurredAt })
    .onConflict((conflict) => conflict.column('event_id').doNothing())
    .execute();
}

/** Claims due source events in id order (one statement: safe across processes). */
export async function claimSourceEvents(db: NotificationsDb, limit: number): Promise<SourceEventRow[]> {
  const rows = await db
    .updateTable('notifications.source_events')
    .set({ claimed_until: sql<Date>`now() + make_interval(secs => ${CLAIM_SECONDS})`, attempts: sql<number>`attempts + 1` })
    .where('event_id', 'in', (eb) =>
      eb
        .selectFrom('notifications.source_events')
        .select('event_id')
        .where('processed_at', 'is', null)
        .where('next_attempt_at', '<=', sql<Date>`now()`)
        .where((w) => w.or([w('claimed_until', 'is', null), w('claimed_until', '<', sql<Date>`now()`)]))
        .orderBy('event_id')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
  return rows.sort((a, b) => a.event_id - b.event_id);
}

export async function markSourceProcessed(db: NotificationsDb, eventId: number, error: string | null = null): Promise<void> {
  await db
    .updateTable('notifications.source_events')
    .set({ processed_at: sql<Date>`now()`, claimed_until: null, last_error: error })
    .where('event_id', '=', eventId)
    .execute();
}

export async function retrySourceLater(db: NotificationsDb, eventId: number, delayMs: number, error: string): Promise<void> {
  await db
    .updateTable('notifications.source_events')
    .set({
      claimed_until: null,
      last_error: error,
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${delayMs / 1000})`,
    })
    .where('event_id', '=', eventId)
    .execute();
}

export type NewMessage = Omit<Insertable<MessageTable>, 'id' | 'read_at' | 'created_at'>;

/** Inserts the message unless this (source event, user) already has one; undefined then. */
export async function insertMessage(db: NotificationsDb, message: NewMessage): Promise<number | undefined> {
  const row = await db
    .insertInto('notifications.messages')
    .values(message)
    .onConflict((conflict) => conflict.columns(['source_event_id', 'user_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

export async function insertDelivery(
  db: NotificationsDb,
  delivery: { message_id: number; source_event_id: number; user_id: number; channel: Channel; address: string },
): Promise<void> {
  const inApp = delivery.channel === 'in_app';
  await db
    .insertInto('notifications.deliveries')
    .values({
      ...delivery,
      // In-app is delivered by existing: the message row is the inbox.
      ...(inApp ? { status: 'sent', sent_at: sql<Date>`now()` } : {}),
    })
    .onConflict((conflict) => conflict.columns(['source_event_id', 'user_id', 'channel']).doNothing())
    .execute();
}

export interface ClaimedDelivery {
  id: number;
  channel: Channel;
  address: string;
  attempts: number;
  subject: string;
  text: string;
  html: string;
  sms: string;
  attachments: Attachment[];
}

/** Claims due email/SMS deliveries (a crashed worker's claim lapses and is taken over). */
export async function claimDeliveries(db: NotificationsDb, limit: number): Promise<ClaimedDelivery[]> {
  const claimed = await db
    .updateTable('notifications.deliveries')
    .set({
      status: 'sending',
      claimed_until: sql<Date>`now() + make_interval(secs => ${CLAIM_SECONDS})`,
      attempts: sql<number>`attempts + 1`,
    })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('notifications.deliveries')
        .select('id')
        .where((w) =>
          w.or([
            w.and([w('status', '=', 'pending'), w('next_attempt_at', '<=', sql<Date>`now()`)]),
            w.and([w('status', '=', 'sending'), w('claimed_until', '<', sql<Date>`now()`)]),
          ]),
        )
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'message_id', 'channel', 'address', 'attempts'])
    .execute();
  if (claimed.length === 0) return [];
  const messages = await db
    .selectFrom('notifications.messages')
    .select(['id', 'subject', 'body_text', 'body_html', 'sms_text', 'attachments'])
    .where(
      'id',
      'in',
      claimed.map((row) => row.message_id),
    )
    .execute();
  const byId = new Map(messages.map((message) => [message.id, message]));
  return claimed.flatMap((row) => {
    const message = byId.get(row.message_id);
    return message
      ? [
          {
            id: row.id,
            channel: row.channel,
            address: row.address,
            attempts: row.attempts,
            subject: message.subject,
            text: message.body_text,
            html: message.body_html,
            sms: message.sms_text,
            attachments: message.attachments,
          },
        ]
      : [];
  });
}

export async function markDeliverySent(db: NotificationsDb, id: number): Promise<void> {
  await db
    .updateTable('notifications.deliveries')
    .set({ status: 'sent', sent_at: sql<Date>`now()`, claimed_until: null, last_error: null })
    .where('id', '=', id)
    .execute();
}

export async function markDeliveryFailed(
  db: NotificationsDb,
  id: number,
  error: string,
  retryInMs: number | null,
): Promise<void> {
  await db
    .updateTable('notifications.deliveries')
    .set({
      status: retryInMs === null ? 'failed' : 'pending',
      claimed_until: null,
      last_error: error,
      ...(retryInMs === null ? {} : { next_attempt_at: sql<Date>`now() + make_interval(secs => ${retryInMs / 1000})` }),
    })
    .where('id', '=', id)
    .execute();
}

export async function listInApp(db: NotificationsDb, userId: number, page: number, pageSize: number) {
  return db
    .selectFrom('notifications.messages')
    .select(['id', 'kind', 'subject', 'body_text', 'link', 'read_at', 'created_at'])
    .where('user_id', '=', userId)
    .where('in_app', '=', true)
    .orderBy('id', 'desc')
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .execute();
}

export async function countInApp(db: NotificationsDb, userId: number): Promise<{ total: number; unread: number }> {
  const row = await db
    .selectFrom('notifications.messages')
    .select([sql<number>`count(*)::int`.as('total'), sql<number>`(count(*) filter (where read_at is null))::int`.as('unread')])
    .where('user_id', '=', userId)
    .where('in_app', '=', true)
    .executeTakeFirstOrThrow();
  return row;
}

export async function markRead(db: NotificationsDb, userId: number, id: number | undefined): Promise<number> {
  let query = db
    .updateTable('notifications.messages')
    .set({ read_at: sql<Date>`coalesce(read_at, now())` })
    .where('user_id', '=', userId)
    .where('in_app', '=', true);
  query = id === undefined ? query.where('read_at', 'is', null) : query.where('id', '=', id);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listMailbox(db: NotificationsDb, filter: { recipient?: string; limit: number }) {
  let query = db
    .selectFrom('notifications.mailbox')
    .select(['id', 'delivery_id', 'channel', 'recipient', 'subject', 'body_text', 'body_html', 'attachments', 'created_at'])
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.recipient) query = query.where('recipient', '=', filter.recipient);
  return query.execute();
}

export async function listDeliveries(
  db: NotificationsDb,
  filter: { userId?: number; sourceEventId?: number; status?: DeliveryRow['status']; limit: number },
) {
  let query = db.selectFrom('notifications.deliveries').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.sourceEventId !== undefined) query = query.where('source_event_id', '=', filter.sourceEventId);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.execute();
}
