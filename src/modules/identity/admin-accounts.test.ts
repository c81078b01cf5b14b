import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { AdminAccountsError, createAdmin, demoteAdmin, promoteToAdmin } from './admin-accounts.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const make = (email: string) =>
  createAdmin(database.db, { email, password: 'a passphrase from a vault', firstName: 'Sbor', surname: 'Admin' });

async function activeAdmins(): Promise<number> {
  const rows = await sql<{ n: number }>`
    select count(*)::int as n from identity.users where role = 'admin' and is_active`.execute(database.db);
  return rows.rows[0]!.n;
}

describe('demoteAdmin', () => {
  it('leaves exactly one admin when every admin is demoted at once', async () => {
    const emails = Array.from({ length: 6 }, (_, index) => `race-${index}@example.test`);
    for (const email of emails) await make(email);
    await sql`update identity.users set role = 'user' where role = 'admin' and email not like 'race-%'`.execute(database.db);
    expect(await activeAdmins()).toBe(6);
    const outcomes = await Promise.allSettled(emails.map((email) => demoteAdmin(database.db, email)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(5);
    const [refused] = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(AdminAccountsError);
    expect(await activeAdmins()).toBe(1);
  });

  it('does not count a deactivated admin as the one that remains', async () => {
    await make('inactive@example.test');
    await sql`update identity.users set is_active = false where email = 'inactive@example.test'`.execute(database.db);
    const [remaining] = (
      await sql<{ email: string }>`select email from identity.users where role = 'admin' and is_active`.execute(database.db)
    ).rows;
    await expect(demoteAdmin(database.db, remaining!.email)).rejects.toThrow(/is the last active admin/);
    // The deactivated one may go: it is not what keeps the system managed.
    await expect(demoteAdmin(database.db, 'inactive@example.test')).resolves.toMatchObject({ from: 'admin', to: 'user' });
    await expect(promoteToAdmin(database.db, 'inactive@example.test')).resolves.toMatchObject({ to: 'admin', isActive: false });
  });
});
