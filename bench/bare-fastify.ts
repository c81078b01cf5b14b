// baseline.bare-fastify: the HTTP ceiling on this machine. A Fastify 5 app with one JSON route,
// no hooks, no plugins, logger off. Whatever the service adds on top (request ids, metrics,
// schema serialization, swagger) shows up as the distance from this.
import Fastify from 'fastify';
import { announceAndServe } from './lib/child-side.ts';

const app = Fastify({ logger: false });
app.get('/', async () => ({ ok: true }));

// baseline.bare-fastify-events-page: the same, answering what a search page weighs — 20 event
// summaries shaped like GET /api/events' (about 6 KB, Cyrillic titles) — so the cost of sending a
// real body is told apart from the service's own. Sent as bytes, as the service sends its cached
// pages: a string is encoded to UTF-8 on every request, which here cost bare Fastify about 40% of
// its throughput (28,000/s against 48,000/s) and made this baseline flatter the service.
const eventsPage = Buffer.from(
  JSON.stringify(
    Array.from({ length: 20 }, (_, index) => ({
      id: 100_000 + index * 7919,
      title: `Концерт группы «Красная шапочка» — большой тур ${String(index + 1)}`,
      type: 'concert',
      venue: 'Дворец Республики, Алматы',
      starts_at: '2024-12-25T13:00:00.000Z',
      timezone: 'Asia/Almaty',
      local_date: '2024-12-25',
      status: 'COMPLETED',
      organizer_id: null,
    })),
  ),
);
app.get('/events-page', (_request, reply) => reply.type('application/json; charset=utf-8').send(eventsPage));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
announceAndServe(address, () => app.close());
