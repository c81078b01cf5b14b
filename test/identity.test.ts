import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Credentials } from '../src/modules/identity/index.ts';
import { startTestService, type TestService } from './support/service.ts';
import { basicHeader, expectOnlyOwnerCan, grantRole, signIn, signUp } from './support/users.ts';

let service: TestService;

beforeAll(async () => {
  service = await startTestService({ listen: true });
});
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const me = (headers: { authorization: string }) => inject({ method: 'GET', url: '/api/users/me', headers });

async function userRow(id: number) {
  const result = await sql<{
    password_hash: string;
    password_scheme: string;
    role: string;
    is_active: boolean;
  }>`select password_hash, password_scheme, role, is_active from identity.users where id = ${id}`.execute(service.database.db);
  return result.rows[0];
}

describe('POST /api/auth/register', () => {
  it('creates a user with the user role and a normalized email', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: 'Dana.K@Example.TEST', password: 'a long enough secret', first_name: 'Дана', surname: 'К' },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ email: 'dana.k@example.test', role: 'user', is_active: true, locale: 'ru' });
    expect(response.body).not.toContain('password');
  });

  it('refuses a second account with the same email in another case with 409', async () => {
    const payload = { email: 'twice@example.test', password: 'a long enough secret', first_name: 'A', surname: 'B' };
    expect((await inject({ method: 'POST', url: '/api/auth/register', payload })).statusCode).toBe(201);
    const again = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { ...payload, email: 'TWICE@example.test' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ type: 'https://sbor.dev/problems/email-taken' });
  });

  it.each([
    ['short1', 'at least 8 characters'],
    ['password123', 'most common passwords'],
  ])('refuses the password %s and says why', async (password, reason) => {
    const response = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: `weak-${password}@example.test`, password, first_name: 'A', surname: 'B' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      type: 'https://sbor.dev/problems/weak-password',
      errors: [{ field: 'body/password' }],
    });
    expect(response.json<{ detail: string }>().detail).toContain(reason);
    const stored = await sql`select 1 from identity.users where email = ${`weak-${password}@example.test`}`.execute(
      service.database.db,
    );
    expect(stored.rows).toHaveLength(0);
  });

  it('rejects a role smuggled into the body', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: 'sneaky@example.test', password: 'a long enough secret', first_name: 'A', surname: 'B', role: 'admin' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ errors: [{ field: 'body/role' }] });
  });
});

describe('signing in', () => {
  it('gives access and refresh tokens that open /api/users/me', async () => {
    const user = await signUp(service.app);
    const response = await me(user.bearer);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: user.id, email: user.email });
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const user = await signUp(service.app);
    const wrong = await inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: 'not the password' },
    });
    const unknown = await inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'nobody@example.test', password: 'whatever!' },
    });
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ type: 'https://sbor.dev/problems/invalid-credentials' });
      expect(response.headers['www-authenticate']).toContain('Bearer');
    }
  });

  it('needs credentials on a signed-in route and rejects a forged or altered token', async () => {
    const user = await signUp(service.app);
    expect((await inject({ method: 'GET', url: '/api/users/me' })).statusCode).toBe(401);
    const [header, payload, signature] = user.bearer.authorization.slice('Bearer '.length).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const altered = Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url');
    expect((await me({ authorization: `Bearer ${header}.${altered}.${signature}` })).statusCode).toBe(401);

    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT({ ver: 1 })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'forged', typ: 'at+jwt' })
      .setIssuer(service.config.publicUrl)
      .setAudience('sbor-api')
      .setSubject(String(user.id))
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await me({ authorization: `Bearer ${forged}` })).statusCode).toBe(401);
    expect((await me({ authorization: 'Bearer not-a-token' })).statusCode).toBe(401);
    const noneAlg = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect((await me({ authorization: `Bearer ${noneAlg}` })).statusCode).toBe(401);
  });

  it('refuses a token signed with the service key but carrying no expiry', async () => {
    const user = await signUp(service.app);
    const { rows } = await sql<{ kid: string; private_jwk: JWK }>`
      select kid, private_jwk from identity.signing_keys where retired_at is null order by created_at desc, kid limit 1
    `.execute(service.database.db);
    const { kid, private_jwk } = rows[0]!;
    const key = await importJWK(private_jwk, 'EdDSA');
    const claims = decodeJwt(user.bearer.authorization.slice('Bearer '.length));
    const sign = (expires: boolean) => {
      const token = new SignJWT({ ver: claims.ver })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
        .setIssuer(service.config.publicUrl)
        .setAudience('sbor-api')
        .setSubject(String(user.id))
        .setJti(crypto.randomUUID())
        .setIssuedAt();
      return (expires ? token.setExpirationTime('5m') : token).sign(key);
    };
    // The same token with an expiry is good: only the missing `exp` is refused.
    expect((await me({ authorization: `Bearer ${await sign(true)}` })).statusCode).toBe(200);
    const response = await me({ authorization: `Bearer ${await sign(false)}` });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ type: 'https://sbor.dev/problems/invalid-token' });
  });

  it('publishes the verification keys, so another process can check tokens by itself', async () => {
    const user = await signUp(service.app);
    const keys = createRemoteJWKSet(new URL(`${service.baseUrl}/.well-known/jwks.json`));
    const token = user.bearer.authorization.slice('Bearer '.length);
    const { payload, protectedHeader } = await jwtVerify(token, keys, {
      algorithms: ['EdDSA'],
      issuer: service.config.publicUrl,
      audience: 'sbor-api',
    });
    expect(payload.sub).toBe(String(user.id));
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload.exp! - payload.iat!).toBe(15 * 60);
  });
});

