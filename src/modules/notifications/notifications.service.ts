import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { BusEvent, EventType } from '../../platform/bus/index.ts';
import { describeError } from '../../platform/errors.ts';
import type { ChannelSender } from './notifications.channels.ts';
import { notificationNotFound } from './notifications.errors.ts';
import {
  claimDeliveries,
  claimSourceEvents,
  countInApp,
  insertDelivery,
  insertMessage,
  insertSourceEvent,
  listDeliveries,
  listInApp,
  listMailbox,
  markDeliveryFailed,
  markDeliverySent,
  markRead,
  markSourceProcessed,
  notificationsDb,
  retrySourceLater,
  type ClaimedDelivery,
  type NotificationsDb,
  type SourceEventRow,
} from './notifications.repository.ts';
import { ruleFor, type NotificationDirectory, type Recipient, type Rule } from './notifications.rules.ts';
import type { Channel, DeliveryStatus } from './notifications.tables.ts';
import { render } from './notifications.templates.ts';

export interface NotificationsOptions {
  publicUrl: string;
  /** First retry delay; each further one doubles, capped at an hour. */
  retryBaseMs: number;
  /** Attempts per delivery before it is marked failed. */
  maxAttempts: number;
}

export const DEFAULT_RETRY_BASE_MS = 30_000;
export const MAX_DELIVERY_ATTEMPTS = 10;
const MAX_RETRY_MS = 3_600_000;
const BATCH = 20;

export interface NotificationView {
  id: number;
  kind: string;
  subject: string;
  text: string;
  link: string | null;
  read: boolean;
  created_at: string;
}

/**
 * Bus events → messages → deliveries. Three steps, each its own short transaction or none:
 * 1. `record` (the bus handler, in its inbox transaction) stores the event;
 * 2. `dispatchDue` resolves recipients and renders (reads other modules outside any transaction),
 *    then writes one message per user and one delivery per channel — a unique key per
 *    (source event, user, channel) makes a second attempt or a redelivered event add nothing;
 * 3. `deliverDue` claims due deliveries, sends each outside any transaction, and records the
 *    outcome: sent, or retried with backoff, or failed after the last attempt. Channels are
 *    separate rows, so a failing SMTP server does not hold back SMS or in-app.
 */
export class NotificationsService {
  private readonly db: NotificationsDb;
  private readonly directory: NotificationDirectory;
  private readonly senders: Record<'email' | 'sms', ChannelSender>;
  private readonly options: NotificationsOptions;
  private readonly logger: Logger;

  constructor(
    db: Kysely<object>,
    directory: NotificationDirectory,
    senders: Record<'email' | 'sms', ChannelSender>,
    options: NotificationsOptions,
    logger: Logger,
  ) {
    this.db = notificationsDb(db);
    this.directory = directory;
    this.senders = senders;
    this.options = options;
    this.logger = logger;
  }

  /** The bus handler: only remembers the event (exactly once, in the inbox transaction). */
  async record(trx: Transaction<object>, event: BusEvent): Promise<void> {
    await insertSourceEvent(notificationsDb(trx), event);
  }

  /**
   * Dispatches and sends, a batch of each in turn, until neither finds work; returns how much it
   * found. In turn, because events may arrive as fast as they are dispatched (the bus catching up
   * after an outage): dispatching until none is left once kept thousands of messages unsent.
   */
  async runDue(): Promise<number> {
    let done = 0;
    for (;;) {
      const found = (await this.dispatchDue()) + (await this.deliverDue());
      if (found === 0) return done;
      done += found;
    }
  }

  async dispatchDue(limit = BATCH): Promise<number> {
    const rows = await claimSourceEvents(this.db, limit);
    // The batch's events at once: each is some ten round trips, independent of the others (a unique
    // key per source event, user and channel makes a repeat add nothing). One after the other they
    // were the bottleneck while the bus caught up after an outage (about 50 a second, loaded).
    await Promise.all(
      rows.map(async (row) => {
        try {
          await this.dispatch(row);
        } catch (error) {
          const last = row.attempts >= this.options.maxAttempts;
          this.logger.warn(
            { err: error, eventId: row.event_id, type: row.type, attempts: row.attempts },
            'notification dispatch failed',
          );
          if (last) await markSourceProcessed(this.db, row.event_id, describeError(error));
          else await retrySourceLater(this.db, row.event_id, this.retryDelayMs(row.attempts), describeError(error));
        }
      }),
    );
    return rows.length;
  }

  async deliverDue(limit = BATCH): Promise<number> {
    const deliveries = await claimDeliveries(this.db, limit);
    // Each delivery on its own: one failing (a dead SMTP server) does not stop the others.
    await Promise.all(deliveries.map((delivery) => this.deliver(delivery)));
    return deliveries.length;
  }

