import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { accepts, findBinary } from '../../src/platform/process/local.ts';
import { freePort } from './ports.ts';

/** NATS_SERVER_BIN if set, else `nats-server` on PATH, else /usr/sbin; undefined when there is none. */
export function findNatsServerBinary(): string | undefined {
  return findBinary('nats-server', ['/usr/sbin/nats-server'], process.env.NATS_SERVER_BIN);
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  stop(): Promise<void>;
  /** Starts it again on the same port with the same JetStream store, as a restarted server. */
  restart(): Promise<void>;
  /** Stops it and removes the store directory if this helper created it. */
  dispose(): Promise<void>;
}

/**
 * A private JetStream server for one test file, so a test can stop and restart it without
 * touching the shared server on 4222.
 */
export async function startNatsServer(port?: number, storeDir?: string): Promise<NatsServer> {
  const binary = findNatsServerBinary();
  if (!binary) throw new Error('nats-server not found: set NATS_SERVER_BIN or put it on PATH');
  const executable = binary;
  const serverPort = port ?? (await freePort());
  const ownStore = storeDir === undefined;
  const store = storeDir ?? (await mkdtemp(join(tmpdir(), 'sbor-nats-')));
  let child: ChildProcess | undefined;
  // A worker that dies without afterAll must not leave the server running.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  async function start(): Promise<void> {
    const started = spawn(executable, ['-js', '-a', '127.0.0.1', '-p', String(serverPort), '-sd', store], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    started.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child = started;
    await waitForPort(serverPort, started, () => output);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const forced = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(forced);
  }

  await start();
  return {
    url: `nats://127.0.0.1:${serverPort}`,
    port: serverPort,
    storeDir: store,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async dispose() {
      await stop();
      process.off('exit', killOnExit);
      if (ownStore) await rm(store, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}:\n${output()}`);
    if (await accepts(port)) return;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`nats-server did not accept connections on ${port} within 15 s:\n${output()}`);
}
