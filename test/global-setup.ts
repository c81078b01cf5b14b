import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase, openPglite } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrations.ts';
import { migrations } from '../src/migrations.ts';
import { adminUrlFor, databaseUrlFor } from './support/postgres-url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: { engine: 'postgres'; url: string; template: string } | { engine: 'pglite'; dumpPath: string };
    /** Where tests note the pid of each process they start (see test/support/sbor-process.ts). */
    childPidsDirectory: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const children = await mkdtemp(join(tmpdir(), 'sbor-test-children-'));
  project.provide('childPidsDirectory', children);
  const teardownDatabase = await setupDatabase(project);
  return async () => {
    await killLeftChildren(children);
    await teardownDatabase();
  };
}

/**
 * A test worker that vitest stops (a timeout, a crash) takes no clean-up with it: the processes its
 * tests started would run on, holding ports and database connections. Each is noted by pid while it
 * runs, and what is still noted at the end is killed.
 */
async function killLeftChildren(directory: string): Promise<void> {
  for (const pid of await readdir(directory)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await rm(directory, { recursive: true, force: true });
}

/**
 * Migrates one template database per run; every test file then clones it (CREATE DATABASE …
 * TEMPLATE on PostgreSQL, loadDataDir on PGlite) instead of migrating again.
 */
async function setupDatabase(project: TestProject): Promise<() => Promise<void>> {
  // The server serves the web app's bundle (the browser tests need it): build it when missing.
  if (!existsSync(join(import.meta.dirname, '../web/dist/index.html'))) {
    execFileSync('npm', ['run', 'build:web'], { cwd: join(import.meta.dirname, '..'), stdio: 'inherit' });
  }
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const template = `sbor_template_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrlFor(url) });
    await admin.connect();
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
    const database = await openDatabase({ url: databaseUrlFor(url, template), poolSize: 2 });
    await migrateToLatest(database, migrations);
    await database.close();
    project.provide('testDatabase', { engine: 'postgres', url, template });
    return async () => {
      await admin.query(`drop database if exists ${template}`);
      await admin.end();
    };
  }
  const pglite = await openPglite(undefined);
  const database = await openDatabase({ pglite });
  await migrateToLatest(database, migrations);
  await database.close();
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const directory = await mkdtemp(join(tmpdir(), 'sbor-test-'));
  const dumpPath = join(directory, 'template.tar');
  await writeFile(dumpPath, Buffer.from(await dump.arrayBuffer()));
  project.provide('testDatabase', { engine: 'pglite', dumpPath });
  return async () => rm(directory, { recursive: true, force: true });
}
