import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Cluster } from '../src/cluster.ts';
import type { History } from './history.ts';
import type { PrivatePostgres } from './postgres.ts';

/** How long each fault lasts, and which run together: the full run's (issue 21) or CI's shorter ones. */
export interface Durations {
  /** An api process, the worker, one NATS node: down this long before they are started again. */
  processDownMs: number;
  natsAllDownMs: number;
  gatewayDownMs: number;
  webhooksMs: number;
  postgresDownMs: number;
  /** Calm between two faults of the one-at-a-time phase. */
  gapMs: number;
  /** Faults injected together in the second phase, each group at once with small random offsets. */
  together: string[][];
  /**
   * Whether a fault waits for its killed process to be back before it ends (the full run), or
   * lets it start in the background while the next fault begins (CI, where a start takes ~20 s).
   */
  awaitRestarts: boolean;
}

export const FULL: Durations = {
  processDownMs: 10_000,
  natsAllDownMs: 60_000,
  gatewayDownMs: 30_000,
  webhooksMs: 20_000,
  postgresDownMs: 5_000,
  gapMs: 10_000,
  awaitRestarts: true,
  together: [
    ['api-kill', 'nats-node-kill', 'webhooks-duplicated'],
    ['worker-kill-issuance', 'postgres-restart', 'webhooks-reordered'],
    ['relay-kill', 'gateway-down', 'api-kill'],
    ['worker-kill-settlement', 'nats-all-down'],
  ],
};

export const SHORT: Durations = {
  processDownMs: 3_000,
  natsAllDownMs: 8_000,
  gatewayDownMs: 6_000,
  webhooksMs: 4_000,
  postgresDownMs: 3_000,
  gapMs: 1_000,
  awaitRestarts: false,
  together: [
    ['api-kill', 'nats-node-kill', 'webhooks-duplicated', 'postgres-restart'],
    ['worker-kill-issuance', 'relay-kill', 'gateway-down', 'webhooks-reordered'],
  ],
};

export interface FaultContext {
  cluster: Cluster;
  postgres: PrivatePostgres;
  /** The cluster's database (the relay's lease is read from it). */
  db: pg.Pool;
  history: History;
  durations: Durations;
  /** PUT {gateway}/faults with the merchant's credentials. */
  setGateway(switches: Record<string, unknown>): Promise<void>;
  /** Resolves at the next card the gateway authorizes (or after `timeoutMs`). */
  nextAuthorization(timeoutMs: number): Promise<void>;
  /** Restarts under way, by process name (the scheduler waits for them before the next phase). */
  restarting: Map<string, Promise<unknown>>;
}

/** One injection of a fault, as the report lists it. */
export interface Injection {
  fault: string;
  phase: 'alone' | 'together';
  start: number;
  end: number;
  detail: Record<string, unknown>;
}

export interface Fault {
  name: string;
  what: string;
  /** Injects the fault, holds it, heals it; returns what is worth reporting. */
  run(context: FaultContext): Promise<Record<string, unknown>>;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const names = (context: FaultContext, prefix: string) =>
  context.cluster.processes.map((started) => started.name).filter((name) => name.startsWith(prefix));

/** Starts a process again as a supervisor would (systemd's Restart=always): a start that fails (say, PostgreSQL is down) is tried again. */
async function restart(context: FaultContext, name: string): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await context.cluster.revive(name);
      return attempt;
    } catch (error) {
      if (attempt >= 15) throw error;
      await sleep(2_000);
    }
  }
}

/** Kills a process without warning, keeps it down, starts it again (in the background unless `awaitRestarts`). */
async function crash(context: FaultContext, name: string, downMs: number): Promise<Record<string, unknown>> {
  await context.restarting.get(name);
  await context.cluster.kill(name, 'SIGKILL');
  await sleep(downMs);
  return { process: name, downMs, ...(await restartAfter(context, name)) };
}

async function restartAfter(context: FaultContext, name: string): Promise<Record<string, unknown>> {
  const began = Date.now();
  const restarted = restart(context, name).then((starts) => {
    context.history.note({ type: 'restarted', process: name, ms: Date.now() - began, starts });
    return starts;
  });
  context.restarting.set(name, restarted);
  if (!context.durations.awaitRestarts) return { restart: 'in the background' };
  const starts = await restarted;
  return { restartMs: Date.now() - began, ...(starts > 1 ? { starts } : {}) };
}

