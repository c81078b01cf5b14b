import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { inject } from 'vitest';

const BIN = new URL('../../bin/sbor.js', import.meta.url).pathname;

/** A `sbor` command running as its own process, as an operator starts it. */
export interface SborProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr, a line each. */
  lines: string[];
  /** What it printed on stdout alone, a line each. */
  stdout: string[];
  /** Its exit code once it has exited (null when a signal ended it). */
  exited: Promise<number | null>;
  /** The first JSON log entry with this message, if it was logged. */
  logged: (message: string) => Record<string, unknown> | undefined;
  /** Waits for a JSON log entry with this message; rejects if the process exits or the time runs out first. */
  waitFor: (message: string, timeoutMs?: number) => Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop: () => Promise<void>;
}

/** A JSON log line's entry; anything else it printed (a stack, an inspected object) is not one. */
function logEntry(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Starts `sbor ARGS` with its output piped to the test, never inherited: a process left behind by
 * a failed test must not hold the test runner's (or CI's) output open. Its pid is noted while it
 * runs, so the end of the test run kills it even when vitest stopped the worker that started it
 * (test/global-setup.ts). `stdin` is what it reads on its standard input.
 */
export function runSbor(args: string[], env: NodeJS.ProcessEnv, options: { stdin?: string } = {}): SborProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  // Without input its stdin ends at once, as /dev/null would. (A process that exits without
  // reading it makes the write fail with EPIPE, which is not the test's concern.)
  child.stdin.on('error', () => {});
  child.stdin.end(options.stdin ?? '');
  const pidFile = join(inject('childPidsDirectory'), String(child.pid));
  writeFileSync(pidFile, args.join(' '));
  const lines: string[] = [];
  const stdout: string[] = [];
  const listeners = new Set<() => void>();
  let closed = false;
  const onLine = (line: string) => {
    lines.push(line);
    for (const listener of listeners) listener();
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout.push(line);
    onLine(line);
  });
  createInterface({ input: child.stderr }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) =>
    // 'close', not 'exit': by then every line it printed has been read.
    child.once('close', (code) => {
      closed = true;
      rmSync(pidFile, { force: true });
      for (const listener of listeners) listener();
      resolve(code);
    }),
  );

  const logged = (message: string) => lines.map(logEntry).find((entry) => entry?.msg === message);

  return {
    child,
    lines,
    stdout,
    exited,
    logged,
    waitFor: (message, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        const check = () => {
          const entry = logged(message);
          if (entry) done(() => resolve(entry));
          else if (closed)
            done(() => reject(new Error(`sbor ${args.join(' ')} exited before "${message}":\n${lines.join('\n')}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`sbor ${args.join(' ')}: no "${message}" in ${timeoutMs} ms:\n${lines.join('\n')}`))),
          timeoutMs,
        );
        listeners.add(check);
        check();
      }),
    stop: async () => {
      if (closed) return;
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    },
  };
}

/** A real `sbor serve` process on a shared test database (no NATS, no rate limits); resolves with its address. */
export async function serveOn(databaseUrl: string): Promise<{ process: SborProcess; address: string }> {
  const started = runSbor(['serve'], {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    LOG_LEVEL: 'info',
    AUTH_RATE_LIMITS: 'off',
    SEAT_SELECT_RATE_LIMIT: 'off',
    NATS_URL: '',
  });
  return { process: started, address: (await started.waitFor('sbor started')).address as string };
}

/** One JSON request to a running process: its status and parsed body. */
export async function callJson(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
