import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const BIN = new URL('../../bin/sbor.js', import.meta.url).pathname;

/** A `sbor` command running as its own process, as an operator starts it. */
export interface SborProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr, a line each. */
  lines: string[];
  /** Its exit code once it has exited (null when a signal ended it). */
  exited: Promise<number | null>;
  /** The first JSON log entry with this message, if it was logged. */
  logged: (message: string) => Record<string, unknown> | undefined;
  /** Waits for a JSON log entry with this message; rejects if the process exits or the time runs out first. */
  waitFor: (message: string, timeoutMs?: number) => Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop: () => Promise<void>;
}

/**
 * Starts `sbor ARGS` with its output piped to the test, never inherited: a process left behind
 * by a failed test must not hold the test runner's (or CI's) output open. It is also killed when
 * the test worker exits, whether or not the test's own clean-up ran.
 */
export function runSbor(args: string[], env: NodeJS.ProcessEnv): SborProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let closed = false;
  const onLine = (line: string) => {
    lines.push(line);
    for (const listener of listeners) listener();
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) =>
    // 'close', not 'exit': by then every line it printed has been read.
    child.once('close', (code) => {
      closed = true;
      process.off('exit', killOnExit);
      for (const listener of listeners) listener();
      resolve(code);
    }),
  );

  const logged = (message: string) =>
    lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === message);

  return {
    child,
    lines,
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
