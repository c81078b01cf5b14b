import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import type { JobsTables } from './jobs.tables.ts';

/** A one-off job's work. It runs inside the transaction that deletes the job: done exactly once. */
export type JobHandler = (payload: unknown, trx: Transaction<object>) => Promise<void>;

/** A periodic job's work. It gets the database and opens its own (short) transactions. */
export type PeriodicHandler = (db: Kysely<object>) => Promise<void>;

export const MAX_JOB_ATTEMPTS = 10;

export interface ScheduleOptions {
  /** When to run; default now. */
  runAt?: Date;
  delayMs?: number;
  /** At most one pending job per (name, dedupeKey): scheduling the same again is a no-op. */
  dedupeKey?: string;
}

/**
 * Schedules a one-off job. Pass the use case's transaction so the job exists only if the change
 * that needs it committed.
 */
export async function scheduleJob<Tables>(
  database: Kysely<Tables>,
  name: string,
  payload: unknown,
  options: ScheduleOptions = {},
): Promise<void> {
  // Any module's (narrowed) transaction: the jobs table is reached through the same connection.
  const db = database as unknown as Kysely<object>;
  const runAt = options.runAt
    ? sql<Date>`${options.runAt.toISOString()}::timestamptz`
    : sql<Date>`now() + make_interval(secs => ${(options.delayMs ?? 0) / 1000})`;
  await db
    .$extendTables<JobsTables>()
    .insertInto('platform.jobs')
    .values({ name, payload: JSON.stringify(payload ?? null), dedupe_key: options.dedupeKey ?? null, run_at: runAt })
    .onConflict((conflict) =>
      conflict.columns(['name', 'dedupe_key']).where('dedupe_key', 'is not', null).where('failed_at', 'is', null).doNothing(),
    )
    .execute();
}

/**
 * Runs periodic and one-off jobs stored in PostgreSQL, safely from several processes at once:
 * - a periodic job's next run is claimed by one conditional UPDATE, so exactly one instance runs
 *   each period, and the schedule survives restarts because it lives in the table;
 * - a one-off job is taken with FOR UPDATE SKIP LOCKED and deleted in the transaction its handler
 *   runs in, so its effects and its completion commit together. A crash rolls both back and the
 *   job runs again; a failure is recorded, retried with backoff and parked after MAX_JOB_ATTEMPTS.
 */
export class JobRunner {
  readonly instanceId = randomUUID();
  private readonly periodic = new Map<string, { everyMs: number; run: PeriodicHandler }>();
  private readonly handlers = new Map<string, JobHandler>();
  private readonly jobs: Kysely<JobsTables>;
  /** One timer per lane: each periodic job, and the one-off jobs. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** What each lane has in hand, so stop() waits for it. */
  private readonly inHand = new Map<string, Promise<unknown>>();
  private current: Promise<void> = Promise.resolve();
  private stopped = true;

  private readonly db: Kysely<object>;
  private readonly logger: Logger;
  private readonly options: { intervalMs: number };

  constructor(db: Kysely<object>, logger: Logger, options: { intervalMs: number }) {
    this.db = db;
    this.logger = logger;
    this.options = options;
    this.jobs = db.$extendTables<JobsTables>();
  }

  definePeriodic(name: string, everyMs: number, run: PeriodicHandler): void {
    this.periodic.set(name, { everyMs, run });
  }

  defineJob(name: string, handler: JobHandler): void {
    this.handlers.set(name, handler);
  }

  /**
   * Each periodic job runs in a lane of its own, and the one-off jobs in another: a long run of one
   * (a backlog of messages to send) never delays another (holds expiring at their second, sagas).
   */
  async start(): Promise<void> {
    for (const name of this.periodic.keys()) {
      await this.jobs
        .insertInto('platform.periodic_jobs')
        .values({ name, next_run_at: sql<Date>`now()` })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .execute();
    }
    this.stopped = false;
    for (const [name, job] of this.periodic) {
      this.lane(`periodic:${name}`, async () => {
        if (await this.claimPeriodicRun(name, job.everyMs)) await this.runPeriodic(name, job.run);
      });
    }
    this.lane('one-off', async () => {
      for (let taken = 0; taken < 100 && (await this.runOneJob()); taken += 1);
    });
  }

