import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import { retryParkedSaga, type OrganizerProviderService } from './provider.organizer.ts';
import type { SeatOwnershipService } from './provider.ownership.ts';
import type { ProviderDb } from './provider.repository.ts';
import { listSagas, type SagaRow } from './provider.sagas.repository.ts';
import {
  EventProviderStatusSchema,
  EventSagaParams,
  EventSagasQuery,
  IdParams,
  OwnershipBody,
  OwnershipSchema,
  SagaSchema,
  SagasQuery,
} from './provider.schemas.ts';

function sagaView(saga: SagaRow) {
  return {
    booking_id: saga.booking_id,
    event_id: saga.event_id,
    goal: saga.goal,
    state: saga.state,
    seat_ids: saga.seat_ids.map(Number),
    attempts: saga.attempts,
    next_run_at: saga.next_run_at.toISOString(),
    outcome: saga.outcome,
    last_error: saga.last_error,
    parked_reason: saga.parked_reason,
    created_at: saga.created_at.toISOString(),
    updated_at: saga.updated_at.toISOString(),
    finished_at: saga.finished_at?.toISOString() ?? null,
  };
}

/** Who sells an event's seats (its team), and the order sagas (operators; the event's team reads its own). */
export function registerOwnershipAndSagaRoutes(
  app: App,
  parts: { db: ProviderDb; ownership: SeatOwnershipService; organizer: OrganizerProviderService },
): void {
  const { db, ownership, organizer } = parts;
  const tags = ['provider'];

  app.get(
    '/api/events/:id/seat-ownership',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Who sells the event’s seats: we do (own), the venue’s provider (provider), or a block the venue allots us (allotment). The event’s team.',
        params: IdParams,
        response: { 200: OwnershipSchema },
      },
    },
    async (request) => ownership.view(principalOf(request), request.params.id),
  );
  app.put(
    '/api/events/:id/seat-ownership',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Set who sells the event’s seats (owner or manager). provider and allotment link the seats to the provider’s places by row and seat.',
        params: IdParams,
        body: OwnershipBody,
        response: { 200: OwnershipSchema },
      },
    },
    async (request) => ownership.setMode(principalOf(request), request.params.id, request.body),
  );
  app.get(
    '/api/admin/provider/sagas',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Provider order sagas, by state (parked: waiting for an operator) and event; keyset pages by booking id.',
        querystring: SagasQuery,
        response: { 200: Type.Array(SagaSchema) },
      },
    },
    async (request) => {
      const { state, event_id: eventId, limit, after } = request.query;
      const rows = await listSagas(db, {
        limit,
        ...(state !== undefined ? { state } : {}),
        ...(eventId !== undefined ? { eventId } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      return rows.map(sagaView);
    },
  );
  app.get(
    '/api/events/:id/provider-sagas',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'The event’s provider order sagas (its owner or manager): what is still on its way to the venue, and what is parked.',
        params: IdParams,
        querystring: EventSagasQuery,
        response: { 200: Type.Array(SagaSchema) },
      },
    },
    async (request) => {
      const { state, limit, after } = request.query;
      const rows = await organizer.sagas(principalOf(request), request.params.id, {
        limit,
        ...(state !== undefined ? { state } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      return rows.map(sagaView);
    },
  );
  app.get(
    '/api/events/:id/provider-status',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'The provider as the event’s owner or manager sees it: the event’s mode, the breaker, the mirror’s age, and the event’s sagas by state.',
        params: IdParams,
        response: { 200: EventProviderStatusSchema },
      },
    },
    async (request) => organizer.status(principalOf(request), request.params.id),
  );
  app.post(
    '/api/events/:id/provider-sagas/:bookingId/retry',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Run one of the event’s parked sagas again now (its owner or manager), after the cause was dealt with.',
        params: EventSagaParams,
        response: { 200: SagaSchema },
      },
    },
    async (request) => sagaView(await organizer.retry(principalOf(request), request.params.id, request.params.bookingId)),
  );
  app.post(
    '/api/admin/provider/sagas/:id/retry',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Run a parked saga again now (by booking id), after the cause was dealt with.',
        params: IdParams,
        response: { 200: SagaSchema },
      },
    },
    async (request) => sagaView(await retryParkedSaga(db, request.params.id)),
  );
}
