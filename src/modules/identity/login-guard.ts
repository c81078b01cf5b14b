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
 * Each address also has a ceiling on attempts of any kind (login, register, refresh).
 */
export class LoginGuard {
  private readonly limiter = new RateLimiter();
  private readonly limits: LoginGuardLimits;

  constructor(limits: LoginGuardLimits = DEFAULT_LOGIN_LIMITS) {
    this.limits = limits;
  }

  /** Counts one attempt of `action` from `ip`; throws 429 past the per-address ceiling. */
  countAttempt(action: string, ip: string): void {
    if (!this.limits.enabled) return;
    const wait = this.limiter.hit(`${action}:${ip}`, this.limits.perAddressPerMinute, MINUTE);
    if (wait > 0) throw tooManyAttempts(wait);
  }

  assertAllowed(email: string, ip: string): void {
    if (!this.limits.enabled) return;
    const wait = this.limiter.check(`fail:${email}:${ip}`, this.limits.failuresPerAccountAndAddress, FAILURE_WINDOW);
    if (wait > 0) throw tooManyAttempts(wait);
  }

  recordFailure(email: string, ip: string): void {
    if (this.limits.enabled) this.limiter.hit(`fail:${email}:${ip}`, this.limits.failuresPerAccountAndAddress, FAILURE_WINDOW);
  }

  recordSuccess(email: string, ip: string): void {
    this.limiter.reset(`fail:${email}:${ip}`);
  }
}
