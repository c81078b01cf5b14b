import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import type { TicketsService } from './tickets.service.ts';
import {
  BundleSchema,
  CheckinBody,
  CheckinSchema,
  CodeParams,
  EventParams,
  ListTicketsQuery,
  QrQuery,
  StatsQuery,
  StatsSchema,
  SyncBody,
  SyncReportSchema,
  TicketParams,
  TicketSchema,
  ValidateBody,
  ValidationSchema,
} from './tickets.schemas.ts';

const TicketRef = Type.Ref('Ticket');

export function registerTicketsRoutes(app: App, tickets: TicketsService): void {
  app.addSchema(TicketSchema);
  const tags = ['tickets'];

  app.get(
    '/api/tickets',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Your tickets, newest first, with event and seat details.',
        querystring: ListTicketsQuery,
        response: { 200: Type.Array(TicketRef) },
      },
    },
    async (request) =>
      tickets.myTickets(principalOf(request), {
        ...(request.query.event_id !== undefined ? { eventId: request.query.event_id } : {}),
        ...(request.query.status !== undefined ? { status: request.query.status } : {}),
        page: request.query.page,
        pageSize: request.query.pageSize,
      }),
  );
  app.get(
    '/api/tickets/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: "One ticket (its holder, or the event's organizer team).",
        params: TicketParams,
        response: { 200: TicketRef },
      },
    },
    async (request) => tickets.get(principalOf(request), request.params.id),
  );
  app.get(
    '/api/tickets/:id/qr',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'The ticket code as a QR image (SVG by default, or PNG).',
        params: TicketParams,
        querystring: QrQuery,
        response: {
          200: {
            description: 'The QR image.',
            content: {
              'image/svg+xml': { schema: Type.String() },
              'image/png': { schema: Type.String({ format: 'binary' }) },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { format } = request.query;
      const image = await tickets.qr(principalOf(request), request.params.id, format);
      return (
        reply
          .header('content-type', format === 'svg' ? 'image/svg+xml' : 'image/png')
          .header('cache-control', 'private, max-age=300')
          // A PNG is a Buffer; the schema above documents it as binary, the type provider knows only string.
          .send(image as string)
      );
    },
  );
  app.post(
    '/api/tickets/:code/validate',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Would this code get in? (scanners of the event’s team; changes nothing).',
        params: CodeParams,
        body: ValidateBody,
        response: { 200: ValidationSchema },
      },
    },
    async (request) => tickets.validate(principalOf(request), request.params.code, request.body.event_id),
  );
  app.post(
    '/api/tickets/:code/checkin',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Let the ticket in: active → used exactly once; a retry with the same scan_id is idempotent. The body may be left out (gate "main", a scan id made up by the server).',
        params: CodeParams,
        body: CheckinBody,
        response: { 200: CheckinSchema },
      },
    },
    async (request) => {
      const { gate, scan_id, event_id } = request.body;
      return tickets.checkin(principalOf(request), request.params.code, {
        gate,
        // A scanner that sends the code alone gets a fresh scan id: a new scan, never a replay.
        scanId: scan_id ?? randomUUID(),
        ...(event_id !== undefined ? { eventId: event_id } : {}),
      });
    },
  );
  app.get(
    '/api/events/:id/checkin-bundle',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'What an offline scanner needs: public keys, revoked and used tickets, counts.',
        params: EventParams,
        response: { 200: BundleSchema },
      },
    },
    async (request) => tickets.bundle(principalOf(request), request.params.id),
  );
  app.post(
    '/api/events/:id/checkins/sync',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Upload check-ins made offline: accepted, duplicates, conflicts (both records kept), rejected.',
        params: EventParams,
        body: SyncBody,
        response: { 200: SyncReportSchema },
      },
    },
    async (request) => tickets.sync(principalOf(request), request.params.id, request.body.checkins),
  );
  app.get(
    '/api/events/:id/checkin-stats',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Checked in / issued, per gate and over time (the organizer team).',
        params: EventParams,
        querystring: StatsQuery,
        response: { 200: StatsSchema },
      },
    },
    async (request) => tickets.stats(principalOf(request), request.params.id, request.query.bucket_minutes),
  );
}
