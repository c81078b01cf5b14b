import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { DomainError, type ErrorKind } from '../errors.ts';
import { answerFor } from './access.ts';

/** Problem types are stable URIs under this base; docs/errors.md lists them. */
export const PROBLEM_TYPE_BASE = 'https://sbor.dev/problems/';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri', description: 'Stable identifier of the kind of problem.' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    request_id: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details.' },
);

export type Problem = Static<typeof ProblemSchema> & Record<string, unknown>;

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  'rate-limited': 429,
  unavailable: 503,
  'bad-gateway': 502,
};

/** What a 503 `database-unavailable` tells the client to wait (Retry-After), in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problemType(code: string): string {
  return PROBLEM_TYPE_BASE + code;
}

function problem(
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  // Extension members never overwrite the standard ones.
  return {
    ...extra,
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: request.url,
    request_id: request.id,
  };
}

/** Fastify's own client errors (bad JSON, wrong content type, too large, bad URL) by their error code. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_BAD_URL: 'malformed-url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri-too-long',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed-body',
};

/**
 * The one place that turns any thrown error into problem+json. Domain errors map by kind; schema
 * validation failures name each field; Fastify's client errors keep their status; everything
 * else is a 500 whose body says nothing about internals (the log has the stack, under the same
 * request id).
 */
export function toProblem(error: FastifyError | Error, request: FastifyRequest): Problem {
  if (error instanceof DomainError) {
    const answer = answerFor(error, request);
    return problem(request, STATUS_BY_KIND[answer.kind], answer.code, answer.message, answer.details);
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const location = fastifyError.validationContext ?? 'request';
    const errors = fastifyError.validation.map((issue) => {
      const missing = typeof issue.params.missingProperty === 'string' ? `/${issue.params.missingProperty}` : '';
      const extra = typeof issue.params.additionalProperty === 'string' ? `/${issue.params.additionalProperty}` : '';
      const field = `${location}${issue.instancePath}${missing}${extra}`;
      const message = extra ? 'is not a known property' : (issue.message ?? 'is invalid');
      return { field, message };
    });
    const detail = errors.map((issue) => `${issue.field} ${issue.message}`).join('; ');
    return problem(request, 400, 'validation-error', detail, { errors });
  }
  if (isDatabaseUnavailable(error)) {
    // A restart or failover of PostgreSQL: not a bug, and over in seconds (docs/operations.md).
    return problem(request, 503, 'database-unavailable', 'The database cannot be reached just now; try again shortly.', {
      retry_after: DATABASE_RETRY_AFTER_SECONDS,
    });
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = FASTIFY_CODES[fastifyError.code] ?? (status === 404 ? 'not-found' : 'bad-request');
    return problem(request, status, code, fastifyError.message);
  }
  return problem(
    request,
    500,
    'internal-error',
    `An unexpected error occurred. Quote request id ${request.id} when reporting it.`,
  );
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body);
}

export function notFoundProblem(request: FastifyRequest): Problem {
  return problem(request, 404, 'not-found', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`);
}

/**
 * The answer to a request Node's HTTP parser refused before Fastify saw it (headers over the
 * limit, a malformed request, a timeout), as raw HTTP: there is no request object to reply through.
 * Undefined when the connection is already gone.
 */
export function clientErrorAnswer(error: { code?: string }, requestId: string): string | undefined {
  if (error.code === 'ECONNRESET') return undefined;
  const [status, code, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'headers-too-large',
          'The request line and headers exceed the server’s limit (16 KiB); a long query string is the usual cause.',
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request-timeout', 'The request did not arrive in time.']
        : [400, 'malformed-request', 'The request is not valid HTTP.'];
  const title = TITLES[status] ?? 'Error';
  const body = JSON.stringify({ type: problemType(code), title, status, detail, request_id: requestId });
  return (
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`
  );
}
