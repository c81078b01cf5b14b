import type { FastifyReply } from 'fastify';

/**
 * For a route that answers with values shared between requests (cache hits): each value is
 * serialized once, with the route's response schema, and the text is sent from then on. Per route,
 * since another route's schema could serialize the same value differently. Shared values must not
 * be mutated (the caches that hand them out say so too).
 */
export function sharedJsonSender(): (reply: FastifyReply, value: object) => FastifyReply {
  const serialized = new WeakMap<object, string | Buffer | ArrayBuffer>();
  return (reply, value) => {
    let body = serialized.get(value);
    if (body === undefined) {
      body = reply.serialize(value);
      serialized.set(value, body);
    }
    return reply.type('application/json; charset=utf-8').send(body);
  };
}
