import { call, registerUser } from '../lib/fixtures.ts';
import type { Scenario } from '../lib/scenario.ts';

// The reference for identity.me-basic: the same read with a Bearer token. Per request: EdDSA
// verification of the JWT (no database), the account state from a 2 s cache, and one SELECT of the
// user for the answer. Access tokens live 15 minutes, longer than one measurement.

/** The Authorization header is set by setup, once it has a user. */
const headers: Record<string, string> = {};

export default {
  name: 'identity.me-bearer',
  description: 'GET /api/users/me with a Bearer access token (JWT verified locally, one SELECT of the user).',
  request: { path: '/api/users/me', headers },
  setup: async ({ url }) => {
    const user = await registerUser(url, 'bearer');
    const tokens = (await call(url, 'POST', '/api/auth/login', { email: user.email, password: user.password })) as {
      access_token: string;
    };
    headers.authorization = `Bearer ${tokens.access_token}`;
    await call(url, 'GET', '/api/users/me', undefined, headers.authorization);
  },
} satisfies Scenario;
