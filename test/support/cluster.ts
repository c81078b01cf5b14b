import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { startCluster, type Cluster, type ClusterOptions } from '../../src/cluster.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { findNatsServerBinary } from './nats-server.ts';
import { freePort } from './ports.ts';

/** What a cluster test lacks to run here, named in its title when skipped; '' when it can run. */
export function clusterTestMissing(): string {
  if (!process.env.TEST_DATABASE_URL) return 'TEST_DATABASE_URL';
  if (spawnSync('sh', ['-c', 'command -v nginx || test -x /usr/sbin/nginx']).status !== 0)
    return 'nginx (apt-get install -y nginx)';
  if (!findNatsServerBinary()) return 'nats-server';
  return '';
}

export interface TestCluster {
  cluster: Cluster;
  database: TestDatabase;
  /** Every pid the cluster started, restarts included. */
  pids: number[];
  stop(): Promise<void>;
}

/**
 * A cluster on a fresh test database and a run of ~60 ports of its own. Every pid is noted in the
 * run's child-pid directory, so the end of the test run kills what a crashed test left
 * (test/global-setup.ts).
 */
export async function startTestCluster(
  options: Omit<ClusterOptions, 'basePort' | 'postgresUrl' | 'database'>,
): Promise<TestCluster> {
  const database = await createTestDatabase();
  const url = new URL(database.url!);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const pids: number[] = [];
  const cluster = await startCluster({
    ...options,
    // Below Linux's ephemeral ports (32768–60999), where an outgoing connection can take a port a
    // NATS node is about to listen on; one of 120 ranges, picked by a free port's number.
    basePort: 20_000 + ((await freePort()) % 120) * 100,
    postgresUrl: url.toString(),
    database: name,
    onSpawn: (pid, what) => {
      pids.push(pid);
      writeFileSync(join(inject('childPidsDirectory'), String(pid)), `cluster ${what}`);
      options.onSpawn?.(pid, what);
    },
  }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  return {
    cluster,
    database,
    pids,
    stop: async () => {
      await cluster.stop();
      for (const pid of pids) rmSync(join(inject('childPidsDirectory'), String(pid)), { force: true });
      await database.close();
    },
  };
}
