import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startCluster, type Cluster } from '../src/cluster.ts';
import { checkInvariants, verdict, type GatewayPayment, type InvariantResult } from './checker.ts';
import { Client } from './client.ts';
import { History } from './history.ts';
import { startPrivatePostgres, type PrivatePostgres } from './postgres.ts';
import { FAULTS, FULL, schedule, SHORT, type Durations, type Injection } from './scheduler.ts';
import { openShop, runBuyers } from './workload.ts';

export interface SuiteOptions {
  /** CI's short version (shorter outages, fewer buyers) or the full run. */
  short: boolean;
  /** First of ~60 ports for the cluster; the private PostgreSQL takes basePort + 70. */
  basePort: number;
  /** Where the history (JSON lines) goes; a directory made if missing. */
  outputDirectory: string;
  /** Only these faults, alone (for trying one). */
  only?: string[];
  /** How long to wait for the system to settle after the last fault. */
  settleMs?: number;
  onSpawn?: (pid: number, name: string) => void;
  log?: (line: string) => void;
}

export interface FaultCounts {
  fault: string;
  injections: number;
  operations: number;
  successes: number;
  cleanFailures: number;
  violations: number;
}

export interface SuiteReport {
  injections: Injection[];
  perFault: FaultCounts[];
  invariants: InvariantResult[];
  operations: number;
  settledAfterMs: number;
  historyFile: string;
  violations: number;
}

const MERCHANT = { PAYMENT_TERMINAL_KEY: 'sbor-sandbox', PAYMENT_PASSWORD: 'sandbox-password' };
const merchantAuth = `Basic ${Buffer.from(`${MERCHANT.PAYMENT_TERMINAL_KEY}:${MERCHANT.PAYMENT_PASSWORD}`).toString('base64')}`;

