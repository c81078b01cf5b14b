import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { adminUpdateUser, findUserByEmail, identityDb, insertUser, lockActiveAdmins } from './identity.repository.ts';
import { normalizeEmail } from './identity.service.ts';
import type { Role } from './identity.tables.ts';
import { hashPassword, passwordPolicyViolation } from './password.ts';

/**
 * The operator's way to make admins (`sbor admin create | promote | demote`), for the first admin
 * above all: the API lets only an admin make another. It works on the database directly, so on
 * PGlite it runs while the server is stopped (one process owns the data directory); on PostgreSQL
 * a running server sees the new role within its 2 s account-state cache (decision 0004) — roles are
 * read from the account, so existing tokens and remembered Basic credentials follow it.
 */

/** A refusal the command reports in one line (exit code 1). */
export class AdminAccountsError extends Error {
  override name = 'AdminAccountsError';
}

// As registration takes it (identity.schemas.ts).
const Email = Type.String({ format: 'email', maxLength: 254 });

function checkedEmail(raw: string): string {
  const email = normalizeEmail(raw);
  if (!Value.Check(Email, email)) throw new AdminAccountsError(`"${raw}" is not an email address.`);
  return email;
}

/** A password nobody has to invent: 144 random bits, 24 URL-safe characters. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export interface AdminAccount {
  id: number;
  email: string;
}

/**
 * A new account with the admin role. Fails if the email has an account (promote it instead) or the
 * password breaks the policy registration applies.
 */
export async function createAdmin(
  db: Kysely<object>,
  input: { email: string; password: string; firstName: string; surname: string },
): Promise<AdminAccount> {
  const email = checkedEmail(input.email);
  const violation = passwordPolicyViolation(input.password, email);
  if (violation) throw new AdminAccountsError(`The password ${violation}.`);
  const passwordHash = await hashPassword(input.password);
  return identityDb(db)
    .transaction()
    .execute(async (trx) => {
      const user = await insertUser(trx, {
        email,
        passwordHash,
        firstName: input.firstName,
        surname: input.surname,
        phone: null,
        telegram: null,
        locale: 'ru',
      });
      if (!user)
        throw new AdminAccountsError(`${email} already has an account; make it an admin with: sbor admin promote ${email}`);
      await adminUpdateUser(trx, user.id, { role: 'admin' });
      return { id: user.id, email };
    });
}

/** What a role change did: the role before, and whether the account was already there. */
export interface RoleChange extends AdminAccount {
  from: Role;
  to: Role;
  isActive: boolean;
}

/** Gives an existing account the admin role (nothing changes if it has it). */
export async function promoteToAdmin(db: Kysely<object>, rawEmail: string): Promise<RoleChange> {
  const email = checkedEmail(rawEmail);
  const users = identityDb(db);
  const user = await findUserByEmail(users, email);
  if (!user) throw new AdminAccountsError(`No account has the email ${email}; create one with: sbor admin create ${email}`);
  if (user.role !== 'admin') await adminUpdateUser(users, user.id, { role: 'admin' });
  return { id: user.id, email, from: user.role, to: 'admin', isActive: user.is_active };
}

/**
 * Takes the admin role from an account (it becomes `to`, a user by default). Refuses to take it
 * from the last active admin: nobody could then manage accounts but through this command. The
 * active admins' rows are locked first, so two demotions at once cannot each leave the other as
 * the last one and both succeed.
 */
export async function demoteAdmin(
  db: Kysely<object>,
  rawEmail: string,
  to: Exclude<Role, 'admin'> = 'user',
): Promise<RoleChange> {
  const email = checkedEmail(rawEmail);
  return identityDb(db)
    .transaction()
    .execute(async (trx) => {
      const admins = await lockActiveAdmins(trx);
      const user = await findUserByEmail(trx, email);
      if (!user) throw new AdminAccountsError(`No account has the email ${email}.`);
      const change = { id: user.id, email, from: user.role, to: user.role, isActive: user.is_active };
      if (user.role !== 'admin') return change;
      if (user.is_active && !admins.some((admin) => admin.id !== user.id)) {
        throw new AdminAccountsError(
          `${email} is the last active admin; make another admin first (sbor admin create or promote).`,
        );
      }
      await adminUpdateUser(trx, user.id, { role: to });
      return { ...change, to };
    });
}
