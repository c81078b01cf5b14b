import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

const BIN = new URL('../bin/sbor.js', import.meta.url).pathname;
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

function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr }).on('line', (line) => lines.push(line));
  return { child, lines, exited };
}

function logged(lines: string[], message: string): Record<string, unknown> | undefined {
  return lines
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((entry) => entry.msg === message);
}

describe('the sbor command', () => {
  it('stops a start with a bad variable, naming it in one line', async () => {
    const { lines, exited } = run(['serve'], { PORT: 'eighty' });
    expect(await exited).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^Invalid configuration: PORT: /) as unknown]);
  });

  it('applies migrations with `migrate`', async () => {
    const { lines, exited } = run(['migrate']);
    expect(await exited).toBe(0);
    expect(logged(lines, 'migrations applied') ?? logged(lines, 'database is up to date')).toBeDefined();
  });

  it('serves, then shuts down cleanly on SIGTERM', async () => {
    const { child, lines, exited } = run(['serve']);
    await expect.poll(() => logged(lines, 'sbor started'), { timeout: 30_000 }).toBeDefined();
    const address = logged(lines, 'sbor started')?.address as string;
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
    expect(logged(lines, 'sbor stopped')).toBeDefined();
  });
});
