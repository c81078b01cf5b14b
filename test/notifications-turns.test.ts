import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp, type TestUser } from './support/users.ts';

// The job runner is held back (a minute between passes) so the test runs the notification pass itself.
let service: TestService;
let owner: TestUser;

beforeAll(async () => {
  service = await startTestService({ env: { JOBS_INTERVAL_MS: '60000' } });
  owner = await signUp(service.app);
});
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const db = () => service.database.db;

describe('the notification pass', () => {
  it('sends messages while events are still being dispatched, not only once none is left', async () => {
    const { eventId } = await createPublishedEvent(service.app, service.database, owner, {
      zones: [{ name: 'Hall', price: 100_000, rows: 3, seats_per_row: 10 }],
      policy: { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false },
    });
    const seats = await sql<{ id: number }>`select id from sales.seats where event_id = ${eventId} order by id`.execute(db());
    // 25 confirmed bookings: more events than one dispatch batch (20) takes.
    for (const seat of seats.rows.slice(0, 25)) {
      const buyer = await signUp(service.app);
      const booked = await inject({
        method: 'POST',
        url: '/api/bookings',
        headers: buyer.bearer,
        payload: { event_id: eventId, seat_ids: [seat.id] },
      });
      expect(booked.statusCode, booked.body).toBe(201);
      const confirmed = await inject({
        method: 'POST',
        url: `/api/bookings/${booked.json<{ id: number }>().id}/confirm`,
        headers: owner.bearer,
      });
      expect(confirmed.statusCode, confirmed.body).toBe(200);
    }
    await expect
      .poll(
        async () =>
          (
            await sql<{
              n: number;
            }>`select count(*)::int as n from notifications.source_events where processed_at is null`.execute(db())
          ).rows[0]!.n,
      )
      .toBeGreaterThan(20);

    await service.notifications.service.runDue();

    const times = await sql<{ first_sent: Date; last_created: Date; unsent: number }>`
      select min(sent_at) as first_sent, max(created_at) as last_created,
             count(*) filter (where status <> 'sent')::int as unsent
      from notifications.deliveries where channel = 'email'`.execute(db());
    const { first_sent, last_created, unsent } = times.rows[0]!;
    expect(unsent).toBe(0);
    // The first message went out before the last one was even written: the two steps took turns.
    expect(first_sent.getTime()).toBeLessThan(last_created.getTime());
  });
});
