import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import pg from 'pg';
import { writeNginxConfig } from './cluster-nginx.ts';
import { accepts, findBinary } from './platform/process/local.ts';

const SBOR_BIN = new URL('../bin/sbor.js', import.meta.url).pathname;

export interface ClusterOptions {
  /** api processes behind nginx (default 2). */
  apis?: number;
  /** First port; everything else is numbered from it (default 8080: nginx 8080, api 8081…). */
  basePort?: number;
  /** An administrative URL of the machine's PostgreSQL (default postgres://postgres@127.0.0.1:5432/postgres). */
  postgresUrl?: string;
  /** The cluster's own database, created when missing (default sbor_cluster). */
  database?: string;
  /** Extra environment for every sbor process (e.g. LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  /** Told the pid of each process started (tests note them so a crashed test leaves none). */
  onSpawn?: (pid: number, name: string) => void;
  /** Where each process's output goes: a line with the process's name (default: dropped). */
  onOutput?: (name: string, line: string) => void;
}

export interface ClusterProcess {
  name: string;
  child: ChildProcess;
  /** Where it listens (HTTP or NATS), for the report. */
  url: string;
}

export interface Cluster {
  /** The load balancer: the address clients use. */
  url: string;
  databaseUrl: string;
  natsUrl: string;
  processes: ClusterProcess[];
  /**
   * Restarts one process as an operator would: SIGTERM (its drain), wait for the exit, start it
   * again with the same command and environment, and wait until it is ready (/readyz for sbor
   * processes). The new process replaces the old in `processes`.
   */
  restart(name: string): Promise<ClusterProcess>;
  /** Sends a signal to the named process (e.g. SIGKILL for a crash); resolves once it has exited when the signal ends it. */
  kill(name: string, signal: NodeJS.Signals): Promise<void>;
  /** Starts the named process again as it was first started (same ports, same NATS store) and waits until it accepts connections. */
  revive(name: string): Promise<ClusterProcess>;
  /** Stops everything it started (SIGTERM, SIGKILL after 10 s) and removes its temporary files. */
  stop(): Promise<void>;
}

