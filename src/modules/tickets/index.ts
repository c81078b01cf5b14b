import type { Kysely } from 'kysely';
import type { Bus, BusEvent } from '../../platform/bus/index.ts';
import type { App } from '../../platform/http/server.ts';
import { TicketCodes } from './tickets.codes.ts';
import { registerTicketsRoutes } from './tickets.routes.ts';
import { TicketsService, type EventDirectory, type InventoryGateway } from './tickets.service.ts';
import './tickets.events.ts';

export { ticketsMigrations } from './tickets.migrations.ts';
export { decodeCode } from './tickets.codes.ts';
export type { TicketsService, EventDirectory, InventoryGateway, TicketView } from './tickets.service.ts';
export type { TicketsPurchasedPayload, TicketCheckinPayload, TicketsCancelledPayload } from './tickets.events.ts';

export interface TicketsModule {
  service: TicketsService;
  registerRoutes(app: App): void;
}

/**
 * Tickets: issued from booking.confirmed, cancelled with their booking or event, signed codes,
 * online and offline check-in. Partial refunds: call `service.cancelSeats(trx, bookingId, seatIds,
 * reason)` from the consumer of the refund event (inside its inbox transaction).
 */
export async function createTicketsModule(
  db: Kysely<object>,
  options: { bus: Bus; inventory: InventoryGateway; events: EventDirectory },
): Promise<TicketsModule> {
  const codes = await TicketCodes.load(db);
  const service = new TicketsService(db, codes, options.inventory, options.events);
  // One consumer for all three, so issuance and cancellation of a booking apply in the order the
  // bus carries them (each consumer reads its events in order, one at a time).
  options.bus.subscribe('tickets', ['booking.confirmed', 'booking.cancelled', 'event.cancelled'], async (event, trx) => {
    if (event.type === 'booking.confirmed') {
      await service.issueForBooking(trx, (event as BusEvent<'booking.confirmed'>).payload);
    } else if (event.type === 'booking.cancelled') {
      const { bookingId, reason } = (event as BusEvent<'booking.cancelled'>).payload;
      await service.cancelBooking(trx, bookingId, `booking cancelled: ${reason}`);
    } else {
      const { eventId, reason } = (event as BusEvent<'event.cancelled'>).payload;
      await service.cancelEvent(trx, eventId, `event cancelled: ${reason || 'by the organizer'}`);
    }
  });
  return { service, registerRoutes: (app) => registerTicketsRoutes(app, service) };
}