async function leaseExpiry(db: pg.Pool): Promise<{ holder: string; expires: number } | undefined> {
  const rows = await db.query<{ holder: string; expires_at: Date }>(
    `select holder, expires_at from platform.leases where name = 'outbox-relay'`,
  );
  const row = rows.rows[0];
  return row ? { holder: row.holder, expires: row.expires_at.getTime() } : undefined;
}

/**
 * Which relay holds the lease: the lease names its holder's host and pid (`host:pid:uuid`). When no
 * relay process has that pid (an older holder), pausing one relay (SIGSTOP, 1.5 s) tells: the holder
 * renews on every tick, so its renewals stop exactly when it is the one paused. The pause alone
 * guessed wrong after a PostgreSQL restart, when the holder was backing off and renewed nothing.
 */
async function activeRelay(context: FaultContext): Promise<string> {
  const [first, second] = names(context, 'relay-');
  if (!first || !second) throw new Error('the cluster has no two relays');
  const pid = Number((await leaseExpiry(context.db))?.holder.split(':')[1]);
  const holder = context.cluster.processes.find(
    (candidate) => candidate.name.startsWith('relay-') && candidate.child.pid === pid,
  );
  if (holder) return holder.name;
  await context.cluster.kill(first, 'SIGSTOP');
  try {
    const before = await leaseExpiry(context.db);
    await sleep(1_500);
    const after = await leaseExpiry(context.db);
    return before && after && after.expires > before.expires ? second : first;
  } finally {
    await context.cluster.kill(first, 'SIGCONT');
  }
}

export const FAULTS: Fault[] = [
  {
    name: 'api-kill',
    what: 'SIGKILL of one api process while buyers are mid-request; started again after the down time',
    run: (context) => crash(context, pick(names(context, 'api-')), context.durations.processDownMs),
  },
  {
    name: 'worker-kill-issuance',
    what: 'SIGKILL of the worker right after a card is authorized (tickets being issued for the confirmation)',
    run: async (context) => {
      await context.nextAuthorization(10_000);
      await sleep(100 + Math.random() * 500);
      return crash(context, 'worker', context.durations.processDownMs);
    },
  },
  {
    name: 'worker-kill-settlement',
    what: 'webhooks dropped, so the worker’s reconciliation settles; SIGKILL of the worker after a card is authorized',
    run: async (context) => {
      await context.setGateway({ dropWebhooks: true });
      try {
        await context.nextAuthorization(10_000);
        await sleep(Math.random() * 2_000);
        return await crash(context, 'worker', context.durations.processDownMs);
      } finally {
        await context.setGateway({ dropWebhooks: false });
      }
    },
  },
  {
    name: 'relay-kill',
    what: 'SIGKILL of the relay holding the lease; the standby takes over when the lease runs out',
    run: async (context) => {
      await Promise.all(names(context, 'relay-').map((name) => context.restarting.get(name) ?? Promise.resolve()));
      const victim = await activeRelay(context);
      const before = await leaseExpiry(context.db);
      const killedAt = Date.now();
      await context.cluster.kill(victim, 'SIGKILL');
      let takeoverMs: number | undefined;
      while (Date.now() - killedAt < 30_000) {
        const now = await leaseExpiry(context.db).catch(() => undefined);
        if (now && now.holder !== before?.holder) {
          takeoverMs = Date.now() - killedAt;
          break;
        }
        await sleep(200);
      }
      return { process: victim, takeoverMs: takeoverMs ?? 'none within 30 s', ...(await restartAfter(context, victim)) };
    },
  },
  {
    name: 'nats-node-kill',
    what: 'SIGKILL of one of the three NATS nodes; the stream keeps two copies; started again',
    run: (context) => crash(context, pick(names(context, 'nats-')), context.durations.processDownMs),
  },
  {
    name: 'nats-all-down',
    what: 'SIGKILL of all three NATS nodes; all started again after the down time',
    run: async (context) => {
      const nodes = names(context, 'nats-');
      await Promise.all(nodes.map((name) => context.restarting.get(name) ?? Promise.resolve()));
      await Promise.all(nodes.map((name) => context.cluster.kill(name, 'SIGKILL')));
      await sleep(context.durations.natsAllDownMs);
      await Promise.all(nodes.map((name) => restart(context, name)));
      return { downMs: context.durations.natsAllDownMs };
    },
  },
  {
    name: 'gateway-down',
    what: 'the gateway process stopped (SIGSTOP: connections hang, nothing answers), then continued (SIGCONT)',
    run: async (context) => {
      await context.cluster.kill('sandbox', 'SIGSTOP');
      try {
        await sleep(context.durations.gatewayDownMs);
      } finally {
        await context.cluster.kill('sandbox', 'SIGCONT');
      }
      return { downMs: context.durations.gatewayDownMs };
    },
  },
  {
    name: 'webhooks-dropped',
    what: 'the gateway sends no webhooks (settlement by the return URL and reconciliation)',
    run: async (context) => {
      await context.setGateway({ dropWebhooks: true });
      await sleep(context.durations.webhooksMs);
      await context.setGateway({ dropWebhooks: false });
      return { ms: context.durations.webhooksMs };
    },
  },
  {
    name: 'webhooks-duplicated',
    what: 'every webhook delivered three times at once',
    run: async (context) => {
      await context.setGateway({ webhookCopies: 3 });
      await sleep(context.durations.webhooksMs);
      await context.setGateway({ webhookCopies: 1 });
      return { ms: context.durations.webhooksMs };
    },
  },
  {
    name: 'webhooks-reordered',
    what: 'webhook delay switched between 1.5 s and 0 every few hundred ms, so later webhooks overtake earlier ones',
    run: async (context) => {
      const until = Date.now() + context.durations.webhooksMs;
      let flips = 0;
      while (Date.now() < until) {
        await context.setGateway({ webhookDelayMs: flips % 2 === 0 ? 1_500 : 0 });
        flips += 1;
        await sleep(200 + Math.random() * 500);
      }
      await context.setGateway({ webhookDelayMs: 0 });
      return { flips };
    },
  },
  {
    name: 'postgres-restart',
    what: 'the suite’s private PostgreSQL stopped with a fast shutdown (every connection cut) and started again',
    run: async (context) => {
      const began = Date.now();
      context.postgres.stopFast();
      await sleep(context.durations.postgresDownMs);
      context.postgres.start();
      return { downMs: Date.now() - began };
    },
  },
];

