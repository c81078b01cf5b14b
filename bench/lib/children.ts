import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Servers under test run in child processes so that they do not share an event loop with the load
 * generator (autocannon runs in the parent). With 2 cores this gives each side roughly one core.
 *
 * Protocol: the child prints one JSON line `{"address":"http://127.0.0.1:<port>"}` when it listens,
 * and stops when it gets SIGTERM or when its stdin closes. The stdin rule means a child also stops
 * when the parent dies without cleaning up (even on SIGKILL), because the pipe then closes.
 */
export interface Child {
  url: string;
  /** The child's process id (e.g. to read its CPU time from /proc). */
  pid: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
const START_TIMEOUT_MS = 120_000; // PGlite with migrations on a cold cache can take a while
const STOP_TIMEOUT_MS = 10_000;

export async function startChild(script: URL, args: string[] = []): Promise<Child> {
  // BENCH_CHILD_NODE_ARGS passes flags to the children's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, fileURLToPath(script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  try {
    const url = await readAddress(child);
    assertLoopback(url);
    return { url, pid: child.pid!, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

async function readAddress(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<string>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`child did not report an address within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        reject(new Error(`child exited before listening (code ${code}, signal ${signal})`));
      });
      lines.on('line', (line) => {
        const address = parseAddress(line);
        if (address) resolve(address);
        else process.stderr.write(`[child] ${line}\n`); // unexpected output: show it, don't swallow it
      });
    });
  } finally {
    clearTimeout(timer);
  }
}

function parseAddress(line: string): string | undefined {
  try {
    const parsed = JSON.parse(line) as { address?: unknown };
    return typeof parsed.address === 'string' ? parsed.address : undefined;
  } catch {
    return undefined;
  }
}

/** The harness only ever loads this machine. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) throw new Error(`refusing a non-loopback target: ${url}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin?.end();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Stops every child still running (the harness's finally block and signal handlers). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}
