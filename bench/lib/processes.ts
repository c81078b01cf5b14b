import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * A `bin/sbor.js` command as its own process (the service, the provider simulator), found ready by
 * the JSON log line that carries `message`; the line's `field` is its address. Its stderr is shown.
 */
export async function startSborCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: { message: string; field: 'url' | 'address' },
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['bin/sbor.js', ...args], {
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line.includes(ready.message)) continue;
    const url = (JSON.parse(line) as Record<string, unknown>)[ready.field];
    if (typeof url !== 'string') throw new Error(`sbor ${args.join(' ')}: no ${ready.field} in "${line}"`);
    child.stdout.resume(); // keep draining its log so a full pipe never blocks it
    return { url, child, stop };
  }
  throw new Error(`sbor ${args.join(' ')} exited before "${ready.message}"`);
}

/** HackLoad's provider as its own process, as in production it is another machine. */
export function startProviderSimulator(env: NodeJS.ProcessEnv = {}) {
  return startSborCommand(
    ['provider-simulator'],
    { PROVIDER_SIM_PORT: '0', ...env },
    {
      message: 'provider simulator listening',
      field: 'url',
    },
  );
}

/** Runs `total` calls with `inFlight` at once; answers calls per second. */
export async function callRate(total: number, inFlight: number, call: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) await call(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}
