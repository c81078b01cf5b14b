/**
 * Message templates, one per message kind, in Russian and English. A template returns a subject,
 * paragraphs, an optional link and a short SMS text; `render` turns that into the plain-text and
 * HTML bodies, so the two versions of an email never drift apart.
 */

import { calendarAttachment, type Attachment, type CalendarEntry } from './notifications.calendar.ts';
import { RENTAL_TEMPLATES } from './rentals.templates.ts';

export type Locale = 'ru' | 'en';

/** What a template may say: the facts gathered once per bus event, in raw form. */
export interface Facts {
  eventTitle?: string;
  /** ISO instant and the event's IANA time zone, formatted per recipient locale. */
  startsAt?: string;
  timezone?: string;
  venue?: string;
  bookingId?: number;
  amount?: { minor: number; currency: string };
  seats?: { row: number; number: number }[];
  quantity?: number;
  ticketTypeName?: string | null;
  /** Ticket codes (what a scanner reads; the QR images are on the tickets page). */
  tickets?: string[];
  reason?: string;
  refund?: boolean;
  /** ISO instant: a waitlist offer's deadline. */
  deadline?: string;
  /** Free-form values for kinds that need more (webhook URL, payment error …). */
  extra?: Record<string, string>;
  /** The page the message points to, relative to PUBLIC_URL. */
  path?: string;
  /** Hall rentals: the rental, its hall and studio, its end, the refund and who cancelled. */
  rentalId?: number;
  hallName?: string;
  studioName?: string;
  endsAt?: string;
  refundAmount?: { minor: number; currency: string };
  cancelledBy?: 'renter' | 'studio';
  paidOffline?: boolean;
  /** An invitation to attach to the email (`uid` without its host: render adds PUBLIC_URL's). */
  calendar?: Omit<CalendarEntry, 'organizer'>;
}

export interface Template {
  subject: string;
  paragraphs: string[];
  linkLabel?: string;
  sms: string;
}

export interface Rendered {
  subject: string;
  text: string;
  html: string;
  sms: string;
  link: string | null;
  /** Files for the email (a calendar invitation); none for most kinds. */
  attachments: Attachment[];
}

/** Formatting for one locale: money from minor units, instants in the event's zone, seats. */
export class Formatter {
  readonly locale: Locale;
  private readonly tag: string;

  constructor(locale: Locale) {
    this.locale = locale;
    this.tag = locale === 'ru' ? 'ru-RU' : 'en-GB';
  }

  money(amount: { minor: number; currency: string } | undefined): string {
    if (!amount) return '';
    const format = new Intl.NumberFormat(this.tag, {
      style: 'currency',
      currency: amount.currency,
      currencyDisplay: 'narrowSymbol',
    });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(amount.minor / 10 ** digits);
  }

  instant(iso: string | undefined, timeZone?: string): string {
    if (!iso) return '';
    const options: Intl.DateTimeFormatOptions = { dateStyle: 'long', timeStyle: 'short' };
    try {
      return new Intl.DateTimeFormat(this.tag, { ...options, ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));
    } catch {
      return new Intl.DateTimeFormat(this.tag, { ...options, timeZone: 'UTC' }).format(new Date(iso)) + ' UTC';
    }
  }

  /** A span in a zone, the zone named: `24 December 2026, 19:00–21:30 (Asia/Almaty)`. */
  span(startsAt: string | undefined, endsAt: string | undefined, timeZone: string | undefined): string {
    if (!startsAt || !endsAt) return '';
    const zone = timeZone ?? 'UTC';
    const time = (iso: string, options: Intl.DateTimeFormatOptions) => {
      try {
        return new Intl.DateTimeFormat(this.tag, { ...options, timeZone: zone }).format(new Date(iso));
      } catch {
        return new Intl.DateTimeFormat(this.tag, { ...options, timeZone: 'UTC' }).format(new Date(iso));
      }
    };
    const day = (iso: string) => time(iso, { dateStyle: 'long' });
    const clock = (iso: string) => time(iso, { timeStyle: 'short' });
    const end = day(startsAt) === day(endsAt) ? clock(endsAt) : `${day(endsAt)}, ${clock(endsAt)}`;
    return `${day(startsAt)}, ${clock(startsAt)}–${end} (${zone})`;
  }

