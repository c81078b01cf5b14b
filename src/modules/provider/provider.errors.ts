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
