import type { BusEvent, EventMap } from '../../platform/bus/index.ts';
import type { NotificationDirectory, Rules } from './notifications.rules.ts';
import type { Channel } from './notifications.tables.ts';
import type { Facts } from './notifications.templates.ts';

/**
 * Messages of hall rentals: to the renter (confirmation with a calendar invitation, cancellation
 * with the refund, an unpaid hold's end, the reminder the day before, a watch's offer) and to the
 * studio's owners (a new confirmed rental, a renter's cancellation). The hall's name and zone come
 * from rentals and the studio's from the catalog, through the directory bound in main.ts; the
 * rest travels in the event's payload.
 */

const ALL: readonly Channel[] = ['email', 'sms', 'in_app'];
const NO_SMS: readonly Channel[] = ['email', 'in_app'];

type RentalPayload = EventMap['rental.created'];

async function rentalFacts(directory: NotificationDirectory, payload: RentalPayload): Promise<Facts> {
  const [hall, studio] = await Promise.all([directory.hall(payload.hallId), directory.studio(payload.organizerId)]);
  return {
    rentalId: payload.rentalId,
    hallName: hall?.name ?? `#${payload.hallId}`,
    studioName: studio?.name ?? '',
    startsAt: payload.startsAt,
    endsAt: payload.endsAt,
    // The hall's zone, named in the message: a renter may be elsewhere.
    timezone: hall?.timezone ?? 'UTC',
    amount: { minor: payload.total, currency: payload.currency },
    path: `/rentals/${payload.rentalId}`,
  };
}

/** The invitation (or its withdrawal) that goes with the message: one UID per rental. */
function calendarOf(event: BusEvent, facts: Facts, method: 'REQUEST' | 'CANCEL'): Facts['calendar'] {
  return {
    uid: `rental-${facts.rentalId ?? 0}`,
    // The cancellation supersedes the invitation: one more than it.
    sequence: method === 'CANCEL' ? 1 : 0,
    method,
    stamp: event.occurredAt,
    startsAt: facts.startsAt ?? event.occurredAt,
    endsAt: facts.endsAt ?? event.occurredAt,
    summary: facts.studioName ? `${facts.hallName ?? ''} — ${facts.studioName}` : (facts.hallName ?? ''),
  };
}

const owners = async (directory: NotificationDirectory, organizerId: number) =>
  (await directory.studio(organizerId))?.ownerIds ?? [];

/** Blocks are the studio's own time: nobody is told of them. */
const renterOf = (payload: RentalPayload) => (payload.kind === 'rental' ? [payload.userId] : []);

export const RENTAL_RULES: Rules = {
  'rental.confirmed': {
    transactional: true,
    channels: ALL,
    recipients: async (event) => renterOf(event.payload),
    facts: async (event, directory) => {
      const facts = await rentalFacts(directory, event.payload);
      return { ...facts, paidOffline: event.payload.paidOffline, calendar: calendarOf(event, facts, 'REQUEST') };
    },
    team: {
      template: 'rental.studio-confirmed',
      channels: NO_SMS,
      recipients: async (event, directory) =>
        event.payload.kind === 'rental' ? owners(directory, event.payload.organizerId) : [],
    },
  },
  'rental.cancelled': {
    transactional: true,
    channels: ALL,
    recipients: async (event) => renterOf(event.payload),
    facts: async (event, directory) => {
      const facts = await rentalFacts(directory, event.payload);
      // Events from before `previousStatus` existed: told as if confirmed (a withdrawal of nothing is harmless).
      const wasConfirmed = (event.payload.previousStatus ?? 'CONFIRMED') === 'CONFIRMED';
      return {
        ...facts,
        cancelledBy: event.payload.by,
        refundAmount: { minor: event.payload.refundAmount, currency: event.payload.currency },
        // Only a confirmed rental was sent an invitation; a hold that never was has nothing to withdraw.
        ...(wasConfirmed ? { calendar: calendarOf(event, facts, 'CANCEL') } : {}),
      };
    },
    team: {
      template: 'rental.studio-cancelled',
      channels: NO_SMS,
      // The studio cancelled it itself: it knows.
      recipients: async (event, directory) =>
        event.payload.kind === 'rental' && event.payload.by === 'renter' ? owners(directory, event.payload.organizerId) : [],
    },
  },
  'rental.expired': {
    transactional: false,
    channels: NO_SMS,
    recipients: async (event) => renterOf(event.payload),
    facts: (event, directory) => rentalFacts(directory, event.payload),
  },
  // A watched slot freed and is held for the watcher: pay before the deadline or it goes to the next.
  'rental.offered': {
    transactional: true,
    channels: ALL,
    recipients: async (event) => [event.payload.userId],
    facts: async (event, directory) => ({
      ...(await rentalFacts(directory, event.payload)),
      deadline: event.payload.offerExpiresAt,
    }),
  },
  'rental.reminder': {
    transactional: false,
    channels: ALL,
    recipients: async (event) => renterOf(event.payload),
    facts: (event, directory) => rentalFacts(directory, event.payload),
  },
};
