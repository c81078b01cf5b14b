import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import type { EnabledRooms } from './queue.gate.ts';
import { PlaceSchema, QueueEventParams, RoomSchema, RoomSettingsBody } from './queue.schemas.ts';
import type { QueueService } from './queue.service.ts';

const RoomRef = Type.Ref('WaitingRoom');
const PlaceRef = Type.Ref('QueuePlace');

export function registerQueueRoutes(app: App, queue: QueueService, rooms: EnabledRooms): void {
  app.addSchema(RoomSchema);
  app.addSchema(PlaceSchema);
  const tags = ['waiting room'];

  app.get(
    '/api/events/:id/queue/settings',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: "The event's waiting room and its numbers (event owner or manager); null when it has none.",
        params: QueueEventParams,
        response: { 200: Type.Union([RoomRef, Type.Null()]) },
      },
    },
    async (request) => queue.settings(principalOf(request), request.params.id),
  );
  app.put(
    '/api/events/:id/queue/settings',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Set up, change or switch off the waiting room (event owner or manager).',
        params: QueueEventParams,
        body: RoomSettingsBody,
        response: { 200: RoomRef },
      },
    },
    async (request) => {
      const room = await queue.configure(principalOf(request), request.params.id, request.body);
      await rooms.refresh();
      return room;
    },
  );
  app.post(
    '/api/events/:id/queue',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Join the queue, or come back to it (a place is kept for the grace period). One place per account.',
        params: QueueEventParams,
        response: { 200: PlaceRef },
      },
    },
    async (request) => queue.join(principalOf(request), request.params.id),
  );
  app.get(
    '/api/events/:id/queue',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Your place: position, people ahead, ETA, progress; once admitted, the admission token. Poll it to keep your place.',
        params: QueueEventParams,
        response: { 200: PlaceRef },
      },
    },
    async (request) => queue.place(principalOf(request), request.params.id),
  );
}