describe('refresh tokens', () => {
  const refresh = (token: string) => inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: token } });

  it('rotates: a refresh gives a new pair and the old refresh token no longer works', async () => {
    const user = await signUp(service.app);
    const first = await refresh(user.refreshToken);
    expect(first.statusCode).toBe(200);
    const pair = first.json<{ access_token: string; refresh_token: string }>();
    expect(pair.refresh_token).not.toBe(user.refreshToken);
    expect((await me({ authorization: `Bearer ${pair.access_token}` })).statusCode).toBe(200);
    expect((await refresh(pair.refresh_token)).statusCode).toBe(200);
  });

  it('revokes the whole family when a rotated token is presented again', async () => {
    const user = await signUp(service.app);
    const rotated = (await refresh(user.refreshToken)).json<{ refresh_token: string }>();
    const reuse = await refresh(user.refreshToken);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json()).toMatchObject({ type: 'https://sbor.dev/problems/refresh-token-reused' });
    // The descendant the thief or the victim holds is dead too.
    const descendant = await refresh(rotated.refresh_token);
    expect(descendant.statusCode).toBe(401);
  });

  it('lets exactly one of several concurrent refreshes with one token win', async () => {
    const user = await signUp(service.app);
    const results = await Promise.all(Array.from({ length: 8 }, () => refresh(user.refreshToken)));
    expect(results.filter((response) => response.statusCode === 200)).toHaveLength(1);
  });

  it('logs out by revoking the refresh token', async () => {
    const user = await signUp(service.app);
    const logout = await inject({ method: 'POST', url: '/api/auth/logout', payload: { refresh_token: user.refreshToken } });
    expect(logout.statusCode).toBe(204);
    expect((await refresh(user.refreshToken)).statusCode).toBe(401);
  });
});

describe('HTTP Basic (the HackLoad contract)', () => {
  it('verifies the password once when many requests with new credentials arrive together', async () => {
    const user = await signUp(service.app);
    const verify = vi.spyOn(Credentials.prototype as unknown as { verifyPassword: () => Promise<number> }, 'verifyPassword');
    try {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => service.app.inject({ method: 'GET', url: '/api/users/me', headers: user.basic })),
      );
      expect(responses.map((response) => response.statusCode)).toEqual(Array.from({ length: 50 }, () => 200));
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
  });

  it('accepts email:password on the same API', async () => {
    const user = await signUp(service.app);
    const response = await me(user.basic);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: user.id });
    expect((await me(user.basic)).statusCode).toBe(200);
    expect((await me(basicHeader(user.email, 'wrong password'))).statusCode).toBe(401);
  });

  it('stops accepting remembered credentials after a password change', async () => {
    const user = await signUp(service.app);
    expect((await me(user.basic)).statusCode).toBe(200);
    const change = await inject({
      method: 'POST',
      url: '/api/users/me/password',
      headers: user.bearer,
      payload: { current_password: user.password, new_password: 'a brand new secret' },
    });
    expect(change.statusCode).toBe(204);
    expect((await me(user.basic)).statusCode).toBe(401);
    expect((await me(user.bearer)).statusCode).toBe(401);
    expect((await me(basicHeader(user.email, 'a brand new secret'))).statusCode).toBe(200);
  });

  it('accepts an imported unsalted SHA-256 hash once and upgrades it to argon2id', async () => {
    const legacy = createHash('sha256').update('Imp0rted!pass').digest('hex');
    await sql`insert into identity.users (id, email, password_hash, password_scheme, first_name, surname)
      values (900001, 'legacy@fest.tix', ${legacy}, 'sha256-legacy', 'Айсұлтан', 'Талғат')`.execute(service.database.db);
    expect((await me(basicHeader('legacy@fest.tix', 'wrong'))).statusCode).toBe(401);
    expect((await userRow(900001))?.password_scheme).toBe('sha256-legacy');
    expect((await me(basicHeader('legacy@fest.tix', 'Imp0rted!pass'))).statusCode).toBe(200);
    const upgraded = await userRow(900001);
    expect(upgraded?.password_scheme).toBe('argon2id');
    expect(upgraded?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await signIn(service.app, 'legacy@fest.tix', 'Imp0rted!pass');
  });
});

