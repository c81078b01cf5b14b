import { DomainError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/access.ts';
import type { ProviderMirror } from './provider.mirror.ts';
import type { EventTeams, SeatOwnershipService } from './provider.ownership.ts';
import type { ProviderDb } from './provider.repository.ts';
import { countSagas, findSaga, listSagas, unparkSaga, type SagaRow } from './provider.sagas.repository.ts';
import type { SagaState } from './provider.tables.ts';

const notOnTeam = () =>
  new DomainError('forbidden', 'not-on-team', "This needs the owner or manager role in the event's organizer team.");

/**
 * A parked saga run again now (by booking id); with `eventId`, only one of that event's (another
 * event's booking is "no saga" to the caller, so ids of other events' bookings do not leak).
 */
export async function retryParkedSaga(db: ProviderDb, bookingId: number, eventId?: number): Promise<SagaRow> {
  const saga = await findSaga(db, bookingId);
  if (!saga || (eventId !== undefined && saga.event_id !== eventId)) {
    throw new DomainError('not-found', 'saga-not-found', 'No provider order saga for this booking.');
  }
  const unparked = await unparkSaga(db, bookingId);
  if (unparked) return unparked;
  throw new DomainError('conflict', 'saga-not-parked', 'Only a parked saga is retried by hand; this one is running or done.');
}

/**
 * The provider as one event's owner or manager sees it (the operators' `GET /api/admin/provider`
 * is admins-only and service-wide): the event's mode, the breaker and the mirror's age, and the
 * event's own sagas — listed, counted, and a parked one retried.
 */
export class OrganizerProviderService {
  private readonly db: ProviderDb;
  private readonly mirror: ProviderMirror;
  private readonly ownership: SeatOwnershipService;
  private readonly teams: EventTeams;

  constructor(db: ProviderDb, parts: { mirror: ProviderMirror; ownership: SeatOwnershipService; teams: EventTeams }) {
    this.db = db;
    this.mirror = parts.mirror;
    this.ownership = parts.ownership;
    this.teams = parts.teams;
  }

  private async requireManager(principal: Principal, eventId: number): Promise<void> {
    if (!(await this.teams.canManage(principal, eventId))) throw notOnTeam();
  }

  async status(principal: Principal, eventId: number) {
    await this.requireManager(principal, eventId);
    const [mode, mirror, sagas] = await Promise.all([
      this.ownership.modeOf(eventId),
      this.mirror.state(),
      countSagas(this.db, { eventId }),
    ]);
    return {
      event_id: eventId,
      mode,
      breaker: mirror.breaker,
      mirror: {
        places: mirror.places,
        preloaded_at: mirror.preloaded_at,
        reconciled_at: mirror.reconciled_at,
        age_seconds: mirror.age_seconds,
      },
      sagas,
    };
  }

  async sagas(principal: Principal, eventId: number, filter: { state?: SagaState; limit: number; after?: number }) {
    await this.requireManager(principal, eventId);
    return listSagas(this.db, { ...filter, eventId });
  }

  async retry(principal: Principal, eventId: number, bookingId: number): Promise<SagaRow> {
    await this.requireManager(principal, eventId);
    return retryParkedSaga(this.db, bookingId, eventId);
  }
}
