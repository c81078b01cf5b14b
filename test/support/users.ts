import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { App } from '../../src/platform/http/server.ts';
import type { Database } from '../../src/platform/db/database.ts';

export interface TestUser {
  id: number;
  email: string;
  password: string;
  /** Authorization headers as a browser app (Bearer) and as the HackLoad client (Basic) send them. */
  bearer: { authorization: string };
  basic: { authorization: string };
  refreshToken: string;
}

export function basicHeader(email: string, password: string): { authorization: string } {
  return { authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}` };
}

/** Registers and signs in a new user through the public API. */
export async function signUp(app: App, overrides: Record<string, unknown> = {}): Promise<TestUser> {
  const email = `user-${randomUUID()}@example.test`;
  const password = 'correct horse battery staple';
  const registered = await app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email, password, first_name: 'Алия', surname: 'Тестова', ...overrides },
  });
  expect(registered.statusCode, registered.body).toBe(201);
  const user = registered.json<{ id: number; email: string }>();
  const tokens = await signIn(app, user.email, (overrides.password as string | undefined) ?? password);
  return {
    id: user.id,
    email: user.email,
    password: (overrides.password as string | undefined) ?? password,
    bearer: { authorization: `Bearer ${tokens.access_token}` },
    basic: basicHeader(user.email, (overrides.password as string | undefined) ?? password),
    refreshToken: tokens.refresh_token,
  };
}

export async function signIn(
  app: App,
  email: string,
  password: string,
): Promise<{ access_token: string; refresh_token: string }> {
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  expect(login.statusCode, login.body).toBe(200);
  return login.json();
}

/** Gives a user a role directly in the database (a shortcut for tests; operators use `sbor admin`). */
export async function grantRole(database: Database, userId: number, role: 'user' | 'organizer' | 'admin'): Promise<void> {
  await sql`update identity.users set role = ${role} where id = ${userId}`.execute(database.db);
}

export interface OwnedRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  payload?: unknown;
}

/**
 * The broken-object-authorization check for one endpoint: a second user is refused (403 or 404)
 * and the observable state is byte-for-byte the same afterwards; the owner is let through.
 */
export async function expectOnlyOwnerCan(
  app: App,
  request: OwnedRequest,
  who: { owner: { authorization: string }; other: { authorization: string } },
  snapshot: () => Promise<unknown>,
): Promise<void> {
  const before = JSON.stringify(await snapshot());
  const refused = await app.inject({ ...request, payload: request.payload as string, headers: who.other });
  expect([403, 404], `${request.method} ${request.url} as another user: ${refused.body}`).toContain(refused.statusCode);
  expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.stringify(await snapshot()), 'nothing changed').toBe(before);
  const allowed = await app.inject({ ...request, payload: request.payload as string, headers: who.owner });
  expect(allowed.statusCode, `${request.method} ${request.url} as the owner: ${allowed.body}`).toBeLessThan(300);
}