  seats(facts: Facts): string {
    if (facts.seats && facts.seats.length > 0) {
      const word = this.locale === 'ru' ? ['ряд', 'место'] : ['row', 'seat'];
      return facts.seats.map((seat) => `${word[0]} ${seat.row}, ${word[1]} ${seat.number}`).join('; ');
    }
    if (facts.quantity) {
      const name = facts.ticketTypeName ? `${facts.ticketTypeName} × ` : '';
      return this.locale === 'ru' ? `${name}${facts.quantity} шт.` : `${name}${facts.quantity}`;
    }
    return '';
  }
}

export type Templates = Record<Locale, (facts: Facts, format: Formatter) => Template>;

const title = (facts: Facts) => facts.eventTitle ?? '';
const when = (facts: Facts, format: Formatter) => format.instant(facts.startsAt, facts.timezone);
const place = (facts: Facts) => (facts.venue ? `, ${facts.venue}` : '');

export const TEMPLATES: Record<string, Templates> = {
  'booking.created': {
    ru: (f, x) => ({
      subject: `Бронь №${f.bookingId} на «${title(f)}»`,
      paragraphs: [
        `Мы держим для вас: ${x.seats(f)}.`,
        `Событие: «${title(f)}», ${when(f, x)}${place(f)}.`,
        f.deadline
          ? `Оплатите до ${x.instant(f.deadline, f.timezone)}, иначе бронь снимется.`
          : 'Оплатите бронь, пока она действует.',
      ],
      linkLabel: 'Открыть бронь',
      sms: `Бронь №${f.bookingId} «${title(f)}» создана. Оплатите вовремя.`,
    }),
    en: (f, x) => ({
      subject: `Booking #${f.bookingId} for “${title(f)}”`,
      paragraphs: [
        `We are holding for you: ${x.seats(f)}.`,
        `Event: “${title(f)}”, ${when(f, x)}${place(f)}.`,
        f.deadline
          ? `Please pay by ${x.instant(f.deadline, f.timezone)} or the hold is released.`
          : 'Please pay while the hold lasts.',
      ],
      linkLabel: 'Open the booking',
      sms: `Booking #${f.bookingId} for "${title(f)}" created. Pay in time.`,
    }),
  },
  'booking.confirmed': {
    ru: (f, x) => ({
      subject: `Ваши билеты на «${title(f)}»`,
      paragraphs: [
        `Бронь №${f.bookingId} подтверждена: ${x.seats(f)}.`,
        `Сумма: ${x.money(f.amount)}.`,
        `Ждём вас: «${title(f)}», ${when(f, x)}${place(f)}.`,
        ...(f.tickets?.length ? [`Коды билетов (QR-коды — на странице билетов): ${f.tickets.join(', ')}`] : []),
      ],
      linkLabel: 'Билеты',
      sms: `Бронь №${f.bookingId} «${title(f)}» подтверждена: ${x.seats(f)}.`,
    }),
    en: (f, x) => ({
      subject: `Your tickets for “${title(f)}”`,
      paragraphs: [
        `Booking #${f.bookingId} is confirmed: ${x.seats(f)}.`,
        `Total: ${x.money(f.amount)}.`,
        `See you at “${title(f)}”, ${when(f, x)}${place(f)}.`,
        ...(f.tickets?.length ? [`Ticket codes (QR codes are on your tickets page): ${f.tickets.join(', ')}`] : []),
      ],
      linkLabel: 'Your tickets',
      sms: `Booking #${f.bookingId} for "${title(f)}" confirmed: ${x.seats(f)}.`,
    }),
  },
  'booking.expired': {
    ru: (f, x) => ({
      subject: `Бронь №${f.bookingId} истекла`,
      paragraphs: [`Время на оплату брони на «${title(f)}» вышло, места (${x.seats(f)}) снова в продаже.`],
      linkLabel: 'К событию',
      sms: `Бронь №${f.bookingId} «${title(f)}» истекла.`,
    }),
    en: (f, x) => ({
      subject: `Booking #${f.bookingId} has expired`,
      paragraphs: [`The time to pay for your booking for “${title(f)}” is up; the seats (${x.seats(f)}) are on sale again.`],
      linkLabel: 'Back to the event',
      sms: `Booking #${f.bookingId} for "${title(f)}" expired.`,
    }),
  },
  'booking.cancelled': {
    ru: (f, x) => ({
      subject: `Бронь №${f.bookingId} отменена`,
      paragraphs: [
        `Бронь на «${title(f)}» отменена${f.reason ? ` (${f.reason})` : ''}.`,
        ...(f.refund ? [`Мы вернём ${x.money(f.amount)} тем же способом, которым вы платили.`] : []),
      ],
      linkLabel: 'Открыть бронь',
      sms: `Бронь №${f.bookingId} «${title(f)}» отменена.${f.refund ? ` Возврат ${x.money(f.amount)}.` : ''}`,
    }),
    en: (f, x) => ({
      subject: `Booking #${f.bookingId} cancelled`,
      paragraphs: [
        `Your booking for “${title(f)}” was cancelled${f.reason ? ` (${f.reason})` : ''}.`,
        ...(f.refund ? [`We are refunding ${x.money(f.amount)} to the way you paid.`] : []),
      ],
      linkLabel: 'Open the booking',
      sms: `Booking #${f.bookingId} for "${title(f)}" cancelled.${f.refund ? ` Refund ${x.money(f.amount)}.` : ''}`,
    }),
  },
  'payment.failed': {
    ru: (f, x) => ({
      subject: `Оплата брони №${f.bookingId} не прошла`,
      paragraphs: [
        `Платёж ${x.money(f.amount)} за «${title(f)}» не прошёл${f.reason ? ` (${f.reason})` : ''}.`,
        f.deadline
          ? `Места остаются за вами до ${x.instant(f.deadline, f.timezone)} — попробуйте оплатить ещё раз, например другой картой.`
          : 'Бронь отменена, места снова в продаже — вы можете выбрать их заново.',
      ],
      linkLabel: f.deadline ? 'Оплатить снова' : 'К событию',
      sms: f.deadline
        ? `Оплата брони №${f.bookingId} не прошла; места за вами до ${x.instant(f.deadline, f.timezone)}.`
        : `Оплата брони №${f.bookingId} не прошла, бронь отменена.`,
    }),
    en: (f, x) => ({
      subject: `Payment for booking #${f.bookingId} did not go through`,
      paragraphs: [
        `The payment of ${x.money(f.amount)} for “${title(f)}” failed${f.reason ? ` (${f.reason})` : ''}.`,
        f.deadline
          ? `Your seats stay held until ${x.instant(f.deadline, f.timezone)} — try paying again, with another card if need be.`
          : 'The booking was cancelled and its seats are on sale again — you can choose them anew.',
      ],
      linkLabel: f.deadline ? 'Pay again' : 'Back to the event',
      sms: f.deadline
        ? `Payment for booking #${f.bookingId} failed; your seats are held until ${x.instant(f.deadline, f.timezone)}.`
        : `Payment for booking #${f.bookingId} failed; the booking was cancelled.`,
    }),
  },
  'payment.late-refunded': {
    ru: (f, x) => ({
      subject: `Возврат за бронь №${f.bookingId}`,
      paragraphs: [
        `Оплата ${x.money(f.amount)} за «${title(f)}» пришла после окончания брони, и места уже заняты.`,
        'Деньги возвращены тем же способом, которым вы платили.',
      ],
      linkLabel: 'К событию',
      sms: `Бронь №${f.bookingId} истекла до оплаты, ${x.money(f.amount)} возвращены.`,
    }),
    en: (f, x) => ({
      subject: `Refund for booking #${f.bookingId}`,
      paragraphs: [
        `Your payment of ${x.money(f.amount)} for “${title(f)}” arrived after the booking had ended, and the seats were taken.`,
        'The money has been refunded to the way you paid.',
      ],
      linkLabel: 'Back to the event',
      sms: `Booking #${f.bookingId} ended before payment; ${x.money(f.amount)} refunded.`,
    }),
  },
  'waitlist.offered': {
    ru: (f, x) => ({
      subject: `Появились билеты на «${title(f)}»`,
      paragraphs: [
        `Вы были в листе ожидания — для вас отложено: ${x.seats(f)}.`,
        `Предложение действует до ${x.instant(f.deadline, f.timezone)}. Успейте оплатить бронь №${f.bookingId}.`,
      ],
      linkLabel: 'Оплатить',
      sms: `Билеты на «${title(f)}» отложены для вас до ${x.instant(f.deadline, f.timezone)}.`,
    }),
    en: (f, x) => ({
      subject: `Tickets for “${title(f)}” are available`,
      paragraphs: [
        `You were on the waiting list — we are holding for you: ${x.seats(f)}.`,
        `The offer lasts until ${x.instant(f.deadline, f.timezone)}. Pay for booking #${f.bookingId} before then.`,
      ],
      linkLabel: 'Pay now',
      sms: `Tickets for "${title(f)}" are held for you until ${x.instant(f.deadline, f.timezone)}.`,
    }),
  },
  'event.cancelled': {
    ru: (f, x) => ({
      subject: `Событие «${title(f)}» отменено`,
      paragraphs: [
        `Организатор отменил «${title(f)}» (${when(f, x)})${f.reason ? `: ${f.reason}` : ''}.`,
        'Все брони на него отменены; за оплаченные билеты мы вернём деньги тем же способом, которым вы платили.',
      ],
      linkLabel: 'Подробнее',
      sms: `«${title(f)}» отменено. Деньги за билеты вернутся.`,
    }),
    en: (f, x) => ({
      subject: `“${title(f)}” is cancelled`,
      paragraphs: [
        `The organizer cancelled “${title(f)}” (${when(f, x)})${f.reason ? `: ${f.reason}` : ''}.`,
        'All bookings for it are cancelled; paid tickets are refunded to the way you paid.',
      ],
      linkLabel: 'Details',
      sms: `"${title(f)}" is cancelled. Paid tickets are refunded.`,
    }),
  },
  'event.reminder': {
    ru: (f, x) => ({
      subject: `Завтра: «${title(f)}»`,
      paragraphs: [`Напоминаем: «${title(f)}» — ${when(f, x)}${place(f)}.`, 'Возьмите билет (QR-код) с собой.'],
      linkLabel: 'Мои билеты',
      sms: `Завтра «${title(f)}», ${when(f, x)}.`,
    }),
    en: (f, x) => ({
      subject: `Tomorrow: “${title(f)}”`,
      paragraphs: [`A reminder: “${title(f)}” — ${when(f, x)}${place(f)}.`, 'Bring your ticket (QR code) with you.'],
      linkLabel: 'My tickets',
      sms: `Tomorrow: "${title(f)}", ${when(f, x)}.`,
    }),
  },
  ...RENTAL_TEMPLATES,
  'webhook.disabled': {
    ru: (f) => ({
      subject: 'Вебхук отключён',
      paragraphs: [
        `Мы отключили адрес ${f.extra?.url ?? ''}: ${f.extra?.why ?? ''}.`,
        'Исправьте приёмник и зарегистрируйте адрес заново.',
      ],
      linkLabel: 'Вебхуки',
      sms: `Вебхук ${f.extra?.url ?? ''} отключён.`,
    }),
    en: (f) => ({
      subject: 'Webhook endpoint disabled',
      paragraphs: [
        `We disabled ${f.extra?.url ?? ''}: ${f.extra?.why ?? ''}.`,
        'Fix the receiver and register the endpoint again.',
      ],
      linkLabel: 'Webhooks',
      sms: `Webhook ${f.extra?.url ?? ''} disabled.`,
    }),
  },
};

