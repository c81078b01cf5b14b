import { parseArgs } from 'node:util';
import { startCluster } from './cluster.ts';

/**
 * `sbor cluster [--api N] [--port P]`: starts the local cluster, prints where everything listens,
 * and stops everything it started on Ctrl-C or SIGTERM. Each process's output is printed with its
 * name in front (`api-1 | {…}`), so one terminal shows the whole system.
 */
export async function runClusterCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { api: { type: 'string', default: '2' }, port: { type: 'string', default: '8080' }, quiet: { type: 'boolean' } },
  });
  const apis = Number(values.api);
  const port = Number(values.port);
  if (!Number.isInteger(apis) || apis < 1 || apis > 16) throw new Error('--api: a whole number from 1 to 16');
  if (!Number.isInteger(port) || port < 1024 || port > 65_000) throw new Error('--port: a port from 1024 to 65000');
  const cluster = await startCluster({
    apis,
    basePort: port,
    ...(process.env.CLUSTER_POSTGRES_URL ? { postgresUrl: process.env.CLUSTER_POSTGRES_URL } : {}),
    onOutput: values.quiet ? undefined : (name, line) => process.stdout.write(`${name.padEnd(8)} | ${line}\n`),
  });
  const rows = cluster.processes.map((started) => `  ${started.name.padEnd(10)} ${started.url}  (pid ${started.child.pid})`);
  process.stdout.write(
    [
      '',
      `Sbor cluster: ${cluster.url} (nginx)`,
      ...rows,
      `  database   ${cluster.databaseUrl}`,
      '  health, readiness and metrics of each sbor process: <its url>/healthz, /readyz, /metrics',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  for (const started of cluster.processes) {
    // A process that dies is reported, not replaced: the cluster is also where faults are tried.
    started.child.once('exit', (code, signal) => {
      process.stdout.write(`${started.name} exited (${signal ?? `code ${code}`})\n`);
    });
  }
  const shutdown = () => {
    process.stdout.write('stopping the cluster…\n');
    cluster.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
