import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TicketsTables } from './tickets.tables.ts';

/**
 * Ticket codes (format 1), see docs/tickets.md and docs/decisions:
 *
 *   base64url( 0x01 | varint keyId | varint ticketId | varint eventId | varint codeVersion | signature )
 *
 * varints are unsigned LEB128; the signature is Ed25519 (64 bytes) over every byte before it.
 * About 100 characters: a version-5 QR code at medium error correction holds it.
 */
export const CODE_FORMAT = 1;
const SIGNATURE_BYTES = 64;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** How often an unknown key id may trigger a reload (a key another process just created). */
const KEY_RELOAD_INTERVAL_MS = 10_000;

export interface CodeClaims {
  ticketId: number;
  eventId: number;
  version: number;
}

export interface PublicKeyView {
  kid: string;
  kty: 'OKP';
  crv: 'Ed25519';
  alg: 'EdDSA';
  /** The raw 32-byte public key, base64url (JWK). */
  x: string;
  /** The same key as SPKI PEM, for tools that want PEM. */
  pem: string;
  active: boolean;
}

function writeVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Cannot encode ${String(value)}`);
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) + 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/** Reads one varint; undefined when it runs off the end or exceeds 2^53. */
function readVarint(bytes: Buffer, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let index = offset; index < bytes.length && index < offset + 8; index += 1) {
    const byte = bytes.readUInt8(index);
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return Number.isSafeInteger(value) ? { value, next: index + 1 } : undefined;
    scale *= 0x80;
  }
  return undefined;
}

export function encodePayload(keyId: number, claims: CodeClaims): Buffer {
  const out: number[] = [CODE_FORMAT];
  writeVarint(out, keyId);
  writeVarint(out, claims.ticketId);
  writeVarint(out, claims.eventId);
  writeVarint(out, claims.version);
  return Buffer.from(out);
}

/** Splits a code into key id, claims, signed bytes and signature; undefined when it is not format 1. */
export function decodeCode(code: string): { keyId: number; claims: CodeClaims; signed: Buffer; signature: Buffer } | undefined {
  if (code.length > 200 || !BASE64URL.test(code)) return undefined;
  const bytes = Buffer.from(code, 'base64url');
  // One canonical spelling per code: trailing bits that base64url would ignore are refused.
  if (bytes.toString('base64url') !== code || bytes[0] !== CODE_FORMAT) return undefined;
  const fields: number[] = [];
  let offset = 1;
  for (let field = 0; field < 4; field += 1) {
    const read = readVarint(bytes, offset);
    if (!read) return undefined;
    fields.push(read.value);
    offset = read.next;
  }
  if (bytes.length - offset !== SIGNATURE_BYTES) return undefined;
  const [keyId, ticketId, eventId, version] = fields as [number, number, number, number];
  return {
    keyId,
    claims: { ticketId, eventId, version },
    signed: bytes.subarray(0, offset),
    signature: bytes.subarray(offset),
  };
}

/**
 * Signs and verifies ticket codes with Ed25519 keys kept in tickets.signing_keys, so every process
 * agrees on them and offline scanners can be given the public half. The first process to start on
 * an empty database creates the key (one active key: a unique index settles a race).
 */
export class TicketCodes {
  private readonly db: Kysely<TicketsTables>;
  private signingKey: { id: number; key: KeyObject } | undefined;
  private verifyKeys = new Map<number, KeyObject>();
  private views: PublicKeyView[] = [];
  private lastReload = 0;

  private constructor(db: Kysely<object>) {
    this.db = db.$extendTables<TicketsTables>();
  }

  static async load(db: Kysely<object>): Promise<TicketCodes> {
    const codes = new TicketCodes(db);
    await codes.reload();
    if (!codes.signingKey) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      await codes.db
        .insertInto('tickets.signing_keys')
        .values({
          private_key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
          public_key: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
          retired_at: null,
        })
        .onConflict((conflict) => conflict.doNothing())
        .execute();
      await codes.reload();
    }
    return codes;
  }

  sign(claims: CodeClaims): string {
    if (!this.signingKey) throw new Error('No ticket signing key loaded');
    const payload = encodePayload(this.signingKey.id, claims);
    return Buffer.concat([payload, sign(null, payload, this.signingKey.key)]).toString('base64url');
  }

  /** The claims of an authentic code, or undefined for anything malformed, altered or forged. */
  async verify(code: string): Promise<CodeClaims | undefined> {
    const decoded = decodeCode(code);
    if (!decoded) return undefined;
    let key = this.verifyKeys.get(decoded.keyId);
    if (!key && Date.now() - this.lastReload >= KEY_RELOAD_INTERVAL_MS) {
      await this.reload();
      key = this.verifyKeys.get(decoded.keyId);
    }
    if (!key) return undefined;
    return verify(null, decoded.signed, key, decoded.signature) ? decoded.claims : undefined;
  }

  publicKeys(): PublicKeyView[] {
    return this.views;
  }

  private async reload(): Promise<void> {
    this.lastReload = Date.now();
    const rows = await this.db
      .selectFrom('tickets.signing_keys')
      .select(['id', 'private_key', 'public_key', 'retired_at'])
      .orderBy('id')
      .execute();
    const active = rows.find((row) => row.retired_at === null);
    this.signingKey = active ? { id: active.id, key: createPrivateKey(active.private_key) } : undefined;
    this.verifyKeys = new Map(rows.map((row) => [row.id, createPublicKey(row.public_key)]));
    this.views = rows.map((row) => {
      const jwk = createPublicKey(row.public_key).export({ format: 'jwk' });
      return {
        kid: String(row.id),
        kty: 'OKP',
        crv: 'Ed25519',
        alg: 'EdDSA',
        x: jwk.x ?? '',
        pem: row.public_key,
        active: row.retired_at === null,
      };
    });
  }
}
