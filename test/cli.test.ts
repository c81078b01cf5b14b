import { request } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startService, type Service } from '../src/main.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runSbor } from './support/sbor-process.ts';
import { signIn, signUp } from './support/users.ts';

let dataDir: string;
let database: TestDatabase | undefined;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sbor-cli-'));
  // On PostgreSQL runs the command gets a fresh database of its own; otherwise PGlite files.
  database = process.env.TEST_DATABASE_URL ? await createTestDatabase() : undefined;
  env = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' };
  if (database?.url) env.DATABASE_URL = database.url;
  delete env.NATS_URL;
});
afterAll(async () => {
  await database?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, stdin?: string) =>
  runSbor(args, { ...env, ...extraEnv }, stdin === undefined ? {} : { stdin });

/** Runs `sbor ARGS` to its end: its exit code, its stdout, and everything it printed. */
async function runToEnd(args: string[], stdin?: string) {
  const { exited, stdout, lines } = run(args, { LOG_LEVEL: 'warn' }, stdin);
  const code = await exited;
  return { code, stdout, output: lines.join('\n') };
}

/**
 * The service in this process over the database the commands use, while `work` runs. On PGlite
 * the data directory belongs to one process at a time, so no command may run meanwhile.
 */
async function withService<T>(work: (service: Service) => Promise<T>): Promise<T> {
  const opened = database ?? (await openDatabase({ dataDir }));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMITS: 'off',
    ...(database?.url ? { DATABASE_URL: database.url } : {}),
  });
  const service = await startService(config, { database: opened, logger: pino({ level: 'silent' }), listen: false });
  try {
    return await work(service);
  } finally {
    await service.stop();
    if (!database) await opened.close();
  }
}

const usersPage = (service: Service, authorization: string) =>
  service.app.inject({ method: 'GET', url: '/api/admin/users', headers: { authorization } });

describe('the sbor command', () => {
  it('stops a start with a bad variable, naming it in one line', async () => {
    const { lines, exited } = run(['serve'], { PORT: 'eighty' });
    expect(await exited).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^Invalid configuration: PORT: /) as unknown]);
  });

  it('applies migrations with `migrate`', async () => {
    const { logged, exited } = run(['migrate']);
    expect(await exited).toBe(0);
    expect(logged('migrations applied') ?? logged('database is up to date')).toBeDefined();
  });

  it('serves, then shuts down cleanly on SIGTERM', async () => {
    const { child, logged, waitFor, exited } = run(['serve']);
    const address = (await waitFor('sbor started')).address as string;
    expect((await fetch(`${address}/readyz`)).status).toBe(200);

    // A request still uploading its body when SIGTERM arrives is in flight: it must be answered.
    const { hostname, port } = new URL(address);
    const inFlight = request({ hostname, port, method: 'POST', path: '/nope', headers: { 'content-type': 'application/json' } });
    const answered = new Promise<number | undefined>((resolve, reject) => {
      inFlight.on('response', (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      inFlight.on('error', reject);
    });
    inFlight.write('{"slow":');
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    inFlight.end('true}');
    expect(await answered).toBe(404);
    expect(await exited).toBe(0);
    expect(logged('sbor stopped')).toBeDefined();
  });

  it(
    'prints the OpenAPI document with `openapi`, with no server and none of the configured database or NATS',
    { timeout: 120_000 },
    async () => {
      const emptyDir = await mkdtemp(join(tmpdir(), 'sbor-openapi-'));
      try {
        const { exited, stdout } = run(['openapi'], {
          DATA_DIR: emptyDir,
          // Neither is reachable: the command must not need them.
          DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
          NATS_URL: 'nats://127.0.0.1:1',
          ROLES: 'api',
          PUBLIC_URL: 'https://tickets.example',
        });
        expect(await exited).toBe(0);
        const document = JSON.parse(stdout.join('\n')) as {
          openapi: string;
          servers: { url: string }[];
          paths: Record<string, unknown>;
        };
        expect(document.openapi).toBe('3.1.0');
        expect(document.servers).toEqual([{ url: 'https://tickets.example' }]);
        expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/events', '/api/bookings/{id}']));
        expect(await readdir(emptyDir)).toEqual([]);
      } finally {
        await rm(emptyDir, { recursive: true, force: true });
      }
    },
  );
});

