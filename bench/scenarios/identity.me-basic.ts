import { call, registerUser } from '../lib/fixtures.ts';
import type { Scenario } from '../lib/scenario.ts';

// HackLoad's clients send HTTP Basic on every call. The password is verified with argon2id once,
// then remembered for 60 s under an HMAC of the credentials; each request re-checks the account
// state from a 2 s cache and reads the user for the answer. The "vs scenario" column is the
// identity issue's criterion: at least 0.80× of the same read with a Bearer token.

/** The Authorization header is set by setup, once it has a user. */
const headers: Record<string, string> = {};

export default {
  name: 'identity.me-basic',
  description: 'GET /api/users/me with HTTP Basic (argon2id once, then a keyed cache); compared with identity.me-bearer.',
  request: { path: '/api/users/me', headers },
  compareTo: 'identity.me-bearer',
  setup: async ({ url }) => {
    const user = await registerUser(url, 'basic');
    headers.authorization = user.basic;
    // Verify the password once now, so the warm-up does not start with 100 concurrent argon2id
    // checks of the same credentials (the cache entry lives 60 s, longer than one measurement).
    await call(url, 'GET', '/api/users/me', undefined, user.basic);
  },
} satisfies Scenario;
