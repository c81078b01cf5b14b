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
 * Tickets: issued from booking.confirmed, cancelled with their booking, their returned seats or
 * their event; signed codes, online and offline check-in.
 */
export async function createTicketsModule(
  db: Kysely<object>,
  options: { bus: Bus; inventory: InventoryGateway; events: EventDirectory },
): Promise<TicketsModule> {
  const codes = await TicketCodes.load(db);
  const service = new TicketsService(db, codes, options.inventory, options.events);
  // One consumer for all of them, so issuance and cancellation of a booking apply in the order the
  // bus carries them (each consumer reads its events in order, one at a time). Every way inventory
  // goes back on sale after issuance voids its tickets here: a cancelled (refunded) booking, returned
  // seats, a cancelled event, a load test's reset. A unique index keeps one live ticket per seat even
  // if one were missed.
  const types = ['booking.confirmed', 'booking.cancelled', 'booking.seats-returned', 'event.cancelled', 'event.reset'] as const;
  options.bus.subscribe('tickets', types, async (event, trx) => {
    if (event.type === 'booking.confirmed') {
      await service.issueForBooking(trx, (event as BusEvent<'booking.confirmed'>).payload);
    } else if (event.type === 'booking.seats-returned') {
      const { bookingId, returnedSeatIds } = (event as BusEvent<'booking.seats-returned'>).payload;
      await service.cancelSeats(trx, bookingId, returnedSeatIds, 'seats returned');
    } else if (event.type === 'booking.cancelled') {
      const { bookingId, reason } = (event as BusEvent<'booking.cancelled'>).payload;
      await service.cancelBooking(trx, bookingId, `booking cancelled: ${reason}`);
    } else if (event.type === 'event.reset') {
      await service.cancelEvent(trx, (event as BusEvent<'event.reset'>).payload.eventId, 'event reset (POST /api/reset)');
    } else {
      const { eventId, reason } = (event as BusEvent<'event.cancelled'>).payload;
      await service.cancelEvent(trx, eventId, `event cancelled: ${reason || 'by the organizer'}`);
    }
  });
  return { service, registerRoutes: (app) => registerTicketsRoutes(app, service) };
}