describe('sbor admin', () => {
  const ROOT = 'Root@Example.test';
  let rootPassword: string;

  // Each command is its own process opening the database (a few seconds on PGlite); so are the checks.
  const SLOW = { timeout: 180_000 };

  it('creates the first admin without SQL: a generated password, printed once, signs in as an admin', SLOW, async () => {
    const created = await runToEnd(['admin', 'create', ROOT]);
    expect(created.code, created.output).toBe(0);
    expect(created.stdout).toHaveLength(1);
    rootPassword = created.stdout[0]!;
    expect(rootPassword).toMatch(/^[\w-]{24}$/);
    expect(created.output).toContain('Created admin root@example.test');

    const again = await runToEnd(['admin', 'create', 'root@example.test']);
    expect(again.code).toBe(1);
    expect(again.output).toContain('sbor admin promote root@example.test');
    expect(again.stdout).toEqual([]);

    await withService(async (service) => {
      const tokens = await signIn(service.app, 'root@example.test', rootPassword);
      const me = await service.app.inject({
        method: 'GET',
        url: '/api/users/me',
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(me.json()).toMatchObject({ email: 'root@example.test', role: 'admin', is_active: true });
      expect((await usersPage(service, `Bearer ${tokens.access_token}`)).statusCode).toBe(200);
    });
  });

  it('takes the password from stdin with --password-stdin, under the registration policy', SLOW, async () => {
    const weak = await runToEnd(['admin', 'create', 'second@example.test', '--password-stdin'], 'password\n');
    expect(weak.code).toBe(1);
    expect(weak.output).toContain('The password is one of the most common passwords');
    const made = await runToEnd(
      ['admin', 'create', 'second@example.test', '--password-stdin', '--first-name', 'Айгерим', '--surname', 'Ops'],
      'a passphrase from a vault\n',
    );
    expect(made.code, made.output).toBe(0);
    expect(made.stdout).toEqual([]);
    await withService(async (service) => {
      await signIn(service.app, 'second@example.test', 'a passphrase from a vault');
    });
  });

  it('promotes and demotes, never the last active admin, and existing tokens follow the role', SLOW, async () => {
    const { token, email } = await withService(async (service) => {
      const user = await signUp(service.app);
      const { access_token } = await signIn(service.app, user.email, user.password);
      expect((await usersPage(service, `Bearer ${access_token}`)).statusCode).toBe(403);
      return { token: `Bearer ${access_token}`, email: user.email };
    });

    const promoted = await runToEnd(['admin', 'promote', email]);
    expect(promoted.code, promoted.output).toBe(0);
    expect(promoted.output).toMatch(/is now an admin \(was user\)/);
    expect((await runToEnd(['admin', 'promote', email])).output).toContain('is already an admin; nothing changed');
    await withService(async (service) => {
      expect((await usersPage(service, token)).statusCode, 'the token issued before the promotion').toBe(200);
    });

    expect((await runToEnd(['admin', 'demote', email])).code).toBe(0);
    expect((await runToEnd(['admin', 'demote', 'second@example.test', '--to', 'organizer'])).output).toMatch(
      /is now an organizer \(was admin\)/,
    );
    const last = await runToEnd(['admin', 'demote', 'root@example.test']);
    expect(last.code).toBe(1);
    expect(last.output).toContain('root@example.test is the last active admin');
    const nobody = await runToEnd(['admin', 'promote', 'nobody@example.test']);
    expect(nobody.code).toBe(1);
    expect(nobody.output).toContain('sbor admin create nobody@example.test');
    expect((await runToEnd(['admin', 'frobnicate', email])).code).toBe(2);

    await withService(async (service) => {
      expect((await usersPage(service, token)).statusCode, 'the same token after the demotion').toBe(403);
      const { access_token } = await signIn(service.app, 'root@example.test', rootPassword);
      expect((await usersPage(service, `Bearer ${access_token}`)).statusCode).toBe(200);
      const listed = await usersPage(service, `Bearer ${access_token}`);
      const roles = Object.fromEntries(
        listed.json<{ items: { email: string; role: string }[] }>().items.map((user) => [user.email, user.role]),
      );
      expect(roles).toMatchObject({ 'root@example.test': 'admin', 'second@example.test': 'organizer', [email]: 'user' });
    });
  });
});
