import type { BusEvent, EventType } from '../../platform/bus/index.ts';
import type { Channel } from './notifications.tables.ts';
import type { Facts, Locale } from './notifications.templates.ts';
import { RENTAL_RULES } from './rentals.rules.ts';

/** A person a message can reach, as the identity module knows them. */
export interface Recipient {
  id: number;
  email: string;
  phone: string | null;
  locale: Locale;
  /** Per channel: may optional messages use it? Transactional messages ignore this. */
  preferences: { email: boolean; sms: boolean; in_app: boolean };
}

export interface EventFacts {
  title: string;
  startsAt: string;
  timezone: string;
  venue: string;
}

/**
 * What the notifications module needs to know from the others, bound in main.ts to their public
 * methods. Called outside any transaction (the dispatcher runs after the bus handler committed).
 */
export interface NotificationDirectory {
  recipients(userIds: number[]): Promise<Recipient[]>;
  event(eventId: number): Promise<EventFacts | undefined>;
  booking(bookingId: number): Promise<
    | {
        seats: { row: number; number: number }[];
        ticketTypeName: string | null;
        expiresAt: string | null;
        totalAmount: number;
        currency: string;
        quantity: number;
      }
    | undefined
  >;
  /** Users with a booking of the event (open or confirmed, or cancelled because the event was). */
  holdersOfEvent(eventId: number, options: { confirmedOnly: boolean }): Promise<number[]>;
  waitlistUsersOfEvent(eventId: number): Promise<number[]>;
  /** (rentals) A hall's name and IANA zone. */
  hall(hallId: number): Promise<{ name: string; timezone: string } | undefined>;
  /** (catalog) A studio (organizer): its name and the user ids of its owners. */
  studio(organizerId: number): Promise<{ name: string; ownerIds: number[] } | undefined>;
}

/**
 * How one bus event type becomes messages: who gets it, on which channels, what the template
 * needs. Adding a message type is one entry here plus its templates (notifications.templates.ts).
 */
export interface Rule<T extends EventType = EventType> {
  /** Tickets, refunds, cancellations: sent whatever the user's preferences say. */
  transactional: boolean;
  /** Channels the message uses (email and in-app need nothing more; SMS needs a phone). */
  channels: readonly Channel[];
  /** The template kind (defaults to the event type). */
  template?: string;
  recipients(event: BusEvent<T>, directory: NotificationDirectory): Promise<number[]>;
  facts(event: BusEvent<T>, directory: NotificationDirectory): Promise<Facts>;
  /**
   * A second audience with its own template (a studio's owners told of a rental): always
   * transactional, the same facts. Someone in both audiences gets the first message only.
   */
  team?: {
    template: string;
    channels: readonly Channel[];
    recipients(event: BusEvent<T>, directory: NotificationDirectory): Promise<number[]>;
  };
}

export type Rules = { [T in EventType]?: Rule<T> };

const eventFacts = async (directory: NotificationDirectory, eventId: number): Promise<Facts> => {
  const event = await directory.event(eventId);
  return event
    ? {
        eventTitle: event.title,
        startsAt: event.startsAt,
        timezone: event.timezone,
        venue: event.venue,
        path: `/events/${eventId}`,
      }
    : { eventTitle: `#${eventId}`, path: `/events/${eventId}` };
};

async function bookingFacts(
  directory: NotificationDirectory,
  payload: { bookingId: number; eventId: number; totalAmount: number; currency: string; quantity: number },
): Promise<Facts> {
  const [event, booking] = await Promise.all([eventFacts(directory, payload.eventId), directory.booking(payload.bookingId)]);
  return {
    ...event,
    bookingId: payload.bookingId,
    amount: { minor: payload.totalAmount, currency: payload.currency },
    seats: booking?.seats ?? [],
    quantity: payload.quantity,
    ticketTypeName: booking?.ticketTypeName ?? null,
    ...(booking?.expiresAt ? { deadline: booking.expiresAt } : {}),
    path: `/bookings/${payload.bookingId}`,
  };
}

/** A payment's outcome: the event, the booking, the amount and why. */
async function paymentFacts(
  directory: NotificationDirectory,
  payment: { eventId: number | null; bookingId: number; amount: number; currency: string; reason: string },
): Promise<Facts> {
  return {
    ...(payment.eventId === null ? {} : await eventFacts(directory, payment.eventId)),
    bookingId: payment.bookingId,
    amount: { minor: payment.amount, currency: payment.currency },
    reason: payment.reason,
  };
}

/**
 * Payments of bookings are told here; other kinds of order (rentals) tell their own. Events
 * recorded before payments had kinds carry none: bookings.
 */
const bookingPayer = (payment: { orderKind?: string; userId: number }): number[] =>
  (payment.orderKind ?? 'booking') === 'booking' ? [payment.userId] : [];

/** Payments cancels a booking whose payment failed with this reason; payment.failed tells them. */
export const PAYMENT_FAILED_REASON_PREFIX = 'payment';