/**
 * The whole system on one machine as an operator would run it: nginx in front of N api processes,
 * one worker, two relays (one publishes by the lease, the other waits for it), a three-node NATS
 * JetStream cluster with the stream in three copies, the sandbox gateway as its own process, and a
 * database of its own on the machine's PostgreSQL. Processes start in dependency order and each is
 * waited for before the next, so a failure names the process that failed.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const apis = options.apis ?? 2;
  const base = options.basePort ?? 8080;
  const nginx = findBinary('nginx', ['/usr/sbin/nginx']);
  const natsServer = findBinary('nats-server', ['/usr/sbin/nats-server'], process.env.NATS_SERVER_BIN);
  if (!nginx) throw new Error('nginx not found (Debian: apt-get install -y nginx)');
  if (!natsServer) throw new Error('nats-server not found: set NATS_SERVER_BIN or put it on PATH');

  const ports = {
    nginx: base,
    apis: Array.from({ length: apis }, (_, index) => base + 1 + index),
    worker: base + 20,
    relays: [base + 21, base + 22],
    sandbox: base + 30,
    natsClients: [base + 40, base + 41, base + 42],
    natsRoutes: [base + 50, base + 51, base + 52],
  };
  const directory = await mkdtemp(join(tmpdir(), 'sbor-cluster-'));
  const processes: ClusterProcess[] = [];
  /** How each was started, for restart and revive: the same command, arguments and environment. */
  const launches = new Map<string, { command: string; args: string[]; url: string; env: NodeJS.ProcessEnv }>();
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      // The reverse of the start: the entry first, so no new request arrives at a stopping process.
      for (const started of [...processes].reverse()) await terminate(started.child);
      await rm(directory, { recursive: true, force: true });
    })());

  const launch = (name: string, command: string, args: string[], url: string, env: NodeJS.ProcessEnv = {}) => {
    launches.set(name, { command, args, url, env });
    // Each in a process group of its own: Ctrl-C in the terminal reaches only the cluster command,
    // which then stops them in order (a server signalled twice would skip its drain).
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) options.onSpawn?.(child.pid, name);
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) options.onOutput?.(name, line);
      });
    }
    const started = { name, child, url };
    const previous = processes.findIndex((candidate) => candidate.name === name);
    if (previous === -1) processes.push(started);
    else processes[previous] = started;
    return started;
  };

  const restart = async (name: string): Promise<ClusterProcess> => {
    const running = processes.find((candidate) => candidate.name === name);
    const how = launches.get(name);
    if (!running || !how) throw new Error(`no cluster process named ${name}`);
    await terminate(running.child);
    const started = launch(name, how.command, how.args, how.url, how.env);
    if (how.args[1] === 'serve') await waitForReady(`${how.url}/readyz`, started.child, name);
    else await waitForPort(Number(new URL(how.url).port), started.child);
    return started;
  };
  const kill = async (name: string, signal: NodeJS.Signals) => {
    const target = processes.find((candidate) => candidate.name === name);
    if (!target) throw new Error(`no process named ${name}`);
    const { child } = target;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await exited;
  };
  const revive = async (name: string) => {
    const recipe = launches.get(name);
    if (!recipe) throw new Error(`no process named ${name}`);
    const running = processes.find((candidate) => candidate.name === name)?.child;
    if (running && running.exitCode === null && running.signalCode === null) throw new Error(`${name} is still running`);
    const started = launch(name, recipe.command, recipe.args, recipe.url, recipe.env);
    await waitForPort(Number(new URL(recipe.url).port), started.child, 60_000);
    return started;
  };

  try {
    const databaseUrl = await ensureDatabase(
      options.postgresUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      options.database ?? 'sbor_cluster',
    );

    const routes = ports.natsRoutes.map((port) => `nats://127.0.0.1:${port}`).join(',');
    for (const [index, port] of ports.natsClients.entries()) {
      const store = join(directory, `nats-${index + 1}`);
      await mkdir(store);
      const node = launch(
        `nats-${index + 1}`,
        natsServer,
        [
          ...['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store, '-n', `sbor-nats-${index + 1}`],
          ...['--cluster_name', 'sbor', '--cluster', `nats://127.0.0.1:${ports.natsRoutes[index]}`, '--routes', routes],
        ],
        `nats://127.0.0.1:${port}`,
      );
      await waitForPort(port, node.child);
    }
    const natsUrl = ports.natsClients.map((port) => `nats://127.0.0.1:${port}`).join(',');
    await waitForJetStream(natsUrl);

    const publicUrl = `http://127.0.0.1:${ports.nginx}`;
    const sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;
    const common: NodeJS.ProcessEnv = {
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl,
      NATS_STREAM_REPLICAS: '3',
      PUBLIC_URL: publicUrl,
      // The standalone gateway serves everything under /sandbox (its printed URL).
      PAYMENT_GATEWAY_URL: `${sandboxUrl}/sandbox/api/v1`,
      PAYMENT_TERMINAL_KEY: 'sbor-sandbox',
      PAYMENT_PASSWORD: 'sandbox-password',
      // An api process keeps answering 2 s after SIGTERM (not ready, closing its connections), so
      // nginx's kept-alive connections to it retire before it stops listening.
      SHUTDOWN_DRAIN_MS: '2000',
      ...options.env,
    };
    const sandbox = launch('sandbox', process.execPath, [SBOR_BIN, 'sandbox-gateway'], sandboxUrl, {
      ...common,
      SANDBOX_PORT: String(ports.sandbox),
      SANDBOX_DELAY_MS: common.SANDBOX_DELAY_MS ?? '50-200',
    });
    await waitForPort(ports.sandbox, sandbox.child);

    // Migrations once, before any server: the servers then find the schema current.
    const migrate = spawnSync(process.execPath, [SBOR_BIN, 'migrate'], { env: { ...process.env, ...common }, encoding: 'utf8' });
    if (migrate.status !== 0) throw new Error(`sbor migrate failed:\n${migrate.stdout}${migrate.stderr}`);

    const serve = (name: string, url: string, port: number, env: NodeJS.ProcessEnv) =>
      launch(name, process.execPath, [SBOR_BIN, 'serve'], url, { ...common, ...env, PORT: String(port) });
    type Role = { name: string; port: number; env: NodeJS.ProcessEnv };
    const workerRole: Role = { name: 'worker', port: ports.worker, env: { ROLES: 'worker', METRICS_PORT: String(ports.worker) } };
    const roles: Role[] = [
      ...ports.relays.map((port, index) => ({
        name: `relay-${index + 1}`,
        port,
        env: { ROLES: 'relay', METRICS_PORT: String(port) },
      })),
      ...ports.apis.map((port, index) => ({ name: `api-${index + 1}`, port, env: { ROLES: 'api' } })),
    ];
    // The worker first: it creates the replicated stream, which several processes creating it at
    // once only slow down. Then the rest together (each takes seconds to load), waited for in turn.
    const start = (role: Role) => serve(role.name, `http://127.0.0.1:${role.port}`, role.port, role.env);
    const worker = start(workerRole);
    await waitForReady(`${worker.url}/readyz`, worker.child, worker.name);
    const servers = roles.map(start);
    for (const server of servers) await waitForReady(`${server.url}/readyz`, server.child, server.name);

    const prefix = join(directory, 'nginx');
    await mkdir(prefix);
    const nginxConfig = await writeNginxConfig({
      prefix,
      listen: `127.0.0.1:${ports.nginx}`,
      apis: ports.apis.map((port) => `127.0.0.1:${port}`),
    });
    const checked = spawnSync(nginx, ['-t', '-q', '-p', prefix, '-c', nginxConfig], { encoding: 'utf8' });
    if (checked.status !== 0) throw new Error(`nginx -t refused the generated configuration:\n${checked.stderr}`);
    const balancer = launch('nginx', nginx, ['-p', prefix, '-c', nginxConfig], publicUrl);
    await waitForPort(ports.nginx, balancer.child);

    return { url: publicUrl, databaseUrl, natsUrl, processes, restart, kill, revive, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Creates the cluster's database on the machine's PostgreSQL unless it exists; returns its URL. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name "${name}" is not a plain identifier`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A new JetStream cluster answers API calls only once it has elected its meta leader. */
async function waitForJetStream(servers: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const nc = await natsConnect({ servers: servers.split(','), timeout: 2_000 }).catch((error: unknown) => {
      lastError = error;
      return undefined;
    });
    if (nc) {
      try {
        await (await jetstreamManager(nc, { timeout: 2_000 })).getAccountInfo();
        return;
      } catch (error) {
        lastError = error;
      } finally {
        await nc.close();
      }
    }
    await sleep(250);
  }
  throw new Error(`the NATS cluster did not elect a JetStream leader within 30 s: ${String(lastError)}`);
}

async function waitForReady(url: string, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited while starting`);
    const ready = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await sleep(200);
  }
  throw new Error(`${name} was not ready at ${url} within 60 s`);
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process on port ${port} exited while starting`);
    if (await accepts(port)) return;
    await sleep(100);
  }
  throw new Error(`nothing accepted connections on port ${port} within ${timeoutMs / 1000} s`);
}

/** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(forced);
}
