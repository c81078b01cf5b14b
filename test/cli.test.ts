import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runSbor } from './support/sbor-process.ts';

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

const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runSbor(args, { ...env, ...extraEnv });

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
});
