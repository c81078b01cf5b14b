import { RateLimiter } from '../../platform/http/rate-limit.ts';
import { tooManyAttempts } from './identity.errors.ts';

export interface LoginGuardLimits {
  /** Attempts (login, register, refresh) per address per minute. */
  perAddressPerMinute: number;
  /** Failed passwords per account from one address per 15 minutes. */
  failuresPerAccountAndAddress: number;
  enabled: boolean;
}

export const DEFAULT_LOGIN_LIMITS: LoginGuardLimits = {
  perAddressPerMinute: 60,
  failuresPerAccountAndAddress: 10,
  enabled: true,
};

const MINUTE = 60_000;
const FAILURE_WINDOW = 15 * MINUTE;

/**
 * Brakes on guessing. Failures are counted per (account, address): an attacker guessing one
 * account is stopped at their address, while the owner, signing in from theirs, is not locked out.
 * Each address also has a ceiling on attempts of any kind (login, register, refresh). Both are
 * sliding windows (see RateLimiter): no minute, and no 15 minutes, ever lets more through.
 */
export class LoginGuard {
  private readonly limiter: RateLimiter;
  private readonly limits: LoginGuardLimits;

  constructor(limits: LoginGuardLimits = DEFAULT_LOGIN_LIMITS, options: { now?: () => number } = {}) {
    this.limits = limits;
    this.limiter = new RateLimiter(options);
  }

  /** Counts one attempt of `action` from `ip`; throws 429 past the per-address ceiling. */
  countAttempt(action: string, ip: string): void {
    if (!this.limits.enabled) return;
    const wait = this.limiter.hit(`${action}:${ip}`, this.limits.perAddressPerMinute, MINUTE);
    if (wait > 0) throw tooManyAttempts(wait);
  }

  /**
   * Counts a password check of `email` from `ip` before it runs; throws 429 past the limit. Counted
   * up front, not when it fails: checks take tens of milliseconds, and guesses sent all at once
   * would otherwise all start before the first failure was counted. A success forgets them.
   */
  beginPasswordCheck(email: string, ip: string): void {
    if (!this.limits.enabled) return;
    const wait = this.limiter.hit(`fail:${email}:${ip}`, this.limits.failuresPerAccountAndAddress, FAILURE_WINDOW);
    if (wait > 0) throw tooManyAttempts(wait);
  }

  recordSuccess(email: string, ip: string): void {
    this.limiter.reset(`fail:${email}:${ip}`);
  }
}