  async list(userId: number, page: number, pageSize: number) {
    const [rows, counts] = await Promise.all([listInApp(this.db, userId, page, pageSize), countInApp(this.db, userId)]);
    const items: NotificationView[] = rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      subject: row.subject,
      text: row.body_text,
      link: row.link,
      read: row.read_at !== null,
      created_at: row.created_at.toISOString(),
    }));
    return { items, page, page_size: pageSize, total: counts.total, unread: counts.unread };
  }

  async unreadCount(userId: number): Promise<number> {
    return (await countInApp(this.db, userId)).unread;
  }

  async markRead(userId: number, id: number): Promise<void> {
    if ((await markRead(this.db, userId, id)) === 0) throw notificationNotFound();
  }

  async markAllRead(userId: number): Promise<number> {
    return markRead(this.db, userId, undefined);
  }

  async mailbox(filter: { recipient?: string; limit: number }) {
    const rows = await listMailbox(this.db, filter);
    return rows.map((row) => ({
      id: row.id,
      delivery_id: row.delivery_id,
      channel: row.channel,
      recipient: row.recipient,
      subject: row.subject,
      text: row.body_text,
      html: row.body_html,
      attachments: row.attachments.map((file) => ({
        filename: file.filename,
        content_type: file.contentType,
        content: file.content,
      })),
      created_at: row.created_at.toISOString(),
    }));
  }

  async deliveries(filter: { userId?: number; sourceEventId?: number; status?: DeliveryStatus; limit: number }) {
    const rows = await listDeliveries(this.db, filter);
    return rows.map((row) => ({
      id: row.id,
      message_id: row.message_id,
      source_event_id: row.source_event_id,
      user_id: row.user_id,
      channel: row.channel,
      address: row.address,
      status: row.status,
      attempts: row.attempts,
      last_error: row.last_error,
      next_attempt_at: row.next_attempt_at.toISOString(),
      sent_at: row.sent_at?.toISOString() ?? null,
    }));
  }

  private retryDelayMs(attempts: number): number {
    return Math.min(this.options.retryBaseMs * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
  }

  private async dispatch(row: SourceEventRow): Promise<void> {
    const rule = ruleFor(row.type);
    const event = {
      id: row.event_id,
      type: row.type as EventType,
      aggregateId: '',
      payload: row.payload,
      occurredAt: row.occurred_at.toISOString(),
    } as BusEvent;
    const userIds = rule ? [...new Set(await rule.recipients(event, this.directory))] : [];
    // The second audience (a studio's team); someone also in the first gets that message only.
    const teamIds = rule?.team
      ? [...new Set(await rule.team.recipients(event, this.directory))].filter((id) => !userIds.includes(id))
      : [];
    if (!rule || userIds.length + teamIds.length === 0) {
      await markSourceProcessed(this.db, row.event_id);
      return;
    }
    const [facts, recipients] = await Promise.all([
      rule.facts(event, this.directory),
      this.directory.recipients([...userIds, ...teamIds]),
    ]);
    // The team is told, not invited: no calendar entry of someone else's rental in their calendars.
    const { calendar: _invitation, ...teamFacts } = facts;
    await this.db.transaction().execute(async (trx) => {
      for (const recipient of recipients) {
        const team = rule.team && teamIds.includes(recipient.id) ? rule.team : undefined;
        const kind = team ? team.template : (rule.template ?? row.type);
        const rendered = render(kind, recipient.locale, team ? teamFacts : facts, this.options.publicUrl);
        const channels = this.channelsFor(team ? { transactional: true, channels: team.channels } : rule, recipient);
        const messageId = await insertMessage(trx, {
          source_event_id: row.event_id,
          user_id: recipient.id,
          kind,
          locale: recipient.locale,
          subject: rendered.subject,
          body_text: rendered.text,
          body_html: rendered.html,
          sms_text: rendered.sms,
          link: rendered.link,
          in_app: channels.some((channel) => channel.channel === 'in_app'),
          attachments: JSON.stringify(rendered.attachments),
        });
        if (messageId === undefined) continue; // already dispatched (a retried pass)
        for (const { channel, address } of channels) {
          await insertDelivery(trx, {
            message_id: messageId,
            source_event_id: row.event_id,
            user_id: recipient.id,
            channel,
            address,
          });
        }
      }
      await markSourceProcessed(trx, row.event_id);
    });
  }

  /** The rule's channels this recipient can and may receive. */
  private channelsFor(
    rule: Pick<Rule, 'transactional' | 'channels'>,
    recipient: Recipient,
  ): { channel: Channel; address: string }[] {
    return rule.channels.flatMap((channel): { channel: Channel; address: string }[] => {
      if (!rule.transactional && !recipient.preferences[channel]) return [];
      if (channel === 'email') return [{ channel, address: recipient.email }];
      if (channel === 'sms') return recipient.phone ? [{ channel, address: recipient.phone }] : [];
      return [{ channel, address: `user:${recipient.id}` }];
    });
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    if (delivery.channel === 'in_app') return;
    const sender = this.senders[delivery.channel];
    try {
      await sender.send(delivery);
      await markDeliverySent(this.db, delivery.id);
    } catch (error) {
      const last = delivery.attempts >= this.options.maxAttempts;
      this.logger.warn(
        { err: error, deliveryId: delivery.id, channel: delivery.channel, attempts: delivery.attempts, sender: sender.name },
        last ? 'notification delivery failed for good' : 'notification delivery failed; will retry',
      );
      await markDeliveryFailed(
        this.db,
        delivery.id,
        describeError(error).slice(0, 2000),
        last ? null : this.retryDelayMs(delivery.attempts),
      );
    }
  }
}