const FOOTER: Record<Locale, string> = {
  ru: 'Сбор — билеты на события. Настройки уведомлений: ',
  en: 'Sbor — event tickets. Notification settings: ',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders one kind for one locale: plain text and HTML from the same paragraphs. */
export function render(kind: string, locale: Locale, facts: Facts, publicUrl: string): Rendered {
  const templates = TEMPLATES[kind];
  if (!templates) throw new Error(`No template for ${kind}`);
  const template = templates[locale](facts, new Formatter(locale));
  const link = facts.path ? `${publicUrl}${facts.path}` : null;
  // The web app's profile page, where the channels are chosen.
  const settings = `${publicUrl}/profile`;
  const text = [
    ...template.paragraphs,
    ...(link ? [`${template.linkLabel ?? link}: ${link}`] : []),
    '—',
    FOOTER[locale] + settings,
  ].join('\n\n');
  const html = [
    `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(template.subject)}</title></head>`,
    '<body style="font-family: sans-serif; max-width: 36em; margin: 2em auto; line-height: 1.5">',
    `<h1 style="font-size: 1.3em">${escapeHtml(template.subject)}</h1>`,
    ...template.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link)}">${escapeHtml(template.linkLabel ?? link)}</a></p>`] : []),
    `<hr><p style="color: #777; font-size: 0.85em">${escapeHtml(FOOTER[locale])}<a href="${escapeHtml(settings)}">${escapeHtml(settings)}</a></p>`,
    '</body></html>',
  ].join('\n');
  const host = new URL(publicUrl).hostname;
  const attachments = facts.calendar
    ? [
        calendarAttachment({
          ...facts.calendar,
          uid: `${facts.calendar.uid}@${host}`,
          ...(facts.studioName ? { organizer: { name: facts.studioName, email: `no-reply@${host}` } } : {}),
        }),
      ]
    : [];
  return { subject: template.subject, text, html, sms: template.sms, link, attachments };
}