export async function runFaultSuite(options: SuiteOptions): Promise<SuiteReport> {
  const log = options.log ?? (() => undefined);
  const durations: Durations = options.short ? SHORT : FULL;
  await mkdir(options.outputDirectory, { recursive: true });
  const historyFile = join(options.outputDirectory, `history-${new Date().toISOString().replaceAll(':', '-')}.jsonl`);
  const history = new History(historyFile);
  let postgres: PrivatePostgres | undefined;
  let cluster: Cluster | undefined;
  let db: pg.Pool | undefined;
  const crashes: string[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await db?.end().catch(() => undefined);
      await cluster?.stop();
      postgres?.destroy();
      await history.close();
    })());
  // The cluster's processes run in process groups of their own and PostgreSQL as a daemon, so a
  // Ctrl-C reaches none of them: stop what was started before leaving.
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the cluster and PostgreSQL`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    log('starting a private PostgreSQL');
    postgres = startPrivatePostgres(options.basePort + 70);
    log('starting the cluster');
    cluster = await startCluster({
      apis: 2,
      basePort: options.basePort,
      postgresUrl: postgres.url,
      database: 'sbor_faults',
      env: {
        LOG_LEVEL: 'warn',
        AUTH_RATE_LIMITS: 'off',
        SEAT_SELECT_RATE_LIMIT: 'off',
        ACCESS_TOKEN_TTL_SECONDS: '7200',
        SANDBOX_FAULTS: 'on',
        SANDBOX_DELAY_MS: '50-200',
        PAYMENT_RECONCILE_INTERVAL_MS: '2000',
        EXPIRY_SWEEP_INTERVAL_MS: '1000',
        PAYMENT_WEBHOOK_SECRET: 'fault-suite-webhook-secret-0123456789',
        ...MERCHANT,
      },
      ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
      onOutput: (name, line) => {
        // Node ends the report of an uncaught exception with its version: that process crashed.
        if (/^Node\.js v\d+/.test(line)) crashes.push(`${name} died of an uncaught error (its log, ${history.now()} ms)`);
        history.note({ type: 'log', process: name, line: line.slice(0, 2000) });
      },
    });
    const gatewayBase = `${cluster.processes.find((started) => started.name === 'sandbox')!.url}/sandbox`;
    db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 4 });
    // The suite's own reads must outlive the PostgreSQL restart.
    db.on('error', () => undefined);
    const client = new Client(history);
    log('opening the shop');
    const shop = await openShop(client, cluster.url, cluster.databaseUrl, {
      buyers: options.short ? 6 : 24,
      seats: options.short ? 60 : 300,
      units: options.short ? 40 : 200,
      holdSeconds: options.short ? 10 : 20,
    });

    const waiters: (() => void)[] = [];
    const setGateway = async (switches: Record<string, unknown>) => {
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const answer = await fetch(`${gatewayBase}/faults`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: merchantAuth },
          body: JSON.stringify(switches),
          signal: AbortSignal.timeout(5_000),
        }).catch(() => undefined);
        if (answer?.ok) return;
        await sleep(500);
      }
      throw new Error(`could not set the gateway's switches ${JSON.stringify(switches)}`);
    };
    let stopWorkload!: () => void;
    const until = new Promise<void>((resolve) => (stopWorkload = resolve));
    log(`running ${shop.buyers.length} buyers`);
    const workload = runBuyers(shop, client, history, until, {
      onAuthorized: () => waiters.splice(0).forEach((wake) => wake()),
    });
    await sleep(options.short ? 2_000 : 10_000);
    const injections = await schedule(
      {
        cluster,
        postgres,
        db,
        history,
        durations,
        setGateway,
        restarting: new Map(),
        nextAuthorization: (timeoutMs) =>
          new Promise<void>((resolve) => {
            waiters.push(resolve);
            setTimeout(resolve, timeoutMs);
          }),
      },
      options.only,
    );
    log('faults done; buyers stop');
    stopWorkload();
    await workload;
    await setGateway({ dropWebhooks: false, webhookCopies: 1, webhookDelayMs: 0, down: false, answerDelayMs: 0 });

    // Settle: holds run out, reconciliation and refunds finish, the relay and consumers catch up.
    const settleStart = Date.now();
    const settleDeadline = settleStart + (options.settleMs ?? (options.short ? 50_000 : 180_000));
    const gatewayPayment = async (paymentId: string): Promise<GatewayPayment | undefined> => {
      const answer = await fetch(`${gatewayBase}/payments/${encodeURIComponent(paymentId)}`, {
        headers: { authorization: merchantAuth },
        signal: AbortSignal.timeout(10_000),
      });
      if (answer.status === 404) return undefined;
      if (!answer.ok) throw new Error(`the gateway answered ${answer.status} for ${paymentId}`);
      return (await answer.json()) as GatewayPayment;
    };
    let invariants: InvariantResult[] = [];
    for (;;) {
      const counts = await db.query<Record<string, number>>(
        `select (select count(*) from platform.outbox where published_at is null)::int as backlog,
                (select count(*) from payments.payments where status in ('NEW','FORM_SHOWED','AUTHORIZED'))::int as payments,
                (select count(*) from payments.refunds where status = 'PENDING')::int as refunds,
                (select count(*) from sales.bookings where status in ('CREATED','PENDING'))::int as holds,
                (select count(*) from notifications.source_events where processed_at is null)::int as messages,
                (select count(*) from notifications.deliveries where status in ('pending','sending'))::int as deliveries`,
      );
      const quiet = { rows: [{ open: Object.values(counts.rows[0]!).reduce((sum, n) => sum + n, 0), ...counts.rows[0] }] };
      history.note({ type: 'settling', ...quiet.rows[0] });
      if (quiet.rows[0]!.open === 0) {
        // Consumers are one step behind the relay: give them a moment, then read everything.
        await sleep(3_000);
        invariants = await checkInvariants({ db, shop, history, gatewayPayment });
        // The answers' verdicts never change; the state may still be catching up (consumers, refunds).
        if (invariants.every((result) => result.name === 'clean-answers' || result.violations.length === 0)) break;
      }
      if (Date.now() > settleDeadline) {
        if (invariants.length === 0) invariants = await checkInvariants({ db, shop, history, gatewayPayment });
        if (quiet.rows[0]!.open > 0)
          invariants.push({
            name: 'settled',
            what: 'the system settles (no open payments, holds, refunds, messages to write or send, or backlog) within the bound',
            checked: 1,
            violations: [`still open after ${Math.round((Date.now() - settleStart) / 1000)} s: ${quiet.rows[0]!.open} items`],
          });
        break;
      }
      await sleep(1_000);
    }
    const settledAfterMs = Date.now() - settleStart;
    // A fault may stop a process; it must not make one die by itself (the restart would hide it).
    invariants.push({
      name: 'no-crashes',
      what: 'no process died of an uncaught error (a fault is survived, not restarted away)',
      checked: cluster.processes.length,
      violations: crashes,
    });

    const perFault: FaultCounts[] = [...FAULTS.map((fault) => fault.name), 'none'].map((fault) => {
      const operations = history.operations.filter((operation) =>
        fault === 'none' ? operation.faults.length === 0 : operation.faults.includes(fault),
      );
      const verdicts = operations.map(verdict);
      return {
        fault,
        injections: injections.filter((injection) => injection.fault === fault).length,
        operations: operations.length,
        successes: verdicts.filter((judged) => judged.kind === 'success').length,
        cleanFailures: verdicts.filter((judged) => judged.kind === 'clean').length,
        violations: verdicts.filter((judged) => judged.kind === 'violation').length,
      };
    });
    const violations = invariants.reduce((sum, result) => sum + result.violations.length, 0);
    history.note({ type: 'report', perFault, invariants, settledAfterMs });
    return { injections, perFault, invariants, operations: history.operations.length, settledAfterMs, historyFile, violations };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanUp();
  }
}

/** The report as the terminal and docs/faults.md show it. */
export function formatReport(report: SuiteReport): string {
  const lines: string[] = [];
  const pad = (value: unknown, width: number) => String(value).padStart(width);
  lines.push('fault                    injected  operations  successes  clean failures  violations');
  for (const row of report.perFault) {
    lines.push(
      `${row.fault.padEnd(24)} ${pad(row.injections, 8)}  ${pad(row.operations, 10)}  ${pad(row.successes, 9)}  ${pad(row.cleanFailures, 14)}  ${pad(row.violations, 10)}`,
    );
  }
  lines.push('');
  lines.push('injections:');
  for (const injection of report.injections) {
    lines.push(
      `  ${injection.phase.padEnd(8)} ${injection.fault.padEnd(24)} ${pad(((injection.end - injection.start) / 1000).toFixed(1), 6)} s  ${JSON.stringify(injection.detail)}`,
    );
  }
  lines.push('');
  lines.push(
    `invariants (after settling ${(report.settledAfterMs / 1000).toFixed(1)} s; ${report.operations} operations recorded):`,
  );
  for (const result of report.invariants) {
    lines.push(
      `  ${result.violations.length === 0 ? 'ok  ' : 'FAIL'} ${result.name.padEnd(18)} checked ${pad(result.checked, 5)}  ${result.what}`,
    );
    for (const violation of result.violations.slice(0, 20)) lines.push(`         - ${violation}`);
    if (result.violations.length > 20) lines.push(`         … and ${result.violations.length - 20} more`);
  }
  lines.push('');
  lines.push(`${report.violations === 0 ? 'PASS' : 'FAIL'}: ${report.violations} violations. History: ${report.historyFile}`);
  return lines.join('\n');
}
