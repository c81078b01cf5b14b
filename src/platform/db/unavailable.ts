/**
 * Whether an error means the database cannot be reached right now — it refuses connections, is
 * shutting down or starting up, or cut the connection — rather than that a statement is wrong.
 * The HTTP layer answers such errors 503 with Retry-After (a client may try again in a moment)
 * instead of 500 (a bug to report). Nothing else reaches a request's error handler with these
 * socket codes: the payment gateway's failures arrive as its own typed errors.
 */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);
/** SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
const MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /^Client has encountered a connection error/,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08'))) return true;
  return MESSAGES.some((pattern) => pattern.test(error.message));
}
