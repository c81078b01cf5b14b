import { Type } from 'typebox';
import { MAX_ROW, type SalesService } from '../../modules/sales/index.ts';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import { Id, MAX_PAGE } from '../../platform/http/schemas.ts';

/**
 * The HackLoad "Billetter" contract, mapped onto the sales service: only translation lives here.
 * POST /api/bookings and GET /api/bookings are the native routes (their answers are supersets of
 * the contract's). Money is a decimal string; a taken seat is 419; someone else's booking or seat
 * is 403 (`strangers: 'forbidden'`), where the native API answers 404 (decision record 0017).
 */
const tags = ['hackload'];
const SEAT_CONFLICT = { 'seat-taken': 419, 'seat-not-held': 419, 'booking-not-open': 419, 'booking-expired': 419 };

export function decimal(minorUnits: number): string {
  return (minorUnits / 100).toFixed(2);
}

export function registerHackloadRoutes(app: App, sales: SalesService): void {
  app.get(
    '/api/seats',
    {
      // Optional: a draft's seats are its team's (404 for others), so credentials, when sent, count.
      config: { access: 'optional' },
      schema: {
        tags,
        summary:
          'Seats of an event. status=FREE without page suggests free seats spread over the hall. 404 for an unknown event or another team’s draft.',
        querystring: Type.Object({
          event_id: Id,
          page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
          pageSize: Type.Integer({ minimum: 1, maximum: 20, default: 20 }),
          row: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROW })),
          status: Type.Optional(Type.Union([Type.Literal('FREE'), Type.Literal('RESERVED'), Type.Literal('SOLD')])),
        }),
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.Integer(),
              row: Type.Integer(),
              number: Type.Integer(),
              status: Type.String(),
              price: Type.String(),
            }),
          ),
        },
      },
    },
    async (request) => {
      const { event_id, page, pageSize, row, status } = request.query;
      const seats = await sales.inventory.seats(request.principal, {
        eventId: event_id,
        pageSize,
        ...(page !== undefined ? { page } : {}),
        ...(row !== undefined ? { row } : {}),
        ...(status ? { status } : {}),
      });
      return seats.map((seat) => ({
        id: seat.id,
        row: seat.row,
        number: seat.number,
        status: seat.status,
        price: decimal(seat.price),
      }));
    },
  );

  app.patch(
    '/api/seats/select',
    {
      config: { access: 'user', problemStatus: SEAT_CONFLICT, strangers: 'forbidden' },
      schema: {
        tags,
        summary: 'Put a seat into your booking: 200, 419 when taken, 403 when the booking is not yours.',
        body: Type.Object({ booking_id: Id, seat_id: Id }, { additionalProperties: false }),
        response: { 200: Type.Object({}) },
      },
    },
    async (request) => {
      await sales.selection.selectSeat(principalOf(request), request.body.booking_id, request.body.seat_id);
      return {};
    },
  );

  app.patch(
    '/api/seats/release',
    {
      config: { access: 'user', problemStatus: SEAT_CONFLICT, strangers: 'forbidden' },
      schema: {
        tags,
        summary: 'Take a seat out of your booking: 403 when another’s booking holds it, 419 when it is not held.',
        body: Type.Object({ seat_id: Id }, { additionalProperties: false }),
        response: { 200: Type.Object({}) },
      },
    },
    async (request) => {
      await sales.selection.releaseSeat(principalOf(request), request.body.seat_id);
      return {};
    },
  );

  app.patch(
    '/api/bookings/cancel',
    {
      config: { access: 'user', strangers: 'forbidden' },
      schema: {
        tags,
        summary: 'Cancel your booking: 403 when it is not yours.',
        body: Type.Object({ booking_id: Id }, { additionalProperties: false }),
        response: { 200: Type.Object({}) },
      },
    },
    async (request) => {
      await sales.bookings.cancel(principalOf(request), request.body.booking_id);
      return {};
    },
  );

  app.get(
    '/api/analytics',
    {
      // Revenue is the organizer's business: the event team's owners and managers (and admins)
      // see it; other users get 403 (404 for a draft), anonymous callers 401, as the contract's
      // Basic-authenticated calls allow. Its fields stay as the contract has them.
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Sales of an event, overall and per zone: for the event team (owners, managers) and admins; 403 for others.',
        querystring: Type.Object({ id: Id }),
        response: {
          200: Type.Object({
            event_id: Type.Integer(),
            total_seats: Type.Integer(),
            sold_seats: Type.Integer(),
            reserved_seats: Type.Integer(),
            free_seats: Type.Integer(),
            total_revenue: Type.String(),
            bookings_count: Type.Integer(),
            zones: Type.Array(
              Type.Object({
                name: Type.String(),
                total: Type.Integer(),
                free: Type.Integer(),
                reserved: Type.Integer(),
                sold: Type.Integer(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const figures = await sales.inventory.analytics(principalOf(request), request.query.id);
      return {
        event_id: figures.event_id,
        total_seats: figures.total,
        sold_seats: figures.sold,
        reserved_seats: figures.held,
        free_seats: figures.free,
        total_revenue: decimal(figures.revenue),
        bookings_count: figures.bookings_count,
        zones: figures.zones.map((zone) => ({
          name: zone.name,
          total: zone.total,
          free: zone.free,
          reserved: zone.held,
          sold: zone.sold,
        })),
      };
    },
  );

  app.post(
    '/api/reset',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Event 1 back to all seats free. Off unless ENABLE_RESET=true (load tests only).',
        response: { 200: Type.Object({}) },
      },
    },
    async () => {
      await sales.background.reset(1);
      return {};
    },
  );
}
