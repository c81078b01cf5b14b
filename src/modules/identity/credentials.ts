import { hash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Principal } from '../../platform/http/access.ts';
import { accountInactive, invalidAccessToken, invalidCredentials } from './identity.errors.ts';
import { findAuthState, findUserByEmail, identityDb, recordLogin, setPasswordHash } from './identity.repository.ts';
import type { IdentityTables, Role } from './identity.tables.ts';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './password.ts';
import type { LoginGuard } from './login-guard.ts';
import type { TokenKeys } from './tokens.ts';

interface AuthState {
  email: string;
  role: Role;
  active: boolean;
  version: number;
  expiresAt: number;
}

export interface CredentialOptions {
  /** How long an account's state (active, role, version) is trusted before it is read again. */
  stateTtlMs: number;
  /** How long a verified Basic credential is remembered after its last use. */
  basicTtlMs: number;
  maxEntries: number;
}

export const DEFAULT_CREDENTIAL_OPTIONS: CredentialOptions = { stateTtlMs: 2_000, basicTtlMs: 60_000, maxEntries: 200_000 };

/**
 * Turns an Authorization header into a principal, cheaply enough for every request under load.
 *
 * Bearer: the JWT is verified locally (no database), then the account's state is checked — read
 * from a short cache — so a deactivated user or a changed password ends the session within
 * `stateTtlMs` everywhere (at once in this process).
 *
 * Basic: the password is verified once with argon2id (or the legacy SHA-256, upgraded on the
 * spot); then an HMAC of the credentials under a per-process random key, never the password,
 * remembers the verified pair until it goes unused for `basicTtlMs`. Concurrent requests with
 * credentials not yet remembered share one verification. The entry records the credentials
 * version, so a password change or deactivation invalidates it with the state check above.
 */
export class Credentials {
  private readonly db: Kysely<IdentityTables>;
  private readonly keys: TokenKeys;
  private readonly guard: LoginGuard;
  private readonly options: CredentialOptions;
  /** A secret per process, so remembered credentials are kept as digests nobody can precompute. */
  private readonly digestSalt = randomBytes(32).toString('base64');
  private readonly states = new Map<number, AuthState>();
  private readonly verifiedBasic = new Map<string, { userId: number; version: number; expiresAt: number }>();
  private readonly verifyingBasic = new Map<string, Promise<{ userId: number; role: Principal['role'] }>>();

  constructor(db: Kysely<object>, keys: TokenKeys, guard: LoginGuard, options: CredentialOptions = DEFAULT_CREDENTIAL_OPTIONS) {
    this.db = identityDb(db);
    this.keys = keys;
    this.guard = guard;
    this.options = options;
  }

  /** The Authenticator the HTTP layer calls for routes that need a principal. */
  readonly authenticate = async (request: FastifyRequest): Promise<Principal | undefined> => {
    const header = request.headers.authorization;
    if (!header) return undefined;
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === 'bearer') return this.fromBearer(value);
    if (scheme === 'basic') return this.fromBasic(value, request.ip);
    throw invalidCredentials();
  };

  /**
   * Checks an email and password (login and Basic). Counts failures per account and address, so
   * guessing is slowed without letting anyone lock the owner out from their own address.
   */
  async verifyPassword(email: string, password: string, ip: string): Promise<number> {
    this.guard.beginPasswordCheck(email, ip);
    const user = await findUserByEmail(this.db, email);
    const valid = user
      ? await verifyPassword(password, user.password_hash, user.password_scheme)
      : await verifyAgainstDummy(password);
    if (!user || !valid) throw invalidCredentials();
    if (!user.is_active) throw accountInactive();
    this.guard.recordSuccess(email, ip);
    if (needsRehash(user.password_hash, user.password_scheme)) {
      // Upgrading a legacy or weaker hash does not end sessions: the password itself is unchanged.
      await setPasswordHash(this.db, user.id, await hashPassword(password), { endSessions: false });
    }
    await recordLogin(this.db, user.id);
    return user.id;
  }

  /** Forgets what this process knows about an account (after a change made here). */
  forget(userId: number): void {
    this.states.delete(userId);
  }

  private async fromBearer(token: string): Promise<Principal> {
    const claims = await this.keys.verify(token);
    if (!claims) throw invalidAccessToken();
    const state = await this.stateOf(claims.userId);
    if (!state || !state.active || state.version !== claims.version) throw invalidAccessToken();
    return { userId: claims.userId, email: state.email, role: state.role };
  }

  private async fromBasic(encoded: string, ip: string): Promise<Principal> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw invalidCredentials();
    const email = decoded.slice(0, colon).trim().toLowerCase();
    const password = decoded.slice(colon + 1);
    // One-shot hash of salt, email and password: a fraction of an HMAC's cost on every Basic request.
    const digest = hash('sha256', `${this.digestSalt}\0${email}\0${password}`, 'base64url');
    const remembered = this.verifiedBasic.get(digest);
    const now = Date.now();
    if (remembered && remembered.expiresAt > now) {
      const state = await this.stateOf(remembered.userId);
      if (state?.active && state.version === remembered.version) {
        // Idle expiry: a credential in steady use is not re-verified (the state check above still
        // ends it within stateTtlMs of a password change or deactivation).
        remembered.expiresAt = now + this.options.basicTtlMs;
        return { userId: remembered.userId, email, role: state.role };
      }
      this.verifiedBasic.delete(digest);
    }
    // Concurrent requests with the same credentials share one verification: a rush of one user
    // must not start hundreds of argon2id runs at once.
    let pending = this.verifyingBasic.get(digest);
    if (!pending) {
      pending = this.verifyBasic(email, password, ip, digest).finally(() => this.verifyingBasic.delete(digest));
      this.verifyingBasic.set(digest, pending);
    }
    const verified = await pending;
    return { userId: verified.userId, email, role: verified.role };
  }

  private async verifyBasic(email: string, password: string, ip: string, digest: string) {
    const userId = await this.verifyPassword(email, password, ip);
    this.forget(userId);
    const state = await this.stateOf(userId);
    if (!state?.active) throw accountInactive();
    this.remember(this.verifiedBasic, digest, {
      userId,
      version: state.version,
      expiresAt: Date.now() + this.options.basicTtlMs,
    });
    return { userId, role: state.role };
  }

  private async stateOf(userId: number): Promise<AuthState | undefined> {
    const cached = this.states.get(userId);
    if (cached && cached.expiresAt > Date.now()) return cached;
    const row = await findAuthState(this.db, userId);
    if (!row) {
      this.states.delete(userId);
      return undefined;
    }
    const state: AuthState = {
      email: row.email,
      role: row.role,
      active: row.is_active,
      version: row.credentials_version,
      expiresAt: Date.now() + this.options.stateTtlMs,
    };
    this.remember(this.states, userId, state);
    return state;
  }

  private remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    // Bounded: when full, the oldest entry goes (Map keeps insertion order).
    if (map.size >= this.options.maxEntries) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.delete(key);
    map.set(key, value);
  }
}
