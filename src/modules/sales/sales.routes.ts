import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import { IdempotencyHeaders, idempotencyKey, sendIdempotent } from '../../platform/http/idempotency-key.ts';
import type { App } from '../../platform/http/server.ts';
import type { SalesService } from './sales.service.ts';
import {
  AvailabilitySchema,
  BookingDetailSchema,
  BookingParams,
  BookingSchema,
  BookingSeatParams,
  CreateBookingBody,
  EventBookingsQuery,
  EventParams,
  LayoutBody,
  ListBookingsQuery,
  PurchaseBody,
  ReasonBody,
  SeatIdsBody,
  SeatMapQuery,
  SeatMapSchema,
  TicketTypeBody,
  TicketTypeSchema,
  TicketTypesQuery,
} from './sales.schemas.ts';

const BookingRef = Type.Ref('Booking');

/** The native sales API. (The HackLoad contract is in src/compat/hackload, over the same service.) */
export function registerSalesRoutes(app: App, sales: SalesService, defaultCurrency: string): void {
  app.addSchema(BookingSchema);
  const tags = ['sales'];

  app.post(
    '/api/events/:id/ticket-types',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Add a ticket type (event team; drafts allowed so an event can be prepared).',
        params: EventParams,
        body: TicketTypeBody,
        response: { 201: TicketTypeSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await sales.inventory.createTicketType(principalOf(request), request.params.id, request.body)),
  );
  app.get(
    '/api/events/:id/ticket-types',
    {
      config: { access: 'optional' },
      schema: {
        tags,
        summary:
          'Ticket types with what is left (a draft’s only for its team: 404 for others). Hidden types only for the team, or with ?code= that unlocks them.',
        params: EventParams,
        querystring: TicketTypesQuery,
        response: { 200: Type.Array(TicketTypeSchema) },
      },
    },
    async (request) => sales.inventory.listTicketTypes(request.principal, request.params.id, request.query.code),
  );
  app.post(
    '/api/events/:id/seat-layout',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Create reserved seating by zones (rows in order, seats per row).',
        params: EventParams,
        body: LayoutBody,
        response: { 201: Type.Object({ rows: Type.Integer() }) },
      },
    },
    async (request, reply) => {
      const zones = request.body.zones.map((zone) => ({
        name: zone.name,
        price: zone.price,
        currency: zone.currency ?? defaultCurrency,
        rows: zone.rows,
        seatsPerRow: zone.seats_per_row,
      }));
      return reply.code(201).send({ rows: await sales.inventory.createLayout(principalOf(request), request.params.id, zones) });
    },
  );
  app.get(
    '/api/events/:id/seat-map',
    {
      config: { access: 'optional' },
      schema: {
        tags,
        summary:
          'The hall for drawing: zones with their rows, and a status character per seat of the rows asked for (a draft’s only for its team).',
        params: EventParams,
        querystring: SeatMapQuery,
        response: { 200: SeatMapSchema, 304: Type.Null({ description: 'Unchanged since the ETag given in If-None-Match.' }) },
      },
    },
    async (request, reply) => {
      const map = await sales.inventory.seatMap(request.principal, request.params.id, {
        fromRow: request.query.from_row,
        toRow: request.query.to_row,
      });
      // Pollers send the last ETag back; an unchanged hall costs them no body.
      const etag = `"${createHash('sha1').update(JSON.stringify(map)).digest('base64url')}"`;
      reply.header('etag', etag).header('cache-control', 'no-cache');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send(null);
      return map;
    },
  );
  app.get(
    '/api/events/:id/availability',
    {
      config: { access: 'optional' },
      schema: {
        tags,
        summary: 'Total, free, held and sold, overall and per zone; revenue for the event team (a draft’s only for its team).',
        params: EventParams,
        response: { 200: AvailabilitySchema },
      },
    },
    async (request) => sales.inventory.availability(request.principal, request.params.id),
  );
  app.get(
    '/api/events/:id/bookings',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: "The event's bookings (event team).",
        params: EventParams,
        querystring: EventBookingsQuery,
        response: { 200: Type.Array(BookingRef) },
      },
    },
    async (request) =>
      sales.bookings.eventBookings(principalOf(request), request.params.id, {
        ...(request.query.status ? { status: request.query.status } : {}),
        limit: request.query.pageSize,
        offset: (request.query.page - 1) * request.query.pageSize,
      }),
  );
  app.post(
    '/api/events/:id/tickets',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Buy general-admission tickets: PENDING until paid, CONFIRMED at once when free.',
        params: EventParams,
        headers: IdempotencyHeaders,
        body: PurchaseBody,
        response: { 201: BookingRef },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const { ticket_type_id, quantity, promo_code } = request.body;
      const result = await sales.bookings.idempotent(
        principal,
        idempotencyKey(request.headers),
        { route: 'purchase', id, ticket_type_id, quantity, ...(promo_code !== undefined ? { promo_code } : {}) },
        () => sales.bookings.purchase(principal, id, ticket_type_id, quantity, promo_code),
      );
      return sendIdempotent(reply, result);
    },
  );

  app.post(
    '/api/bookings',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Open a booking: empty, with seats, or with general-admission units. Holds last the event’s TTL.',
        headers: IdempotencyHeaders,
        body: CreateBookingBody,
        response: { 201: BookingRef },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { body } = request;
      const result = await sales.bookings.idempotent(
        principal,
        idempotencyKey(request.headers),
        { route: 'booking', ...body },
        () =>
          sales.bookings.createBooking(principal, {
            eventId: body.event_id,
            ...(body.seat_ids ? { seatIds: body.seat_ids } : {}),
            ...(body.ticket_type_id !== undefined ? { ticketTypeId: body.ticket_type_id } : {}),
            ...(body.quantity !== undefined ? { quantity: body.quantity } : {}),
            ...(body.promo_code !== undefined ? { promoCode: body.promo_code } : {}),
          }),
      );
      return sendIdempotent(reply, result);
    },
  );
  app.get(
    '/api/bookings',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Your bookings, newest first.',
        querystring: ListBookingsQuery,
        response: { 200: Type.Array(BookingRef) },
      },
    },
    async (request) =>
      sales.bookings.myBookings(principalOf(request), {
        limit: request.query.limit,
        ...(request.query.event_id !== undefined ? { eventId: request.query.event_id } : {}),
      }),
  );
  app.get(
    '/api/bookings/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'One booking with its audit trail (owner or event team).',
        params: BookingParams,
        response: { 200: BookingDetailSchema },
      },
    },
    async (request) => sales.bookings.getBooking(principalOf(request), request.params.id),
  );
  app.post(
    '/api/bookings/:id/seats',
    {
      config: { access: 'user', problemStatus: { 'seat-taken': 419 } },
      schema: {
        tags,
        summary: 'Add seats to your open booking (419 when one is taken).',
        params: BookingParams,
        body: SeatIdsBody,
        response: { 200: BookingRef },
      },
    },
    async (request) => sales.bookings.addSeats(principalOf(request), request.params.id, request.body.seat_ids),
  );
  app.delete(
    '/api/bookings/:id/seats/:seatId',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Take a seat out of your open booking.',
        params: BookingSeatParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await sales.selection.releaseSeat(principalOf(request), request.params.seatId, request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/api/bookings/:id/checkout',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'CREATED → PENDING: fix the seats and await payment.',
        params: BookingParams,
        response: { 200: BookingRef },
      },
    },
    async (request) => sales.bookings.checkout(principalOf(request), request.params.id),
  );
  app.post(
    '/api/bookings/:id/cancel',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Cancel (a paid booking is refunded).',
        params: BookingParams,
        body: ReasonBody,
        response: { 200: BookingRef },
      },
    },
    async (request) =>
      sales.bookings.cancel(principalOf(request), request.params.id, request.body.reason ?? 'cancelled by the customer'),
  );
  app.post(
    '/api/bookings/:id/confirm',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Confirm as paid at the box office (event team), or a free booking (its owner).',
        params: BookingParams,
        response: { 200: BookingRef },
      },
    },
    async (request) => sales.bookings.confirm(principalOf(request), request.params.id),
  );
}
