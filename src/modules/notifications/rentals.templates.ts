import type { Facts, Formatter, Templates } from './notifications.templates.ts';

/**
 * Templates of hall rentals (rules in rentals.rules.ts). Times are the hall's, with its zone
 * named; money from minor units as everywhere else.
 */

const hall = (f: Facts) => f.hallName ?? '';
const studioRu = (f: Facts) => (f.studioName ? `, студия «${f.studioName}»` : '');
const studioEn = (f: Facts) => (f.studioName ? `, studio “${f.studioName}”` : '');
const when = (f: Facts, x: Formatter) => x.span(f.startsAt, f.endsAt, f.timezone);
const refunded = (f: Facts) => (f.refundAmount?.minor ?? 0) > 0;

export const RENTAL_TEMPLATES: Record<string, Templates> = {
  'rental.confirmed': {
    ru: (f, x) => ({
      subject: `Аренда №${f.rentalId} подтверждена: зал «${hall(f)}»`,
      paragraphs: [
        `Зал «${hall(f)}»${studioRu(f)} ваш: ${when(f, x)}.`,
        f.paidOffline ? `Студия отметила оплату ${x.money(f.amount)}.` : `Оплачено: ${x.money(f.amount)}.`,
        'Приглашение для календаря — во вложении (invite.ics). Накануне мы напомним.',
      ],
      linkLabel: 'Открыть аренду',
      sms: `Аренда №${f.rentalId} зал «${hall(f)}» подтверждена: ${when(f, x)}.`,
    }),
    en: (f, x) => ({
      subject: `Rental #${f.rentalId} confirmed: hall “${hall(f)}”`,
      paragraphs: [
        `Hall “${hall(f)}”${studioEn(f)} is yours: ${when(f, x)}.`,
        f.paidOffline ? `The studio recorded your payment of ${x.money(f.amount)}.` : `Paid: ${x.money(f.amount)}.`,
        'A calendar invitation is attached (invite.ics). We will remind you the day before.',
      ],
      linkLabel: 'Open the rental',
      sms: `Rental #${f.rentalId}, hall "${hall(f)}" confirmed: ${when(f, x)}.`,
    }),
  },
  'rental.studio-confirmed': {
    ru: (f, x) => ({
      subject: `Новая аренда №${f.rentalId}: зал «${hall(f)}»`,
      paragraphs: [
        `Зал «${hall(f)}» арендован: ${when(f, x)}.`,
        f.paidOffline ? `Оплата отмечена студией: ${x.money(f.amount)}.` : `Оплачено онлайн: ${x.money(f.amount)}.`,
      ],
      linkLabel: 'Открыть аренду',
      sms: `Новая аренда №${f.rentalId} зал «${hall(f)}»: ${when(f, x)}.`,
    }),
    en: (f, x) => ({
      subject: `New rental #${f.rentalId}: hall “${hall(f)}”`,
      paragraphs: [
        `Hall “${hall(f)}” is rented: ${when(f, x)}.`,
        f.paidOffline ? `Payment recorded by the studio: ${x.money(f.amount)}.` : `Paid online: ${x.money(f.amount)}.`,
      ],
      linkLabel: 'Open the rental',
      sms: `New rental #${f.rentalId}, hall "${hall(f)}": ${when(f, x)}.`,
    }),
  },
  'rental.cancelled': {
    ru: (f, x) => ({
      subject: `Аренда №${f.rentalId} отменена`,
      paragraphs: [
        `Аренда зала «${hall(f)}»${studioRu(f)} (${when(f, x)}) отменена ${f.cancelledBy === 'studio' ? 'студией' : 'вами'}.`,
        refunded(f)
          ? `Мы вернём ${x.money(f.refundAmount)} тем же способом, которым вы платили.`
          : 'Возврата нет: аренда не была оплачена, или по правилам зала срок возврата прошёл.',
      ],
      linkLabel: 'Открыть аренду',
      sms: `Аренда №${f.rentalId} зал «${hall(f)}» отменена.${refunded(f) ? ` Возврат ${x.money(f.refundAmount)}.` : ''}`,
    }),
    en: (f, x) => ({
      subject: `Rental #${f.rentalId} cancelled`,
      paragraphs: [
        `The rental of hall “${hall(f)}”${studioEn(f)} (${when(f, x)}) was cancelled by ${f.cancelledBy === 'studio' ? 'the studio' : 'you'}.`,
        refunded(f)
          ? `We are refunding ${x.money(f.refundAmount)} to the way you paid.`
          : 'No refund: the rental was not paid, or the hall’s policy gives nothing back this late.',
      ],
      linkLabel: 'Open the rental',
      sms: `Rental #${f.rentalId}, hall "${hall(f)}" cancelled.${refunded(f) ? ` Refund ${x.money(f.refundAmount)}.` : ''}`,
    }),
  },
  'rental.studio-cancelled': {
    ru: (f, x) => ({
      subject: `Аренда №${f.rentalId} отменена арендатором`,
      paragraphs: [
        `Арендатор отменил аренду зала «${hall(f)}»: ${when(f, x)}. Время снова свободно.`,
        refunded(f) ? `По правилам зала ему возвращается ${x.money(f.refundAmount)}.` : 'Возврата по правилам зала нет.',
      ],
      linkLabel: 'Открыть аренду',
      sms: `Аренда №${f.rentalId} зал «${hall(f)}» отменена арендатором.`,
    }),
    en: (f, x) => ({
      subject: `Rental #${f.rentalId} cancelled by the renter`,
      paragraphs: [
        `The renter cancelled the rental of hall “${hall(f)}”: ${when(f, x)}. The time is free again.`,
        refunded(f) ? `By the hall’s policy they get back ${x.money(f.refundAmount)}.` : 'The hall’s policy gives no refund.',
      ],
      linkLabel: 'Open the rental',
      sms: `Rental #${f.rentalId}, hall "${hall(f)}" cancelled by the renter.`,
    }),
  },
  'rental.expired': {
    ru: (f, x) => ({
      subject: `Бронь зала «${hall(f)}» снята`,
      paragraphs: [`Время на оплату аренды №${f.rentalId} (${when(f, x)}) вышло, слот снова свободен.`],
      linkLabel: 'Открыть аренду',
      sms: `Аренда №${f.rentalId} не оплачена вовремя и снята.`,
    }),
    en: (f, x) => ({
      subject: `Hold on hall “${hall(f)}” ended`,
      paragraphs: [`The time to pay for rental #${f.rentalId} (${when(f, x)}) is up; the slot is free again.`],
      linkLabel: 'Open the rental',
      sms: `Rental #${f.rentalId} was not paid in time and was released.`,
    }),
  },
  'rental.offered': {
    ru: (f, x) => ({
      subject: `Освободился зал «${hall(f)}»`,
      paragraphs: [
        `Время, которое вы ждали, освободилось: зал «${hall(f)}»${studioRu(f)}, ${when(f, x)}.`,
        `Мы держим его для вас до ${x.instant(f.deadline, f.timezone)} (${f.timezone ?? 'UTC'}). Оплатите аренду №${f.rentalId} — ${x.money(f.amount)}, иначе время предложат следующему.`,
      ],
      linkLabel: 'Оплатить',
      sms: `Зал «${hall(f)}» свободен для вас до ${x.instant(f.deadline, f.timezone)}: оплатите аренду №${f.rentalId}.`,
    }),
    en: (f, x) => ({
      subject: `Hall “${hall(f)}” is free for you`,
      paragraphs: [
        `The time you were watching has freed: hall “${hall(f)}”${studioEn(f)}, ${when(f, x)}.`,
        `We are holding it for you until ${x.instant(f.deadline, f.timezone)} (${f.timezone ?? 'UTC'}). Pay for rental #${f.rentalId} — ${x.money(f.amount)} — or it goes to the next in line.`,
      ],
      linkLabel: 'Pay now',
      sms: `Hall "${hall(f)}" is held for you until ${x.instant(f.deadline, f.timezone)}: pay for rental #${f.rentalId}.`,
    }),
  },
  'rental.reminder': {
    ru: (f, x) => ({
      subject: `Скоро: аренда зала «${hall(f)}»`,
      paragraphs: [`Напоминаем: зал «${hall(f)}»${studioRu(f)} ваш — ${when(f, x)}.`],
      linkLabel: 'Открыть аренду',
      sms: `Напоминаем: зал «${hall(f)}», ${when(f, x)}.`,
    }),
    en: (f, x) => ({
      subject: `Coming up: your rental of hall “${hall(f)}”`,
      paragraphs: [`A reminder: hall “${hall(f)}”${studioEn(f)} is yours — ${when(f, x)}.`],
      linkLabel: 'Open the rental',
      sms: `Reminder: hall "${hall(f)}", ${when(f, x)}.`,
    }),
  },
};
