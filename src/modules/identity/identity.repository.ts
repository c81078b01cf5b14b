import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { IdentityTables, NotificationPreferences, PasswordScheme, Role, UserTable } from './identity.tables.ts';

export type UserRow = Selectable<UserTable>;
type IdentityDb = Kysely<IdentityTables>;

export function identityDb(db: Kysely<object>): IdentityDb {
  return db.$extendTables<IdentityTables>();
}

export async function findUserById(db: IdentityDb, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('identity.users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUserByEmail(db: IdentityDb, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('identity.users').selectAll().where('email', '=', email).executeTakeFirst();
}

/** What authentication needs to know about an account, and nothing else. */
export async function findAuthState(db: IdentityDb, id: number) {
  return db
    .selectFrom('identity.users')
    .select(['id', 'email', 'role', 'is_active', 'credentials_version'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface NewUser {
  email: string;
  passwordHash: string;
  firstName: string;
  surname: string;
  phone: string | null;
  telegram: string | null;
  locale: 'ru' | 'en';
}

/** Inserts a user, or returns undefined when the email is taken (the unique index decides, not a prior read). */
export async function insertUser(db: IdentityDb, user: NewUser): Promise<UserRow | undefined> {
  return db
    .insertInto('identity.users')
    .values({
      email: user.email,
      password_hash: user.passwordHash,
      password_scheme: 'argon2id',
      first_name: user.firstName,
      surname: user.surname,
      phone: user.phone,
      telegram: user.telegram,
      locale: user.locale,
    })
    .onConflict((conflict) => conflict.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export interface ProfileChanges {
  email?: string;
  first_name?: string;
  surname?: string;
  phone?: string | null;
  telegram?: string | null;
  locale?: 'ru' | 'en';
  notification_preferences?: NotificationPreferences;
}

export async function updateProfile(db: IdentityDb, id: number, changes: ProfileChanges): Promise<UserRow | undefined> {
  const { notification_preferences, ...rest } = changes;
  return db
    .updateTable('identity.users')
    .set({
      ...rest,
      ...(notification_preferences ? { notification_preferences: JSON.stringify(notification_preferences) } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function setPasswordHash(
  db: IdentityDb,
  id: number,
  hash: string,
  options: { endSessions: boolean },
): Promise<void> {
  await db
    .updateTable('identity.users')
    .set({
      password_hash: hash,
      password_scheme: 'argon2id' satisfies PasswordScheme,
      updated_at: sql<Date>`now()`,
      ...(options.endSessions ? { credentials_version: sql<number>`credentials_version + 1` } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function recordLogin(db: IdentityDb, id: number): Promise<void> {
  await db
    .updateTable('identity.users')
    .set({ last_login_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

/** Only `user` becomes `organizer`; organizers and admins keep their role (idempotent). */
export async function promoteToOrganizer(db: IdentityDb, id: number): Promise<UserRow | undefined> {
  await db
    .updateTable('identity.users')
    .set({ role: 'organizer', updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('role', '=', 'user')
    .execute();
  return findUserById(db, id);
}

export async function adminUpdateUser(
  db: IdentityDb,
  id: number,
  changes: { role?: Role; is_active?: boolean },
): Promise<UserRow | undefined> {
  return db
    .updateTable('identity.users')
    .set({
      ...changes,
      updated_at: sql<Date>`now()`,
      // Deactivating ends every session at once: tokens and cached credentials carry the version.
      ...(changes.is_active === false ? { credentials_version: sql<number>`credentials_version + 1` } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function listUsers(
  db: IdentityDb,
  filter: { query?: string; role?: Role; page: number; pageSize: number },
): Promise<{ items: UserRow[]; total: number }> {
  let query = db.selectFrom('identity.users');
  if (filter.role) query = query.where('role', '=', filter.role);
  if (filter.query) {
    const pattern = `%${filter.query.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    query = query.where((eb) =>
      eb.or([eb('email', 'like', pattern), eb(sql`lower(first_name || ' ' || surname)`, 'like', pattern)]),
    );
  }
  const [items, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('id')
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize)
      .execute(),
    query.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: count.total };
}

// Refresh tokens

export async function insertRefreshToken(
  db: IdentityDb,
  token: { familyId: string; userId: number; tokenHash: string; ttlSeconds: number },
): Promise<void> {
  await db
    .insertInto('identity.refresh_tokens')
    .values({
      family_id: token.familyId,
      user_id: token.userId,
      token_hash: token.tokenHash,
      expires_at: sql<Date>`now() + make_interval(secs => ${token.ttlSeconds})`,
    })
    .execute();
}

/**
 * Marks a live refresh token as used, atomically: of two concurrent uses only one gets the row
 * back. Returns undefined if the token is unknown, expired, revoked or already rotated.
 */
export async function rotateRefreshToken(db: Transaction<IdentityTables>, tokenHash: string) {
  return db
    .updateTable('identity.refresh_tokens')
    .set({ rotated_at: sql<Date>`now()` })
    .where('token_hash', '=', tokenHash)
    .where('rotated_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['family_id', 'user_id'])
    .executeTakeFirst();
}

export async function findRefreshToken(db: IdentityDb, tokenHash: string) {
  return db
    .selectFrom('identity.refresh_tokens')
    .select(['family_id', 'user_id', 'rotated_at', 'revoked_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function revokeTokenFamily(db: IdentityDb, familyId: string): Promise<void> {
  await db
    .updateTable('identity.refresh_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function revokeUserTokens(db: IdentityDb, userId: number): Promise<void> {
  await db
    .updateTable('identity.refresh_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

/**
 * The active admins, their rows locked until the transaction ends (in id order, so two lockers do
 * not deadlock): a demotion that checks "another admin remains" under this lock cannot race another.
 */
export async function lockActiveAdmins(trx: Transaction<IdentityTables>): Promise<{ id: number }[]> {
  return trx
    .selectFrom('identity.users')
    .select('id')
    .where('role', '=', 'admin')
    .where('is_active', '=', true)
    .orderBy('id')
    .forUpdate()
    .execute();
}
