import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL of the fault suite's own: initdb into a temporary directory and `postgres -p <port>`
 * from the machine's installation (as the `postgres` user when run as root). The suite restarts it
 * with a fast shutdown, which it must never do to the machine's own server.
 */
export interface PrivatePostgres {
  /** The administrative URL (database `postgres`), for startCluster's `postgresUrl`. */
  url: string;
  port: number;
  /** `pg_ctl stop -m fast`: every connection is cut, transactions in flight roll back. */
  stopFast(): void;
  start(): void;
  /** Stops it and removes its directory. */
  destroy(): void;
}

function binDirectory(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL under ${root}`);
  return join(root, versions[0]!, 'bin');
}

export function startPrivatePostgres(port: number): PrivatePostgres {
  const bin = binDirectory();
  const asRoot = process.getuid?.() === 0;
  const run = (program: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, program);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: tmpdir() });
    if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  };
  const directory = mkdtempSync(join(tmpdir(), 'sbor-faults-pg-'));
  if (asRoot) chownSync(directory, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()), 0);
  const data = join(directory, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  // Durable as usual (fsync on) except synchronous_commit: the suite checks what the database
  // says after a fast shutdown, which flushes everything committed anyway.
  const options = [
    `-p ${port}`,
    `-k ${directory}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=300',
    '-c shared_buffers=64MB',
  ].join(' ');
  let running = false;
  const start = () => {
    run('pg_ctl', ['-D', data, '-l', join(directory, 'log'), '-o', options, '-w', '-t', '60', 'start']);
    running = true;
  };
  const stopFast = () => {
    if (!running) return;
    run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    running = false;
  };
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stopFast,
    start,
    destroy() {
      try {
        stopFast();
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}
