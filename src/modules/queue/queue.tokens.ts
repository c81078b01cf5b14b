import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an admission token says: who was admitted, to which event, until when (Unix seconds). */
export interface AdmissionClaims {
  eventId: number;
  userId: number;
  expiresAt: number;
}

export type TokenRefusal = 'missing' | 'malformed' | 'bad-signature' | 'other-event' | 'other-account' | 'expired';

const VERSION = 'q1';

/**
 * Admission tokens: `q1.<claims>.<HMAC-SHA256 of "q1.<claims>">`, base64url. Verified with the key
 * alone, without the database: the booking path pays one HMAC per request, and a token keeps
 * working while the queue's tables are busy or unreachable (the fail-closed setting relies on it).
 */
export class AdmissionTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(claims: AdmissionClaims): string {
    const body = Buffer.from(JSON.stringify({ e: claims.eventId, u: claims.userId, x: claims.expiresAt })).toString('base64url');
    return `${VERSION}.${body}.${this.mac(`${VERSION}.${body}`)}`;
  }

  /** Undefined when the token admits this account to this event now; else why not. */
  refusal(token: string | undefined, expected: { eventId: number; userId: number }, nowMs: number): TokenRefusal | undefined {
    if (!token) return 'missing';
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) return 'malformed';
    const [, body = '', signature = ''] = parts;
    const given = Buffer.from(signature, 'base64url');
    const wanted = Buffer.from(this.mac(`${VERSION}.${body}`), 'base64url');
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return 'bad-signature';
    const claims = parseClaims(body);
    if (!claims) return 'malformed';
    if (claims.eventId !== expected.eventId) return 'other-event';
    if (claims.userId !== expected.userId) return 'other-account';
    if (claims.expiresAt * 1000 <= nowMs) return 'expired';
    return undefined;
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

function parseClaims(body: string): AdmissionClaims | undefined {
  try {
    const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { e, u, x } = value;
    if (!Number.isSafeInteger(e) || !Number.isSafeInteger(u) || !Number.isSafeInteger(x)) return undefined;
    return { eventId: e as number, userId: u as number, expiresAt: x as number };
  } catch {
    return undefined;
  }
}
