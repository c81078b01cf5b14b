import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Principal } from '../../platform/http/access.ts';
import type { Credentials } from './credentials.ts';
import {
  cannotDemoteYourself,
  emailTaken,
  invalidRefreshToken,
  refreshTokenReused,
  userNotFound,
  weakPassword,
  wrongCurrentPassword,
} from './identity.errors.ts';
import {
  adminUpdateUser,
  findRefreshToken,
  findUserByEmail,
  findUserById,
  identityDb,
  insertRefreshToken,
  insertUser,
  listUsers,
  promoteToOrganizer,
  revokeTokenFamily,
  revokeUserTokens,
  rotateRefreshToken,
  setPasswordHash,
  updateProfile,
  type ProfileChanges,
  type UserRow,
} from './identity.repository.ts';
import type { IdentityTables, NotificationPreferences, Role } from './identity.tables.ts';
import type { LoginGuard } from './login-guard.ts';
import { hashPassword, passwordPolicyViolation, verifyPassword } from './password.ts';
import type { TokenKeys } from './tokens.ts';

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export interface UserView {
  id: number;
  email: string;
  first_name: string;
  surname: string;
  phone: string | null;
  telegram: string | null;
  locale: 'ru' | 'en';
  notification_preferences: NotificationPreferences;
  role: Role;
  is_active: boolean;
  created_at: string;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface Registration {
  email: string;
  password: string;
  first_name: string;
  surname: string;
  phone?: string | undefined;
  telegram?: string | undefined;
  locale?: 'ru' | 'en' | undefined;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function toView(user: UserRow): UserView {
  return {
    id: user.id,
    email: user.email,
    first_name: user.first_name,
    surname: user.surname,
    phone: user.phone,
    telegram: user.telegram,
    locale: user.locale,
    notification_preferences: user.notification_preferences,
    role: user.role,
    is_active: user.is_active,
    created_at: user.created_at.toISOString(),
  };
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Accounts, sessions and roles: the identity module's use cases. */
export class IdentityService {
  private readonly db: Kysely<IdentityTables>;
  private readonly keys: TokenKeys;
  private readonly credentials: Credentials;
  private readonly guard: LoginGuard;

  constructor(db: Kysely<object>, keys: TokenKeys, credentials: Credentials, guard: LoginGuard) {
    this.db = identityDb(db);
    this.keys = keys;
    this.credentials = credentials;
    this.guard = guard;
  }

  async register(input: Registration, ip: string): Promise<UserView> {
    this.guard.countAttempt('register', ip);
    const email = normalizeEmail(input.email);
    const violation = passwordPolicyViolation(input.password, email);
    if (violation) throw weakPassword('body/password', violation);
    const user = await insertUser(this.db, {
      email,
      passwordHash: await hashPassword(input.password),
      firstName: input.first_name.trim(),
      surname: input.surname.trim(),
      phone: input.phone ?? null,
      telegram: input.telegram ?? null,
      locale: input.locale ?? 'ru',
    });
    if (!user) throw emailTaken();
    return toView(user);
  }

  async login(email: string, password: string, ip: string): Promise<TokenPair> {
    this.guard.countAttempt('login', ip);
    const userId = await this.credentials.verifyPassword(normalizeEmail(email), password, ip);
    return this.issueTokens(userId, randomUUID());
  }

  /**
   * Trades a refresh token for a new pair. Each token works once: presenting one that was already
   * rotated means it leaked (or a client is confused), so the whole family — every session
   * descended from that login — is revoked (RFC 9700 §4.14.2).
   */
  async refresh(refreshToken: string, ip: string): Promise<TokenPair> {
    this.guard.countAttempt('refresh', ip);
    const tokenHash = hashToken(refreshToken);
    const rotated = await this.db.transaction().execute((trx) => rotateRefreshToken(trx, tokenHash));
    if (!rotated) {
      const known = await findRefreshToken(this.db, tokenHash);
      if (known?.rotated_at && !known.revoked_at) {
        await revokeTokenFamily(this.db, known.family_id);
        throw refreshTokenReused();
      }
      throw invalidRefreshToken();
    }
    return this.issueTokens(rotated.user_id, rotated.family_id);
  }

  async logout(refreshToken: string): Promise<void> {
    const known = await findRefreshToken(this.db, hashToken(refreshToken));
    if (known) await revokeTokenFamily(this.db, known.family_id);
  }

  async getUser(id: number): Promise<UserView> {
    const user = await findUserById(this.db, id);
    if (!user) throw userNotFound();
    return toView(user);
  }

  async updateMe(principal: Principal, changes: ProfileChanges): Promise<UserView> {
    const normalized = { ...changes, ...(changes.email ? { email: normalizeEmail(changes.email) } : {}) };
    const user = await updateProfile(this.db, principal.userId, normalized).catch((error: unknown) => {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    });
    if (!user) throw userNotFound();
    this.credentials.forget(user.id);
    return toView(user);
  }

  /** Changing the password ends every other session: tokens, refresh tokens and cached Basic credentials. */
  async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    const user = await findUserById(this.db, principal.userId);
    if (!user) throw userNotFound();
    if (!(await verifyPassword(currentPassword, user.password_hash, user.password_scheme))) {
      throw wrongCurrentPassword();
    }
    const violation = passwordPolicyViolation(newPassword, user.email);
    if (violation) throw weakPassword('body/new_password', violation);
    const hash = await hashPassword(newPassword);
    await this.db.transaction().execute(async (trx) => {
      await setPasswordHash(trx, user.id, hash, { endSessions: true });
      await revokeUserTokens(trx, user.id);
    });
    this.credentials.forget(user.id);
  }

  async becomeOrganizer(principal: Principal): Promise<UserView> {
    const user = await promoteToOrganizer(this.db, principal.userId);
    if (!user) throw userNotFound();
    this.credentials.forget(user.id);
    return toView(user);
  }

  async listUsers(filter: { query?: string; role?: Role; page: number; pageSize: number }) {
    const { items, total } = await listUsers(this.db, filter);
    return { items: items.map(toView), total, page: filter.page, pageSize: filter.pageSize };
  }

  async adminUpdate(actor: Principal, userId: number, changes: { role?: Role; is_active?: boolean }): Promise<UserView> {
    if (actor.userId === userId && (changes.is_active === false || (changes.role && changes.role !== 'admin'))) {
      throw cannotDemoteYourself();
    }
    const user = await this.db.transaction().execute(async (trx) => {
      const updated = await adminUpdateUser(trx, userId, changes);
      if (updated && changes.is_active === false) await revokeUserTokens(trx, userId);
      return updated;
    });
    if (!user) throw userNotFound();
    this.credentials.forget(userId);
    return toView(user);
  }

  jwks() {
    return this.keys.jwks();
  }

  /** For other modules (an organizer adding a team member by email). */
  async findByEmail(email: string): Promise<{ id: number; displayName: string } | undefined> {
    const user = await findUserByEmail(this.db, normalizeEmail(email));
    return user && user.is_active ? { id: user.id, displayName: `${user.first_name} ${user.surname}`.trim() } : undefined;
  }

  /** Seed 000's booking rule: a phone or a telegram to reach the buyer. */
  async hasContact(userId: number): Promise<boolean> {
    const user = await findUserById(this.db, userId);
    return Boolean(user?.phone ?? user?.telegram);
  }

  async displayNameOf(userId: number): Promise<string | undefined> {
    const user = await findUserById(this.db, userId);
    return user ? `${user.first_name} ${user.surname}`.trim() : undefined;
  }

  /** For notifications: how to reach these (active) users and in which language. */
  async notificationRecipients(
    userIds: number[],
  ): Promise<{ id: number; email: string; phone: string | null; locale: 'ru' | 'en'; preferences: NotificationPreferences }[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('identity.users')
      .select(['id', 'email', 'phone', 'locale', 'notification_preferences'])
      .where('id', 'in', userIds)
      .where('is_active', '=', true)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      phone: row.phone,
      locale: row.locale,
      preferences: row.notification_preferences,
    }));
  }

  private async issueTokens(userId: number, familyId: string): Promise<TokenPair> {
    const user = await findUserById(this.db, userId);
    if (!user) throw userNotFound();
    const refreshToken = randomBytes(32).toString('base64url');
    await insertRefreshToken(this.db, {
      familyId,
      userId,
      tokenHash: hashToken(refreshToken),
      ttlSeconds: REFRESH_TOKEN_TTL_SECONDS,
    });
    return {
      access_token: await this.keys.sign({ userId, version: user.credentials_version }),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.keys.ttlSeconds,
    };
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}
