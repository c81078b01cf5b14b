import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { IdempotentResult } from '../db/idempotency.ts';

/** The header a creating route accepts to be retried safely (platform/db/idempotency.ts keeps the rule). */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Retry-safe creation: same key and body replay the answer.' }),
  ),
});

export function idempotencyKey(headers: { 'idempotency-key'?: string | string[] | undefined }): string | undefined {
  const key = headers['idempotency-key'];
  return Array.isArray(key) ? key[0] : key;
}

/** Sends a creation's answer, first or replayed (then with `idempotent-replayed: true`). */
export function sendIdempotent<T>(reply: FastifyReply, result: IdempotentResult<T>) {
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(result.statusCode).send(result.body);
}