  /** Stops taking new work and waits for the work in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([this.current, ...this.inHand.values()]);
  }

  /** One pass: every periodic job that is due, then one-off jobs until none is due (tests drive it). */
  async runDue(): Promise<void> {
    const pass = this.current.then(() => this.runPass());
    this.current = pass.catch(() => undefined);
    return pass;
  }

  /** Runs `pass` now and then every intervalMs after it ends, until stopped. */
  private lane(name: string, pass: () => Promise<void>): void {
    const tick = () => {
      if (this.stopped) return;
      const run = pass()
        .catch((error: unknown) => this.logger.error({ err: error, lane: name }, 'job runner pass failed'))
        .finally(() => {
          this.inHand.delete(name);
          if (!this.stopped) this.timers.set(name, setTimeout(tick, this.options.intervalMs));
        });
      this.inHand.set(name, run);
    };
    this.timers.set(name, setTimeout(tick, 0));
  }

  private async runPass(): Promise<void> {
    for (const [name, job] of this.periodic) {
      if (await this.claimPeriodicRun(name, job.everyMs)) await this.runPeriodic(name, job.run);
    }
    // Bounded so a flood of jobs cannot starve the periodic ones.
    for (let taken = 0; taken < 100 && (await this.runOneJob()); taken += 1);
  }

  private async claimPeriodicRun(name: string, everyMs: number): Promise<boolean> {
    const claimed = await this.jobs
      .updateTable('platform.periodic_jobs')
      .set({
        next_run_at: sql<Date>`now() + make_interval(secs => ${everyMs / 1000})`,
        last_run_at: sql<Date>`now()`,
        last_run_by: this.instanceId,
      })
      .where('name', '=', name)
      .where('next_run_at', '<=', sql<Date>`now()`)
      .returning('name')
      .executeTakeFirst();
    return claimed !== undefined;
  }

  private async runPeriodic(name: string, run: PeriodicHandler): Promise<void> {
    try {
      await run(this.db);
    } catch (error) {
      this.logger.error({ err: error, job: name }, 'periodic job failed; it runs again next period');
    }
  }

  /** Takes one due job and runs it. Returns false when none was due. */
  private async runOneJob(): Promise<boolean> {
    const names = [...this.handlers.keys()];
    if (names.length === 0) return false;
    return this.db.transaction().execute(async (trx) => {
      const jobs = trx.$extendTables<JobsTables>();
      const job = await jobs
        .selectFrom('platform.jobs')
        .select(['id', 'name', 'payload', 'attempts'])
        .where('run_at', '<=', sql<Date>`now()`)
        .where('failed_at', 'is', null)
        .where('name', 'in', names)
        .orderBy('run_at')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!job) return false;
      const handler = this.handlers.get(job.name);
      if (!handler) return false;
      await sql`savepoint job_handler`.execute(trx);
      try {
        await handler(job.payload, trx);
        await jobs.deleteFrom('platform.jobs').where('id', '=', job.id).execute();
      } catch (error) {
        await sql`rollback to savepoint job_handler`.execute(trx);
        const attempts = job.attempts + 1;
        this.logger.warn({ err: error, job: job.name, jobId: job.id, attempts }, 'job failed');
        await jobs
          .updateTable('platform.jobs')
          .set({
            attempts,
            last_error: describeError(error),
            run_at: sql<Date>`now() + make_interval(secs => ${Math.min(2 ** attempts, 3600)})`,
            failed_at: attempts >= MAX_JOB_ATTEMPTS ? sql<Date>`now()` : null,
          })
          .where('id', '=', job.id)
          .execute();
      }
      return true;
    });
  }
}
