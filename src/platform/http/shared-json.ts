import type { FastifyReply } from 'fastify';

export const JSON_UTF8 = 'application/json; charset=utf-8';

/**
 * For a route that answers with values shared between requests (cache hits): each value is
 * serialized once, with the route's response schema, and those bytes are used from then on. Per route,
 * since another route's schema could serialize the same value differently. Shared values must not
 * be mutated (the caches that hand them out say so too).
 */
export function sharedJsonSerializer(): (reply: FastifyReply, value: object) => Buffer {
  const serialized = new WeakMap<object, Buffer>();
  return (reply, value) => {
    let body = serialized.get(value);
    if (body === undefined) {
      // Kept as bytes: sending a string would encode it to UTF-8 again on every request.
      const text = reply.serialize(value);
      body = typeof text === 'string' ? Buffer.from(text) : Buffer.from(text as ArrayBuffer);
      serialized.set(value, body);
    }
    return body;
  };
}

/** Sends JSON already serialized to bytes (by the serializer above), past the route's typed reply. */
export function sendJsonBytes(reply: FastifyReply, body: Buffer): FastifyReply {
  return reply.type(JSON_UTF8).send(body);
}
