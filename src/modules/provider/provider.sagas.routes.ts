import { Type } from 'typebox';
import { DomainError } from '../../platform/errors.ts';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import type { EventTeams, SeatOwnershipService } from './provider.ownership.ts';
import type { ProviderDb } from './provider.repository.ts';
import { findSaga, listSagas, unparkSaga, type SagaRow } from './provider.sagas.repository.ts';
import { EventSagasQuery, IdParams, OwnershipBody, OwnershipSchema, SagaSchema, SagasQuery } from './provider.schemas.ts';

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
  parts: { db: ProviderDb; ownership: SeatOwnershipService; teams: EventTeams },
): void {
  const { db, ownership, teams } = parts;
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
      if (!(await teams.canManage(principalOf(request), request.params.id))) {
        throw new DomainError('forbidden', 'not-on-team', "This needs the owner or manager role in the event's organizer team.");
      }
      const { state, limit, after } = request.query;
      const rows = await listSagas(db, {
        eventId: request.params.id,
        limit,
        ...(state !== undefined ? { state } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      return rows.map(sagaView);
    },
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
    async (request) => {
      const saga = await unparkSaga(db, request.params.id);
      if (saga) return sagaView(saga);
      if (!(await findSaga(db, request.params.id))) {
        throw new DomainError('not-found', 'saga-not-found', 'No provider order saga for this booking.');
      }
      throw new DomainError('conflict', 'saga-not-parked', 'Only a parked saga is retried by hand; this one is running or done.');
    },
  );
}
