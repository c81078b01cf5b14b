import { DomainError } from '../../platform/errors.ts';

/**
 * The event provider cannot be asked now: its circuit breaker is open (it failed repeatedly and
 * we stopped calling it for a while), or too many calls to it are waiting. A 503 problem at once,
 * with when to try again, instead of a request that hangs until a timeout.
 */
export class ProviderUnavailableError extends DomainError {
  constructor(reason: 'breaker-open' | 'busy', retryAfterSeconds: number) {
    super(
      'unavailable',
      'provider-unavailable',
      reason === 'breaker-open'
        ? 'The venue’s ticketing system is not answering; try again shortly.'
        : 'The venue’s ticketing system is busy; try again shortly.',
      { reason, retry_after_seconds: Math.max(1, retryAfterSeconds) },
    );
  }
}

/**
 * A call that got no usable answer: no connection, a timeout, or a status that means the provider
 * failed. Whether a change happened is unknown; whoever made it reads the state back.
 */
export class ProviderCallError extends DomainError {
  override name = 'ProviderCallError';
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super('unavailable', 'provider-failed', 'The venue’s ticketing system did not answer as expected; try again shortly.', {
      ...(status !== undefined ? { provider_status: status } : {}),
    });
    this.status = status;
    // The message above is for callers; the cause is for logs.
    this.cause = message;
  }
}

/** Reconciliation compares the mirror with the provider; with no mirror there is nothing to compare. */
export class MirrorEmptyError extends DomainError {
  constructor() {
    super('conflict', 'provider-mirror-empty', 'The mirror of the provider’s places is empty; preload it first.');
  }
}
