import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToTeam, createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

/**
 * The provider as an event's owner or manager sees it (the organizer dashboard's "Seats & provider"
 * panel): the event's mode, breaker, mirror age and its own sagas by state, and a retry of its own
 * parked saga — never another event's.
 */

let service: TestService;
let owner: TestUser;
let manager: TestUser;
let scanner: TestUser;
let eventId: number;
let otherEventId: number;

const db = () => service.database.db;

beforeAll(async () => {
  service = await startTestService({ env: { PROVIDER_SAGA_INTERVAL_MS: '50' } });
  [owner, manager, scanner] = await Promise.all([signUp(service.app), signUp(service.app), signUp(service.app)]);
  const zones = [{ name: 'Hall', price: 1000, rows: 5, seats_per_row: 20 }];
  const created = await createPublishedEvent(service.app, service.database, owner, { zones });
  eventId = created.eventId;
  await addToTeam(service.app, owner, created.slug, manager.email, 'manager');
  await addToTeam(service.app, owner, created.slug, scanner.email, 'scanner');
  ({ eventId: otherEventId } = await createPublishedEvent(service.app, service.database, owner, { zones }));
  const set = await service.app.inject({
    method: 'PUT',
    url: `/api/events/${eventId}/seat-ownership`,
    headers: owner.bearer,
    payload: { mode: 'allotment', block: { from_row: 1, to_row: 2 } },
  });
  expect(set.statusCode, set.body).toBe(200);
  // Sagas parked and done for this event, and a parked one of another event.
  await sql`insert into provider.sagas (booking_id, event_id, goal, state, parked_reason, last_error, attempts) values
    (900001, ${eventId}, 'cancel', 'parked', 'gave-up', 'provider-failed: no answer', 7),
    (900002, ${eventId}, 'cancel', 'done', null, null, 1),
    (900003, ${otherEventId}, 'cancel', 'parked', 'gave-up', null, 3)`.execute(db());
});
afterAll(async () => service.stop());

const status = (who: TestUser, id = eventId) =>
  service.app.inject({ method: 'GET', url: `/api/events/${id}/provider-status`, headers: who.bearer });
const retry = (who: TestUser, bookingId: number, id = eventId) =>
  service.app.inject({ method: 'POST', url: `/api/events/${id}/provider-sagas/${bookingId}/retry`, headers: who.bearer });
const stateOf = async (bookingId: number) =>
  (
    await sql<{ state: string; outcome: string | null }>`select state, outcome from provider.sagas
    where booking_id = ${bookingId}`.execute(db())
  ).rows[0];

describe('GET /api/events/:id/provider-status', () => {
  it('gives the owner and a manager the event’s mode, the breaker, the mirror and only this event’s sagas by state', async () => {
    for (const who of [owner, manager]) {
      const answer = await status(who);
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.json()).toMatchObject({
        event_id: eventId,
        mode: 'allotment',
        breaker: 'closed',
        mirror: { places: 100 },
        sagas: { pending: 0, done: 1, parked: 1 },
      });
      // Setting the allotment preloaded the mirror.
      expect(answer.json<{ mirror: { preloaded_at: string | null } }>().mirror.preloaded_at).not.toBeNull();
    }
    expect((await status(owner, otherEventId)).json()).toMatchObject({ mode: 'own', sagas: { pending: 0, done: 0, parked: 1 } });
  });

  it('refuses a scanner of the team and a stranger', async () => {
    expect((await status(scanner)).statusCode).toBe(403);
    expect((await status(await signUp(service.app))).statusCode).toBe(403);
  });
});

describe('POST /api/events/:id/provider-sagas/:bookingId/retry', () => {
  it('runs the event’s parked saga again for its owner, and then it finishes', async () => {
    const answer = await retry(owner, 900001);
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({ booking_id: 900001, state: 'pending', attempts: 0, parked_reason: null });
    await expect.poll(() => stateOf(900001), { timeout: 10_000 }).toMatchObject({ state: 'done', outcome: 'no-order' });
    expect((await retry(owner, 900001)).statusCode).toBe(409);
  });

  it('does not reach another event’s saga through this event, and refuses those off the event’s management', async () => {
    expect((await retry(owner, 900003)).statusCode).toBe(404);
    expect(await stateOf(900003)).toMatchObject({ state: 'parked' });
    expect((await retry(owner, 999999)).statusCode).toBe(404);
    expect((await retry(scanner, 900003, otherEventId)).statusCode).toBe(403);
    expect((await retry(manager, 900002)).statusCode).toBe(409);
  });
});
