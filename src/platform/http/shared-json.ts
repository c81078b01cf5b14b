import type { FastifyReply } from 'fastify';

/**
 * For a route that answers with values shared between requests (cache hits): each value is
 * serialized once, with the route's response schema, and those bytes are sent from then on. Per route,
 * since another route's schema could serialize the same value differently. Shared values must not
 * be mutated (the caches that hand them out say so too).
 */
export function sharedJsonSender(): (reply: FastifyReply, value: object) => FastifyReply {
  const serialized = new WeakMap<object, string | Buffer | ArrayBuffer>();
  return (reply, value) => {
    let body = serialized.get(value);
    if (body === undefined) {
      // Kept as bytes: sending a string would encode it to UTF-8 again on every request.
      const text = reply.serialize(value);
      body = typeof text === 'string' ? Buffer.from(text) : text;
      serialized.set(value, body);
    }
    return reply.type('application/json; charset=utf-8').send(body);
  };
}
