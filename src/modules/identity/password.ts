import { argon2, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { PasswordScheme } from './identity.tables.ts';

const argon2Async = promisify(argon2);

/** OWASP's argon2id minimum: m=19 MiB, t=2, p=1. Node 24 ships argon2 in node:crypto. */
const ARGON2 = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32, saltLength: 16 } as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** The most common passwords (from public breach lists); refused at registration and change. */
const COMMON_PASSWORDS = new Set([
  '12345678',
  '123456789',
  '1234567890',
  'password',
  'password1',
  'password123',
  'qwerty123',
  'qwertyuiop',
  '11111111',
  '00000000',
  '87654321',
  '12341234',
  '1q2w3e4r',
  '1q2w3e4r5t',
  'iloveyou',
  'sunshine1',
  'princess1',
  'football1',
  'baseball1',
  'welcome1',
  'admin123',
  'letmein1',
  'abc12345',
  'qwerty12',
  'passw0rd',
  'superman1',
  'trustno1',
  'michael1',
  'zaq12wsx',
  '1qaz2wsx',
  'qazwsxedc',
  'asdfghjkl',
  'computer',
  'internet',
  'whatever',
  'starwars',
  'dragon12',
  'monkey12',
  'master12',
  'shadow12',
  'йцукенгш',
  'пароль123',
  'qwerty1234',
  '123qweasd',
  'q1w2e3r4',
  'a1b2c3d4',
  'password!',
  'changeme',
]);

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordPolicyViolation(password: string, email?: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters long`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters long`;
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return 'is one of the most common passwords; choose another';
  if (email && password.toLowerCase() === email.toLowerCase()) return 'must not be the email address';
  return undefined;
}

/** A PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (base64 without padding). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(ARGON2.saltLength);
  const hash = await argon2Async('argon2id', {
    message: password,
    nonce: salt,
    memory: ARGON2.memory,
    passes: ARGON2.passes,
    parallelism: ARGON2.parallelism,
    tagLength: ARGON2.tagLength,
  });
  const parameters = `m=${ARGON2.memory},t=${ARGON2.passes},p=${ARGON2.parallelism}`;
  return `$argon2id$v=19$${parameters}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string, scheme: PasswordScheme): Promise<boolean> {
  if (scheme === 'sha256-legacy') {
    const given = createHash('sha256').update(password).digest();
    return safeEqual(given, Buffer.from(stored, 'hex'));
  }
  const parts = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!parts) return false;
  const [, memory, passes, parallelism, salt, hash] = parts as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const actual = await argon2Async('argon2id', {
    message: password,
    nonce: Buffer.from(salt, 'base64url'),
    memory: Number(memory),
    passes: Number(passes),
    parallelism: Number(parallelism),
    tagLength: expected.length,
  });
  return safeEqual(actual, expected);
}

/** A stored hash made with weaker settings (or the legacy scheme) is replaced after a good login. */
export function needsRehash(stored: string, scheme: PasswordScheme): boolean {
  return (
    scheme !== 'argon2id' || !stored.startsWith(`$argon2id$v=19$m=${ARGON2.memory},t=${ARGON2.passes},p=${ARGON2.parallelism}$`)
  );
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as checking a real password, so "no such user" and "wrong password" cannot
 * be told apart by timing.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummyHash, 'argon2id');
  return false;
}
