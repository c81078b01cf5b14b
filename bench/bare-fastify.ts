// baseline.bare-fastify: the HTTP ceiling on this machine. A Fastify 5 app with one JSON route,
// no hooks, no plugins, logger off. Whatever the service adds on top (request ids, metrics,
// schema serialization, swagger) shows up as the distance from this.
import Fastify from 'fastify';
import { announceAndServe } from './lib/child-side.ts';

const app = Fastify({ logger: false });
app.get('/', async () => ({ ok: true }));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
announceAndServe(address, () => app.close());
