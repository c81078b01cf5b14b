import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import { EventParams } from './sales.schemas.ts';
import type { WaitlistService } from './waitlist.service.ts';
import {
  EventWaitlistQuery,
  JoinWaitlistBody,
  MyWaitlistQuery,
  PriorityBody,
  WaitlistEntrySchema,
  WaitlistParams,
} from './waitlist.schemas.ts';

const EntryRef = Type.Ref('WaitlistEntry');

export function registerWaitlistRoutes(app: App, waitlist: WaitlistService): void {
  app.addSchema(WaitlistEntrySchema);
  const tags = ['waitlist'];

  app.post(
    '/api/events/:id/waitlist',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Join the waitlist of a sold-out ticket type, or of a seated event’s seats.',
        params: EventParams,
        body: JoinWaitlistBody,
        response: { 201: EntryRef },
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await waitlist.join(principalOf(request), request.params.id, {
          quantity: request.body.quantity,
          ...(request.body.ticket_type_id !== undefined ? { ticketTypeId: request.body.ticket_type_id } : {}),
        }),
      ),
  );
  app.get(
    '/api/events/:id/waitlist',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'The event’s waitlist in offer order (event team).',
        params: EventParams,
        querystring: EventWaitlistQuery,
        response: { 200: Type.Array(EntryRef) },
      },
    },
    async (request) =>
      waitlist.ofEvent(principalOf(request), request.params.id, {
        ...(request.query.status ? { status: request.query.status } : {}),
        limit: request.query.pageSize,
        offset: (request.query.page - 1) * request.query.pageSize,
      }),
  );
  app.get(
    '/api/waitlist',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'My waitlist entries, newest first.',
        querystring: MyWaitlistQuery,
        response: { 200: Type.Array(EntryRef) },
      },
    },
    async (request) => waitlist.mine(principalOf(request), request.query.limit),
  );
  app.get(
    '/api/waitlist/:id',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'One entry with its place in the queue.', params: WaitlistParams, response: { 200: EntryRef } },
    },
    async (request) => waitlist.get(principalOf(request), request.params.id),
  );
  app.delete(
    '/api/waitlist/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Leave the waitlist (an unpaid offer is given up and passes to the next).',
        params: WaitlistParams,
        response: { 200: EntryRef },
      },
    },
    async (request) => waitlist.leave(principalOf(request), request.params.id),
  );
  app.patch(
    '/api/waitlist/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Set an entry’s priority (event team).',
        params: WaitlistParams,
        body: PriorityBody,
        response: { 200: EntryRef },
      },
    },
    async (request) => waitlist.prioritize(principalOf(request), request.params.id, request.body.priority),
  );
}
