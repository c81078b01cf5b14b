import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Attachment } from './notifications.calendar.ts';
import type { NotificationsTables } from './notifications.tables.ts';

/** One delivery as a channel sees it. `id` is the delivery id: the idempotency key outside. */
export interface Outgoing {
  id: number;
  address: string;
  subject: string;
  text: string;
  html: string;
  sms: string;
  /** Email only (a calendar invitation); SMS carries text alone. */
  attachments: Attachment[];
}

export interface ChannelSender {
  /** For logs and the README: `smtp`, `http`, `mailbox`. */
  readonly name: string;
  /** Resolves once the far side accepted it; throws (and the delivery is retried) otherwise. */
  send(message: Outgoing): Promise<void>;
  close?(): void;
}

const FROM_DEFAULT = 'Sbor <no-reply@sbor.local>';

/** Email over SMTP (nodemailer). The Message-ID carries the delivery id, so a retry is recognisable. */
export class SmtpSender implements ChannelSender {
  readonly name = 'smtp';
  private readonly transport: Transporter;
  private readonly from: string;
  private readonly domain: string;

  constructor(url: string, from: string = FROM_DEFAULT, domain = 'sbor.local') {
    // One connection per message: a broken server fails one delivery, not a pooled queue.
    this.transport = nodemailer.createTransport(url);
    this.from = from;
    this.domain = domain;
  }

  async send(message: Outgoing): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: message.address,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: `<delivery-${message.id}@${this.domain}>`,
      headers: { 'X-Sbor-Delivery': String(message.id) },
      // A calendar invitation as its own part, which mail programs offer to add to (or remove from) the calendar.
      attachments: message.attachments.map((file) => ({
        filename: file.filename,
        content: file.content,
        contentType: file.contentType,
      })),
    });
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * SMS through a provider's HTTP API: POST `SMS_URL` with JSON `{ to, text, idempotency_key }`;
 * any 2xx is accepted. A provider with another shape gets its own small adapter like this one.
 */
export class HttpSmsSender implements ChannelSender {
  readonly name = 'http';
  private readonly url: string;
  private readonly timeoutMs: number;

  constructor(url: string, timeoutMs = 10_000) {
    this.url = url;
    this.timeoutMs = timeoutMs;
  }

  async send(message: Outgoing): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `sms-${message.id}` },
      body: JSON.stringify({ to: message.address, text: message.sms, idempotency_key: `sms-${message.id}` }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`SMS provider answered ${response.status}`);
  }
}

/**
 * The built-in mailbox: with no SMTP server or SMS provider configured, what would have been sent
 * is stored (and shown at /mailbox), so the whole flow is visible on the embedded default.
 */
export class MailboxSender implements ChannelSender {
  readonly name = 'mailbox';
  private readonly db: Kysely<NotificationsTables>;
  private readonly channel: 'email' | 'sms';

  constructor(db: Kysely<object>, channel: 'email' | 'sms') {
    this.db = db.$extendTables<NotificationsTables>();
    this.channel = channel;
  }

  async send(message: Outgoing): Promise<void> {
    await this.db
      .insertInto('notifications.mailbox')
      .values({
        delivery_id: message.id,
        channel: this.channel,
        recipient: message.address,
        subject: this.channel === 'email' ? message.subject : 'SMS',
        body_text: this.channel === 'email' ? message.text : message.sms,
        body_html: this.channel === 'email' ? message.html : null,
        attachments: JSON.stringify(this.channel === 'email' ? message.attachments : []),
      })
      .onConflict((conflict) => conflict.column('delivery_id').doNothing())
      .execute();
  }
}
