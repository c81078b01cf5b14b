import { randomUUID } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { sql, type Kysely } from 'kysely';
import type { IdentityTables } from './identity.tables.ts';

const ALGORITHM = 'EdDSA';
/** The access token's lifetime unless ACCESS_TOKEN_TTL_SECONDS says otherwise. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const ACCESS_TOKEN_AUDIENCE = 'sbor-api';
/** How often an unknown key id may trigger a reload (a key another process just created). */
const KEY_RELOAD_INTERVAL_MS = 10_000;

type SigningKey = Exclude<Awaited<ReturnType<typeof importJWK>>, Uint8Array>;

export interface AccessClaims {
  userId: number;
  /** The user's credentials_version when the token was issued. */
  version: number;
}

/**
 * Signs and verifies access tokens with Ed25519 keys kept in identity.signing_keys, so every API
 * process (and a gateway reading /.well-known/jwks.json) agrees on them. The first process to start
 * on an empty database creates the key.
 */
export class TokenKeys {
  private readonly db: Kysely<IdentityTables>;
  private readonly issuer: string;
  /** How long an access token signed here is valid. */
  readonly ttlSeconds: number;
  private signingKey: { kid: string; key: SigningKey } | undefined;
  private publicKeys: JWK[] = [];
  private resolveKey: JWTVerifyGetKey = createLocalJWKSet({ keys: [] });
  private lastReload = 0;

  private constructor(db: Kysely<object>, issuer: string, ttlSeconds: number) {
    this.db = db.$extendTables<IdentityTables>();
    this.issuer = issuer;
    this.ttlSeconds = ttlSeconds;
  }

  static async load(db: Kysely<object>, issuer: string, ttlSeconds = DEFAULT_ACCESS_TOKEN_TTL_SECONDS): Promise<TokenKeys> {
    const keys = new TokenKeys(db, issuer, ttlSeconds);
    await keys.reload();
    if (!keys.signingKey) {
      await keys.createKey();
      await keys.reload();
    }
    return keys;
  }

  async sign(claims: AccessClaims): Promise<string> {
    if (!this.signingKey) throw new Error('No signing key loaded');
    return new SignJWT({ ver: claims.version })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.signingKey.kid, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(String(claims.userId))
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.signingKey.key);
  }

  /**
   * Returns the claims of a valid token, or undefined for any invalid one (bad signature, expired
   * or no expiry at all, wrong iss/aud/alg). jose checks `exp` only when it is there, so it is
   * required: a token without one would never end.
   */
  async verify(token: string): Promise<AccessClaims | undefined> {
    const options = {
      algorithms: [ALGORITHM],
      issuer: this.issuer,
      audience: ACCESS_TOKEN_AUDIENCE,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'sub'],
    };
    try {
      const { payload } = await jwtVerify(token, this.resolveKey, options).catch(async (error: unknown) => {
        if (!(error instanceof Error) || (error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
        if (!(await this.reloadIfStale())) throw error;
        return jwtVerify(token, this.resolveKey, options);
      });
      const userId = Number(payload.sub);
      const version = payload.ver;
      if (!Number.isSafeInteger(userId) || typeof version !== 'number') return undefined;
      return { userId, version };
    } catch {
      return undefined;
    }
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.publicKeys };
  }

  private async createKey(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
    const kid = randomUUID();
    await this.db
      .insertInto('identity.signing_keys')
      .values({
        kid,
        private_jwk: JSON.stringify(await exportJWK(privateKey)),
        public_jwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' }),
      })
      .execute();
  }

  private async reloadIfStale(): Promise<boolean> {
    if (Date.now() - this.lastReload < KEY_RELOAD_INTERVAL_MS) return false;
    await this.reload();
    return true;
  }

  private async reload(): Promise<void> {
    this.lastReload = Date.now();
    const rows = await this.db
      .selectFrom('identity.signing_keys')
      .select(['kid', 'private_jwk', 'public_jwk'])
      .where('retired_at', 'is', null)
      // The newest key signs; if two processes raced to create the first key, all pick the same one.
      .orderBy(sql`created_at desc, kid`)
      .execute();
    const newest = rows[0];
    if (newest) {
      const key = await importJWK(newest.private_jwk as JWK, ALGORITHM);
      if (key instanceof Uint8Array) throw new Error('Expected an asymmetric signing key');
      this.signingKey = { kid: newest.kid, key };
    }
    this.publicKeys = rows.map((row) => row.public_jwk as JWK);
    this.resolveKey = createLocalJWKSet({ keys: this.publicKeys });
  }
}
