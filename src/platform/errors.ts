/**
 * What kind of failure a domain error is. The HTTP error mapper turns the kind into a status code;
 * the domain itself never speaks HTTP.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'unprocessable'
  | 'rate-limited'
  | 'unavailable'
  /** A service we called (the payment gateway) answered badly: 502, mapped here once for every door. */
  | 'bad-gateway';

/** A readable message from anything thrown (a stack when there is one, for logs and dead letters). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/**
 * The one base class for errors a use case throws on purpose. `code` is a stable kebab-case slug
 * (`seat-taken`) that becomes the problem `type`; `details` become extension members.
 */
export class DomainError extends Error {
  override name = 'DomainError';

  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(kind: ErrorKind, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}
