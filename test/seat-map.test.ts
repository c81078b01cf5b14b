import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishedEvent } from './support/events.ts';
import { startTestService, type TestService } from './support/service.ts';
import { signUp } from './support/users.ts';

let service: TestService;

beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => service.stop());

describe('the seat map', () => {
  it('draws zones with their rows and a status character per seat, and answers 304 while nothing changed', async () => {
    const { app } = service;
    const owner = await signUp(app);
    const { eventId } = await createPublishedEvent(app, service.database, owner, {
      zones: [
        { name: 'Партер', price: 500_000, rows: 2, seats_per_row: 4 },
        { name: 'Балкон', price: 300_000, rows: 1, seats_per_row: 3 },
      ],
    });
    const first = await app.inject({ url: `/api/events/${eventId}/seat-map` });
    expect(first.statusCode, first.body).toBe(200);
    const map = first.json<{
      zones: { name: string; from_row: number; to_row: number; seats_per_row: number }[];
      rows: { row: number; first_id: number; last_id: number; ids: number[] | null; status: string }[];
    }>();
    expect(map.zones.map((zone) => [zone.name, zone.from_row, zone.to_row, zone.seats_per_row])).toEqual([
      ['Партер', 1, 2, 4],
      ['Балкон', 3, 3, 3],
    ]);
    expect(map.rows.map((row) => row.status)).toEqual(['FFFF', 'FFFF', 'FFF']);
    const etag = first.headers.etag as string;
    const unchanged = await app.inject({ url: `/api/events/${eventId}/seat-map`, headers: { 'if-none-match': etag } });
    expect(unchanged.statusCode).toBe(304);

    const buyer = await signUp(app);
    const seatId = map.rows[0]!.first_id + 1;
    const booked = await app.inject({
      method: 'POST',
      url: '/api/bookings',
      headers: buyer.bearer,
      payload: { event_id: eventId, seat_ids: [seatId] },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const changed = await app.inject({
      url: `/api/events/${eventId}/seat-map?from_row=1&to_row=1`,
      headers: { 'if-none-match': etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json<{ rows: { status: string }[] }>().rows.map((row) => row.status)).toEqual(['FRFF']);
  });
});
