import { call } from '../lib/fixtures.ts';
import { availability, localDates, makeStudio } from '../lib/rentals.ts';
import type { Scenario } from '../lib/scenario.ts';

// Issue 19's availability target: a month of a hall's quarter hours (31 local dates, ~1,700 slots),
// each free, held, booked, blocked, buffer or closed, with its UTC instant. Public (no auth). The
// hall is the demo studio's kind (09–23, a 15-minute buffer) with a rental on every weekday of the
// month, so the answer walks rentals and buffers as a real calendar does. Compared to bare Fastify.

const request: Scenario['request'] = { path: '/api/halls/0/availability' };

export default {
  name: 'rentals.availability-month',
  description: 'GET /api/halls/:id/availability for 31 local dates (public): one hall with ~25 rentals in the month.',
  request,
  setup: async ({ url }) => {
    const studio = await makeStudio(url, 1, 'studio');
    const hallId = studio.hallIds[0]!;
    const { from, to } = localDates(1, 31);
    const month = await availability(url, hallId, from, to);
    // One two-hour rental a day, at a different hour each day, wherever the hall is open.
    for (const [index, day] of month.days.entries()) {
      const first = day.slots[(index * 4) % Math.max(1, day.slots.length - 8)];
      if (!first) continue;
      const starts = new Date(first.starts_at);
      const body = { hall_id: hallId, starts_at: starts.toISOString(), ends_at: new Date(+starts + 7_200_000).toISOString() };
      await call(url, 'POST', '/api/rentals', body, studio.renter.basic, 201);
    }
    request.path = `/api/halls/${String(hallId)}/availability?from=${from}&to=${to}`;
  },
} satisfies Scenario;