/** Runs every fault alone, then the groups together; returns each injection with its window. */
export async function schedule(context: FaultContext, only?: string[]): Promise<Injection[]> {
  const injections: Injection[] = [];
  const inject = async (fault: Fault, phase: Injection['phase']) => {
    const start = context.history.now();
    context.history.active.add(fault.name);
    context.history.note({ type: 'fault-start', fault: fault.name, phase });
    let detail: Record<string, unknown>;
    try {
      detail = await fault.run(context);
    } catch (error) {
      detail = { error: String(error) };
    } finally {
      context.history.active.delete(fault.name);
    }
    const injection = { fault: fault.name, phase, start, end: context.history.now(), detail };
    context.history.note({ type: 'fault-end', ...injection });
    injections.push(injection);
  };
  // Alone, in an order where a process killed is not the next one's target (its start may still be under way).
  const order = [
    'api-kill',
    'worker-kill-issuance',
    'relay-kill',
    'nats-node-kill',
    'webhooks-dropped',
    'worker-kill-settlement',
    'nats-all-down',
    'gateway-down',
    'webhooks-duplicated',
    'webhooks-reordered',
    'postgres-restart',
  ];
  const chosen = FAULTS.filter((fault) => !only || only.includes(fault.name)).sort(
    (a, b) => order.indexOf(a.name) - order.indexOf(b.name),
  );
  for (const fault of chosen) {
    await inject(fault, 'alone');
    await sleep(context.durations.gapMs);
  }
  const settleRestarts = () => Promise.all([...context.restarting.values()]);
  await settleRestarts();
  if (only) return injections;
  for (const group of context.durations.together) {
    await Promise.all(
      group.map(async (name, index) => {
        await sleep(index * 500 + Math.random() * 1_000);
        await inject(
          FAULTS.find((fault) => fault.name === name)!,
          'together',
        );
      }),
    );
    await settleRestarts();
    await sleep(context.durations.gapMs);
  }
  return injections;
}