describe('profile and roles', () => {
  it('edits the profile and keeps emails unique', async () => {
    const user = await signUp(service.app);
    const other = await signUp(service.app);
    const edit = await inject({
      method: 'PATCH',
      url: '/api/users/me',
      headers: user.bearer,
      payload: {
        phone: '+77011234567',
        telegram: '@aliya_t',
        locale: 'en',
        notification_preferences: { email: true, sms: true, in_app: false },
      },
    });
    expect(edit.statusCode).toBe(200);
    expect(edit.json()).toMatchObject({
      phone: '+77011234567',
      telegram: '@aliya_t',
      locale: 'en',
      notification_preferences: { sms: true },
    });
    const taken = await inject({
      method: 'PATCH',
      url: '/api/users/me',
      headers: user.bearer,
      payload: { email: other.email.toUpperCase() },
    });
    expect(taken.statusCode).toBe(409);
  });

  it('makes a user an organizer, idempotently', async () => {
    const user = await signUp(service.app);
    for (let time = 0; time < 2; time += 1) {
      const response = await inject({ method: 'POST', url: '/api/users/me/become-organizer', headers: user.bearer });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ role: 'organizer' });
    }
    expect((await me(user.bearer)).json()).toMatchObject({ role: 'organizer' });
  });

  it('keeps admin routes to admins', async () => {
    const user = await signUp(service.app);
    const list = await inject({ method: 'GET', url: '/api/admin/users', headers: user.bearer });
    expect(list.statusCode).toBe(403);
    const admin = await signUp(service.app);
    await grantRole(service.database, admin.id, 'admin');
    // The role is read from the account, not the token: the token issued before is now an admin's.
    const allowed = await inject({
      method: 'GET',
      url: `/api/admin/users?query=${encodeURIComponent(user.email)}`,
      headers: admin.bearer,
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json()).toMatchObject({ total: 1, items: [{ id: user.id }] });
  });

  it('lets no one but an admin change another account', async () => {
    const admin = await signUp(service.app);
    await grantRole(service.database, admin.id, 'admin');
    const victim = await signUp(service.app);
    const attacker = await signUp(service.app);
    await expectOnlyOwnerCan(
      service.app,
      { method: 'PATCH', url: `/api/admin/users/${victim.id}`, payload: { role: 'organizer' } },
      { owner: admin.bearer, other: attacker.bearer },
      () => userRow(victim.id),
    );
  });

  it('ends every session of a deactivated user and refuses their sign-in', async () => {
    const admin = await signUp(service.app);
    await grantRole(service.database, admin.id, 'admin');
    const user = await signUp(service.app);
    expect((await me(user.basic)).statusCode).toBe(200);
    const deactivate = await inject({
      method: 'PATCH',
      url: `/api/admin/users/${user.id}`,
      headers: admin.bearer,
      payload: { is_active: false },
    });
    expect(deactivate.statusCode).toBe(200);
    expect((await me(user.bearer)).statusCode).toBe(401);
    expect((await me(user.basic)).statusCode).toBe(401);
    const login = await inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: user.password },
    });
    expect(login.statusCode).toBe(401);
    expect(login.json()).toMatchObject({ type: 'https://sbor.dev/problems/account-inactive' });
    expect(
      (await inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: user.refreshToken } })).statusCode,
    ).toBe(401);
  });

  it('does not let an admin lock themselves out', async () => {
    const admin = await signUp(service.app);
    await grantRole(service.database, admin.id, 'admin');
    const response = await inject({
      method: 'PATCH',
      url: `/api/admin/users/${admin.id}`,
      headers: admin.bearer,
      payload: { is_active: false },
    });
    expect(response.statusCode).toBe(409);
  });
});

describe('rate limits', () => {
  let limited: TestService;
  beforeAll(async () => {
    limited = await startTestService({ env: { AUTH_RATE_LIMITS: 'on' } });
  });
  afterAll(async () => {
    await limited.stop();
  });

  it('slows guessing on one account from one address without locking the owner out elsewhere', async () => {
    const user = await signUp(limited.app);
    const attempt = (password: string, remoteAddress: string) =>
      limited.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password }, remoteAddress });
    for (let guess = 0; guess < 10; guess += 1) expect((await attempt(`guess ${guess}`, '10.9.9.9')).statusCode).toBe(401);
    const blocked = await attempt(user.password, '10.9.9.9');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.json()).toMatchObject({ type: 'https://sbor.dev/problems/too-many-attempts' });
    expect((await attempt(user.password, '10.1.1.1')).statusCode).toBe(200);
  });

  it('stops guesses sent all at once at the limit, not once they have all been checked', async () => {
    const user = await signUp(limited.app);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, guess) =>
        limited.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: user.email, password: `guess ${guess}` },
          remoteAddress: '10.6.6.6',
        }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
  });

  it('caps attempts per address', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 62; attempt += 1) {
      const response = await limited.app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        payload: { refresh_token: `nope-${attempt}` },
        remoteAddress: '10.7.7.7',
      });
      statuses.push(response.statusCode);
    }
    expect(statuses.slice(0, 60).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(60)).toEqual([429, 429]);
  });
});