/** Sales cancels every booking of a cancelled event with this reason; event.cancelled tells them. */
export const EVENT_CANCELLED_REASON_PREFIX = 'event cancelled';

export const ALL: readonly Channel[] = ['email', 'sms', 'in_app'];
export const NO_SMS: readonly Channel[] = ['email', 'in_app'];

export const RULES: Rules = {
  'booking.created': {
    // The buyer is on the site when they make a hold: in-app only, no email for every cart.
    transactional: false,
    channels: ['in_app'],
    // A waitlist offer is a booking too, but waitlist.offered tells of it: one message, not two.
    recipients: async (event) => (event.payload.fromWaitlist ? [] : [event.payload.userId]),
    facts: (event, directory) => bookingFacts(directory, event.payload),
  },
  // A confirmed booking is told once, when its tickets exist: the message carries their codes.
  'ticket.purchased': {
    transactional: true,
    channels: ALL,
    template: 'booking.confirmed',
    recipients: async (event) => [event.payload.userId],
    facts: async (event, directory) => {
      const booking = await directory.booking(event.payload.bookingId);
      return {
        ...(await bookingFacts(directory, {
          bookingId: event.payload.bookingId,
          eventId: event.payload.eventId,
          totalAmount: booking?.totalAmount ?? 0,
          currency: booking?.currency ?? 'KZT',
          quantity: booking?.quantity ?? event.payload.tickets.length,
        })),
        tickets: event.payload.tickets.map((ticket) => ticket.code),
        path: '/tickets',
      };
    },
  },
  'booking.expired': {
    transactional: false,
    channels: NO_SMS,
    recipients: async (event) => [event.payload.userId],
    facts: async (event, directory) => ({
      ...(await bookingFacts(directory, event.payload)),
      path: `/events/${event.payload.eventId}`,
    }),
  },
  'booking.cancelled': {
    transactional: true,
    channels: ALL,
    // A cancelled event's bookings are told once, by the event.cancelled message; a failed
    // payment's, by payment.failed.
    recipients: async (event) =>
      event.payload.reason.startsWith(EVENT_CANCELLED_REASON_PREFIX) ||
      event.payload.reason.startsWith(PAYMENT_FAILED_REASON_PREFIX)
        ? []
        : [event.payload.userId],
    facts: async (event, directory) => ({
      ...(await bookingFacts(directory, event.payload)),
      reason: event.payload.reason,
      refund: event.payload.refund,
    }),
  },
  'payment.failed': {
    transactional: true,
    channels: NO_SMS,
    recipients: async (event) => bookingPayer(event.payload),
    // Still held: the message says until when and leads back to the booking to try again.
    facts: async (event, directory) => ({
      ...(await paymentFacts(directory, event.payload)),
      ...(event.payload.heldUntil ? { deadline: event.payload.heldUntil, path: `/bookings/${event.payload.bookingId}` } : {}),
    }),
  },
  'payment.late-refunded': {
    transactional: true,
    channels: ALL,
    recipients: async (event) => bookingPayer(event.payload),
    facts: (event, directory) => paymentFacts(directory, event.payload),
  },
  'waitlist.offered': {
    transactional: true,
    channels: ALL,
    recipients: async (event) => [event.payload.userId],
    facts: async (event, directory) => ({
      ...(await eventFacts(directory, event.payload.eventId)),
      bookingId: event.payload.bookingId,
      quantity: event.payload.quantity,
      deadline: event.payload.offerExpiresAt,
      path: `/bookings/${event.payload.bookingId}`,
    }),
  },
  'event.cancelled': {
    transactional: true,
    channels: ALL,
    recipients: async (event, directory) => [
      ...(await directory.holdersOfEvent(event.payload.eventId, { confirmedOnly: false })),
      ...(await directory.waitlistUsersOfEvent(event.payload.eventId)),
    ],
    facts: async (event, directory) => ({
      ...(await eventFacts(directory, event.payload.eventId)),
      eventTitle: event.payload.title,
      startsAt: event.payload.startsAt,
      reason: event.payload.reason,
    }),
  },
  'event.reminder': {
    transactional: false,
    channels: ALL,
    recipients: (event, directory) => directory.holdersOfEvent(event.payload.eventId, { confirmedOnly: true }),
    facts: async (event, directory) => ({ ...(await eventFacts(directory, event.payload.eventId)), path: '/bookings' }),
  },
  'webhook.disabled': {
    transactional: true,
    channels: NO_SMS,
    recipients: async (event) => [event.payload.userId],
    facts: async (event) => ({
      extra: { url: event.payload.url, why: event.payload.reason },
      path: `/api/organizers/${event.payload.organizerSlug}/webhooks`,
    }),
  },
  ...RENTAL_RULES,
};

/** The event types this module consumes. */
export const NOTIFIED_TYPES = Object.keys(RULES) as EventType[];

export function ruleFor(type: string): Rule | undefined {
  return (RULES as Record<string, Rule | undefined>)[type];
}
