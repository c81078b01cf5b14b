import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { JobRunner, MAX_JOB_ATTEMPTS, scheduleJob } from './jobs.ts';

const logger = pino({ level: 'silent' });
let database: TestDatabase;
/** A second instance: on PostgreSQL its own connection pool, as another process would have. */
let otherInstance: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  otherInstance = database.url ? await openDatabase({ url: database.url, poolSize: 5 }) : database;
  await sql`create table test_effects (job text, n int)`.execute(database.db);
});
afterAll(async () => {
  if (otherInstance !== database) await otherInstance.close();
  await database.close();
});
beforeEach(async () => {
  await sql`truncate platform.jobs, platform.periodic_jobs, test_effects`.execute(database.db);
});

async function effects(): Promise<number[]> {
  return (await sql<{ n: number }>`select n from test_effects order by n`.execute(database.db)).rows.map((row) => row.n);
}

function runner(db: Database): JobRunner {
  const jobs = new JobRunner(db.db, logger, { intervalMs: 10 });
  jobs.defineJob('test.record', async (payload, trx) => {
    const { n, fail } = payload as { n: number; fail?: boolean };
    await sql`insert into test_effects values ('test.record', ${n})`.execute(trx);
    if (fail) throw new Error('handler failed after writing');
  });
  return jobs;
}

describe('one-off jobs', () => {
  it('runs each job exactly once when two instances take jobs at the same time', async () => {
    const numbers = Array.from({ length: 60 }, (_, index) => index);
    for (const n of numbers) await scheduleJob(database.db, 'test.record', { n });
    const first = runner(database);
    const second = runner(otherInstance);
    await Promise.all([first.runDue(), second.runDue(), first.runDue(), second.runDue()]);
    expect(await effects()).toEqual(numbers);
    const left = await sql<{ count: number }>`select count(*)::int as count from platform.jobs`.execute(database.db);
    expect(left.rows[0]?.count).toBe(0);
  });

  it('waits until the job is due', async () => {
    await scheduleJob(database.db, 'test.record', { n: 1 }, { delayMs: 60_000 });
    await runner(database).runDue();
    expect(await effects()).toEqual([]);
    await sql`update platform.jobs set run_at = now()`.execute(database.db);
    await runner(database).runDue();
    expect(await effects()).toEqual([1]);
  });

  it('survives a restart: a job scheduled before is run by the next process', async () => {
    await database.db.transaction().execute(async (trx) => {
      await scheduleJob(trx, 'test.record', { n: 5 });
    });
    const before = runner(database);
    await before.start();
    await before.stop();
    const after = runner(otherInstance);
    await after.runDue();
    expect(await effects()).toEqual([5]);
  });

  it('rolls back the effects of a failed attempt, records it and retries later', async () => {
    await scheduleJob(database.db, 'test.record', { n: 9, fail: true });
    await runner(database).runDue();
    expect(await effects()).toEqual([]);
    const job = await sql<{ attempts: number; last_error: string; due_later: boolean }>`
      select attempts, last_error, run_at > now() as due_later from platform.jobs`.execute(database.db);
    expect(job.rows).toEqual([
      { attempts: 1, last_error: expect.stringContaining('handler failed after writing') as unknown, due_later: true },
    ]);
  });

  it('parks a job after its last attempt', async () => {
    await scheduleJob(database.db, 'test.record', { n: 9, fail: true });
    await sql`update platform.jobs set attempts = ${MAX_JOB_ATTEMPTS - 1}`.execute(database.db);
    await runner(database).runDue();
    const job = await sql<{ parked: boolean }>`select failed_at is not null as parked from platform.jobs`.execute(database.db);
    expect(job.rows).toEqual([{ parked: true }]);
  });

  it('schedules a job with a dedupe key only once while it is pending', async () => {
    await scheduleJob(database.db, 'test.record', { n: 1 }, { dedupeKey: 'booking-1' });
    await scheduleJob(database.db, 'test.record', { n: 2 }, { dedupeKey: 'booking-1' });
    await runner(database).runDue();
    expect(await effects()).toEqual([1]);
  });
});

describe('periodic jobs', () => {
  it('runs each period once across two instances and survives a restart', async () => {
    const runs: string[] = [];
    const make = (db: Database, name: string) => {
      const jobs = new JobRunner(db.db, logger, { intervalMs: 10 });
      jobs.definePeriodic('test.sweep', 60_000, async () => {
        runs.push(name);
      });
      return jobs;
    };
    const first = make(database, 'first');
    const second = make(otherInstance, 'second');
    await Promise.all([first.start(), second.start()]);
    await Promise.all([first.runDue(), second.runDue(), first.runDue(), second.runDue()]);
    await Promise.all([first.stop(), second.stop()]);
    expect(runs).toHaveLength(1);

    // A restarted instance finds the schedule in the table and does not run early…
    const restarted = make(otherInstance, 'restarted');
    await restarted.start();
    await restarted.runDue();
    expect(runs).toHaveLength(1);
    // …and runs once the period has passed.
    await sql`update platform.periodic_jobs set next_run_at = now() - interval '1 second'`.execute(database.db);
    await Promise.all([restarted.runDue(), first.runDue()]);
    await restarted.stop();
    expect(runs).toHaveLength(2);
  });

  it('keeps running on schedule after a run fails', async () => {
    let calls = 0;
    const jobs = new JobRunner(database.db, logger, { intervalMs: 10 });
    jobs.definePeriodic('test.flaky', 1, async () => {
      calls += 1;
      if (calls === 1) throw new Error('first run fails');
    });
    await jobs.start();
    await expect.poll(() => calls, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    await jobs.stop();
  });

  it('keeps the other periodic jobs and the one-off jobs on schedule while one job runs long', async () => {
    let finishSlow: () => void = () => undefined;
    const slowDone = new Promise<void>((resolve) => {
      finishSlow = resolve;
    });
    let slowRuns = 0;
    let sweeps = 0;
    const jobs = runner(database);
    // A backlog of messages to send, say: it takes as long as it takes.
    jobs.definePeriodic('test.a-slow-backlog', 1, async () => {
      slowRuns += 1;
      await slowDone;
    });
    // Holds expiring, say: due every few milliseconds.
    jobs.definePeriodic('test.z-sweep', 1, async () => {
      sweeps += 1;
    });
    await scheduleJob(database.db, 'test.record', { n: 1 });
    await jobs.start();
    await expect.poll(() => sweeps, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    await expect.poll(effects, { timeout: 5000 }).toEqual([1]);
    expect(slowRuns).toBe(1);
    finishSlow();
    await jobs.stop();
  });
});
