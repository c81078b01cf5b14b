import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_LIMITS, startSandboxServer } from '../src/modules/payments/index.ts';
import { startTestService, type TestService } from './support/service.ts';
import { basicHeader, grantRole, signUp, type TestUser } from './support/users.ts';

// The sandbox's test switches (issue 17, item 7): `{"webhookCopies": 1000000000}` from anyone once
// ran the process out of memory, and `{"down": true}` stopped payments for everyone.
const DEFAULTS = { dropWebhooks: false, webhookDelayMs: 0, webhookCopies: 1, down: false, answerDelayMs: 0 };
const MERCHANT = { teamSlug: 'switch-shop', password: 'switch-password' };
const problemType = (code: string) => `https://sbor.dev/problems/${code}`;

describe('the embedded sandbox’s switches', () => {
  let on: TestService;
  let off: TestService;
  let admin: TestUser;
  let user: TestUser;
  let offAdmin: TestUser;

  beforeAll(async () => {
    [on, off] = await Promise.all([startTestService({ env: { SANDBOX_FAULTS: 'on' } }), startTestService()]);
    [admin, user, offAdmin] = await Promise.all([signUp(on.app), signUp(on.app), signUp(off.app)]);
    await Promise.all([grantRole(on.database, admin.id, 'admin'), grantRole(off.database, offAdmin.id, 'admin')]);
  });
  afterAll(async () => {
    await Promise.all([on.stop(), off.stop()]);
  });

  const putFaults = (service: TestService, body: unknown, headers: Record<string, string> = {}) =>
    service.app.inject({ method: 'PUT', url: '/sandbox/faults', headers, payload: body as Record<string, unknown> });

  it('refuses an anonymous caller and a non-admin, and changes nothing', async () => {
    const anonymous = await putFaults(on, { webhookCopies: 1_000_000_000 });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ type: problemType('unauthenticated') });
    const down = await putFaults(on, { down: true }, user.bearer);
    expect(down.statusCode).toBe(403);
    expect(down.json()).toMatchObject({ type: problemType('forbidden') });
    expect((await on.app.inject({ method: 'GET', url: '/sandbox/faults' })).statusCode).toBe(401);
    expect((await on.app.inject({ method: 'GET', url: '/sandbox/payments/sbx_anything' })).statusCode).toBe(401);
    expect(on.payments.sandbox?.faults).toEqual(DEFAULTS);
  });

  it('lets an admin flip them when SANDBOX_FAULTS=on', async () => {
    try {
      const flipped = await putFaults(on, { webhookCopies: FAULT_LIMITS.webhookCopies, down: true }, admin.bearer);
      expect(flipped.statusCode, flipped.body).toBe(200);
      expect(flipped.json()).toEqual({ ...DEFAULTS, webhookCopies: FAULT_LIMITS.webhookCopies, down: true });
      const read = await on.app.inject({ method: 'GET', url: '/sandbox/faults', headers: admin.bearer });
      expect(read.json()).toMatchObject({ down: true });
      const payment = await on.app.inject({ method: 'GET', url: '/sandbox/payments/sbx_unknown', headers: admin.bearer });
      expect(payment.statusCode).toBe(404);
    } finally {
      on.payments.sandbox?.setFaults(DEFAULTS);
    }
  });

  it('refuses values out of bounds with a 400 problem naming the field', async () => {
    for (const [body, field] of [
      [{ webhookCopies: 1_000_000_000 }, 'body/webhookCopies'],
      [{ webhookCopies: FAULT_LIMITS.webhookCopies + 1 }, 'body/webhookCopies'],
      [{ webhookCopies: 0 }, 'body/webhookCopies'],
      [{ webhookDelayMs: FAULT_LIMITS.webhookDelayMs + 1 }, 'body/webhookDelayMs'],
      [{ webhookDelayMs: -1 }, 'body/webhookDelayMs'],
      [{ down: 'yes' }, 'body/down'],
      [{ explode: true }, 'body/explode'],
    ] as const) {
      const refused = await putFaults(on, body, admin.bearer);
      expect(refused.statusCode, JSON.stringify(body)).toBe(400);
      expect(refused.json()).toMatchObject({
        type: problemType('validation-error'),
        errors: [expect.objectContaining({ field }) as unknown],
      });
    }
    expect(on.payments.sandbox?.faults).toEqual(DEFAULTS);
  });

  it('is off for everyone, admins included, unless SANDBOX_FAULTS=on', async () => {
    expect((await putFaults(off, { down: true })).statusCode).toBe(401);
    for (const request of [
      { method: 'PUT' as const, url: '/sandbox/faults', payload: { down: true } },
      { method: 'GET' as const, url: '/sandbox/faults' },
      { method: 'GET' as const, url: '/sandbox/payments/sbx_anything' },
    ]) {
      const refused = await off.app.inject({ ...request, headers: offAdmin.bearer });
      expect(refused.statusCode, `${request.method} ${request.url}`).toBe(403);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.json()).toMatchObject({ type: problemType('sandbox-switches-off') });
    }
    expect(off.payments.sandbox?.faults).toEqual(DEFAULTS);
  });
});

describe('the standalone sandbox gateway’s switches', () => {
  const start = (faults: boolean) =>
    startSandboxServer({
      ...MERCHANT,
      port: 0,
      host: '127.0.0.1',
      webhookSecret: undefined,
      delayMs: { min: 1, max: 1 },
      logger: pino({ level: 'silent' }),
      faults,
    });
  const merchant = basicHeader(MERCHANT.teamSlug, MERCHANT.password);
  const put = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('takes the merchant’s credentials when SANDBOX_FAULTS=on, within bounds', async () => {
    const gateway = await start(true);
    try {
      const anonymous = await put(gateway.url, { webhookCopies: 1_000_000_000 });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect((await put(gateway.url, { down: true }, basicHeader(MERCHANT.teamSlug, 'not-the-password'))).status).toBe(401);
      expect((await fetch(`${gateway.url}/payments/sbx_anything`)).status).toBe(401);
      expect(gateway.sandbox.faults).toEqual(DEFAULTS);

      const flipped = await put(gateway.url, { webhookCopies: 3 }, merchant);
      expect(flipped.status).toBe(200);
      expect(await flipped.json()).toEqual({ ...DEFAULTS, webhookCopies: 3 });
      const tooMany = await put(gateway.url, { webhookCopies: 1_000_000_000 }, merchant);
      expect(tooMany.status).toBe(400);
      expect(await tooMany.json()).toMatchObject({ type: problemType('validation-error') });
      expect((await put(gateway.url, { surprise: 1 }, merchant)).status).toBe(400);
      expect(gateway.sandbox.faults).toEqual({ ...DEFAULTS, webhookCopies: 3 });
    } finally {
      await gateway.close();
    }
  });

  it('is off, for the merchant too, unless SANDBOX_FAULTS=on', async () => {
    const gateway = await start(false);
    try {
      const refused = await put(gateway.url, { down: true }, merchant);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ type: problemType('sandbox-switches-off') });
      expect((await fetch(`${gateway.url}/payments/sbx_anything`, { headers: merchant })).status).toBe(403);
      expect(gateway.sandbox.faults).toEqual(DEFAULTS);
    } finally {
      await gateway.close();
    }
  });
});
