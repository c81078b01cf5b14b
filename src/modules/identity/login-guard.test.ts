import { describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_LIMITS, LoginGuard } from './login-guard.ts';

const MINUTE = 60_000;

/** A guard with the default limits on a clock the test moves by hand. */
function guardAt(start: number) {
  const clock = { now: start };
  return { clock, guard: new LoginGuard(DEFAULT_LOGIN_LIMITS, { now: () => clock.now }) };
}

function admitted(attempt: () => void): boolean {
  try {
    attempt();
    return true;
  } catch (error) {
    expect(error).toMatchObject({ code: 'too-many-attempts' });
    return false;
  }
}

describe('LoginGuard', () => {
  it('lets at most 60 attempts from one address through in any minute, also across a window boundary', () => {
    // The first attempt at :00 opened a fixed one-minute window; a burst just before it closes and
    // one just after it reopened got 119 attempts through in two seconds.
    const { clock, guard } = guardAt(1_700_000_000_000);
    let through = admitted(() => guard.countAttempt('login', '10.0.0.1')) ? 1 : 0;
    clock.now += MINUTE - 1_000;
    for (let attempt = 0; attempt < 100; attempt += 1) if (admitted(() => guard.countAttempt('login', '10.0.0.1'))) through += 1;
    clock.now += 1_500;
    for (let attempt = 0; attempt < 100; attempt += 1) if (admitted(() => guard.countAttempt('login', '10.0.0.1'))) through += 1;
    expect(through).toBeLessThanOrEqual(DEFAULT_LOGIN_LIMITS.perAddressPerMinute);
  });

  it('lets at most 10 password checks of one account from one address through in any 15 minutes', () => {
    const { clock, guard } = guardAt(1_700_000_000_000);
    let through = 0;
    for (const step of [0, 14 * MINUTE + 59_000, 1_000, 1_000]) {
      clock.now += step;
      for (let attempt = 0; attempt < 10; attempt += 1)
        if (admitted(() => guard.beginPasswordCheck('owner@example.test', '10.0.0.2'))) through += 1;
    }
    expect(through).toBe(DEFAULT_LOGIN_LIMITS.failuresPerAccountAndAddress);
    // The owner, from another address, is not locked out; a success there forgets its count.
    expect(admitted(() => guard.beginPasswordCheck('owner@example.test', '10.0.0.3'))).toBe(true);
    guard.recordSuccess('owner@example.test', '10.0.0.3');
  });

  it('admits attempts again once the window has slid past them', () => {
    const { clock, guard } = guardAt(1_700_000_000_000);
    for (let attempt = 0; attempt < 60; attempt += 1) guard.countAttempt('refresh', '10.0.0.4');
    expect(admitted(() => guard.countAttempt('refresh', '10.0.0.4'))).toBe(false);
    clock.now += MINUTE + 6_000;
    expect(admitted(() => guard.countAttempt('refresh', '10.0.0.4'))).toBe(true);
  });
});
