import { availability, localDates, makeStudio } from '../lib/rentals.ts';
import type { Scenario } from '../lib/scenario.ts';

// Issue 19's quote target: the price of a slot with extras, broken down by band and extra. A
// weekday 17:00–19:00 crosses the day and evening bands, with one light kit per hour. Public (no
// auth). Compared to bare Fastify.

const request: Scenario['request'] = { path: '/api/halls/0/quote' };

export default {
  name: 'rentals.quote',
  description: 'GET /api/halls/:id/quote: a weekday 17:00–19:00 across two bands, with a light kit (public).',
  request,
  setup: async ({ url }) => {
    const studio = await makeStudio(url, 1, 'studio');
    const hallId = studio.hallIds[0]!;
    const { from, to } = localDates(2, 7);
    const week = await availability(url, hallId, from, to);
    // A weekday is open 09:00–23:00: 56 quarter hours, the 33rd starting at 17:00.
    const weekday = week.days.find((day) => day.slots.length === 56);
    if (!weekday) throw new Error('rentals.quote: no weekday in the coming week');
    const starts = weekday.slots[32]!.starts_at;
    const ends = weekday.slots[40]!.starts_at;
    request.path = `/api/halls/${String(hallId)}/quote?starts_at=${encodeURIComponent(starts)}&ends_at=${encodeURIComponent(ends)}&extras=${String(studio.lightKitId)}`;
  },
} satisfies Scenario;
