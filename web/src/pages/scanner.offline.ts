// The scanner's offline mode: the check-in bundle and the queue of scans kept in IndexedDB,
// ticket codes verified in the browser (docs/tickets.md, "Verifying offline"), and the sync.

import { api, ApiError, type Answer } from '../api.ts';
import { idbCommitted, idbDatabase, idbRequest } from '../idb.ts';

export type CheckinBundle = Answer<'/api/events/{id}/checkin-bundle'>;

/** One scan admitted offline, waiting for (or done with) POST /api/events/:id/checkins/sync. */
export interface QueuedScan {
  scan_id: string;
  event_id: number;
  ticket_id: number;
  code: string;
  gate: string;
  scanned_at: string;
  synced: boolean;
}

export type SyncReport = Answer<'/api/events/{id}/checkins/sync', 'post'>;

export type OfflineVerdict =
  | { kind: 'valid'; ticketId: number }
  /** This browser cannot verify Ed25519 signatures: no offline answer at all. */
  | { kind: 'unverifiable' }
  | { kind: 'used'; ticketId: number; at: string; gate: string; here: boolean }
  | { kind: 'invalid'; reason: 'forged' | 'other-event' | 'cancelled'; eventId?: number };

// ── IndexedDB, through the plain API ────────────────────────────────────────────────────────────

const DB_NAME = 'sbor-scanner';
const BUNDLES = 'bundles';
const SCANS = 'scans';

const database = idbDatabase(DB_NAME, (created) => {
  created.createObjectStore(BUNDLES, { keyPath: 'event_id' });
  created.createObjectStore(SCANS, { keyPath: 'scan_id' }).createIndex('event_id', 'event_id');
});

async function store(name: string, mode: IDBTransactionMode): Promise<IDBObjectStore> {
  return (await database()).transaction(name, mode).objectStore(name);
}

export async function saveBundle(bundle: CheckinBundle): Promise<void> {
  await idbRequest((await store(BUNDLES, 'readwrite')).put(bundle));
}

export async function loadBundle(eventId: number): Promise<CheckinBundle | undefined> {
  return idbRequest((await store(BUNDLES, 'readonly')).get(eventId) as IDBRequest<CheckinBundle | undefined>);
}

export async function scansOf(eventId: number): Promise<QueuedScan[]> {
  return idbRequest((await store(SCANS, 'readonly')).index('event_id').getAll(eventId) as IDBRequest<QueuedScan[]>);
}

async function allScans(): Promise<QueuedScan[]> {
  return idbRequest((await store(SCANS, 'readonly')).getAll() as IDBRequest<QueuedScan[]>);
}

async function putScans(scans: QueuedScan[]): Promise<void> {
  const tx = (await database()).transaction(SCANS, 'readwrite');
  for (const scan of scans) tx.objectStore(SCANS).put(scan);
  await idbCommitted(tx);
}

/** Scans admitted offline and not yet synced, on this device, for every event. */
export async function pendingCount(): Promise<number> {
  return (await allScans()).filter((scan) => !scan.synced).length;
}

// ── Codes ───────────────────────────────────────────────────────────────────────────────────────

const SIGNATURE_BYTES = 64;

function base64urlBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function bytesBase64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

/** Splits a format-1 code (see docs/tickets.md); undefined for anything else. */
export function decodeCode(code: string) {
  if (code.length > 200 || !/^[A-Za-z0-9_-]+$/.test(code) || code.length % 4 === 1) return undefined;
  const bytes = base64urlBytes(code);
  // One canonical spelling per code, as the server insists.
  if (bytesBase64url(bytes) !== code || bytes[0] !== 1) return undefined;
  const fields: number[] = [];
  let offset = 1;
  for (let field = 0; field < 4; field += 1) {
    let value = 0;
    let scale = 1;
    let done = false;
    for (let index = offset; index < bytes.length && index < offset + 8; index += 1) {
      const byte = bytes[index] ?? 0;
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
      if (byte < 0x80) {
        offset = index + 1;
        done = true;
        break;
      }
    }
    if (!done || !Number.isSafeInteger(value)) return undefined;
    fields.push(value);
  }
  if (bytes.length - offset !== SIGNATURE_BYTES) return undefined;
  const [keyId = 0, ticketId = 0, eventId = 0, version = 0] = fields;
  return { keyId, ticketId, eventId, version, signed: bytes.slice(0, offset), signature: bytes.slice(offset) };
}

const importedKeys = new Map<string, Promise<CryptoKey | null>>();

/** The bundle's key as a WebCrypto Ed25519 key; null where the browser has no Ed25519. */
function verifyKey(x: string): Promise<CryptoKey | null> {
  let key = importedKeys.get(x);
  if (!key) {
    key = crypto.subtle.importKey('raw', base64urlBytes(x), { name: 'Ed25519' }, false, ['verify']).catch(() => null);
    importedKeys.set(x, key);
  }
  return key;
}

/** Whether this browser can check code signatures offline (WebCrypto Ed25519). */
export async function canVerifySignatures(bundle: CheckinBundle): Promise<boolean> {
  const key = bundle.public_keys[0];
  return key ? (await verifyKey(key.x)) !== null : false;
}

// ── Verdicts and the queue ──────────────────────────────────────────────────────────────────────

/**
 * An event's bundle and this device's scans, in memory for quick answers. A code is checked as
 * docs/tickets.md says: layout and Ed25519 signature, the event, the revoked list, the used list
 * and the scans made here. Where the browser cannot verify Ed25519 nothing is admitted: a code
 * whose signature was not checked could be forged.
 */
export class OfflineGate {
  readonly bundle: CheckinBundle;
  private readonly revoked: Set<number>;
  private readonly used: Map<number, { at: string; gate: string }>;
  private readonly local = new Map<number, QueuedScan>();

  constructor(bundle: CheckinBundle, scans: QueuedScan[]) {
    this.bundle = bundle;
    this.revoked = new Set(bundle.revoked.map((ticket) => ticket.ticket_id));
    this.used = new Map(bundle.used.map((ticket) => [ticket.ticket_id, { at: ticket.used_at, gate: ticket.gate }]));
    for (const scan of scans) if (!this.local.has(scan.ticket_id)) this.local.set(scan.ticket_id, scan);
  }

  static async open(eventId: number): Promise<OfflineGate | null> {
    const bundle = await loadBundle(eventId);
    return bundle ? new OfflineGate(bundle, await scansOf(eventId)) : null;
  }

  /** Answers for a code and, when it gets in, queues the scan (kept in IndexedDB). */
  async admit(code: string, gate: string): Promise<OfflineVerdict> {
    const decoded = decodeCode(code);
    if (!decoded) return { kind: 'invalid', reason: 'forged' };
    const key = this.bundle.public_keys.find((candidate) => candidate.kid === String(decoded.keyId));
    if (!key) return { kind: 'invalid', reason: 'forged' };
    const cryptoKey = await verifyKey(key.x);
    if (!cryptoKey) return { kind: 'unverifiable' };
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, cryptoKey, decoded.signature, decoded.signed)))
      return { kind: 'invalid', reason: 'forged' };
    if (decoded.eventId !== this.bundle.event_id) return { kind: 'invalid', reason: 'other-event', eventId: decoded.eventId };
    if (this.revoked.has(decoded.ticketId)) return { kind: 'invalid', reason: 'cancelled' };
    const here = this.local.get(decoded.ticketId);
    if (here) return { kind: 'used', ticketId: decoded.ticketId, at: here.scanned_at, gate: here.gate, here: true };
    const used = this.used.get(decoded.ticketId);
    if (used) return { kind: 'used', ticketId: decoded.ticketId, at: used.at, gate: used.gate, here: false };
    const scan: QueuedScan = {
      scan_id: crypto.randomUUID(),
      event_id: this.bundle.event_id,
      ticket_id: decoded.ticketId,
      code,
      gate,
      scanned_at: new Date().toISOString(),
      synced: false,
    };
    // Taken before the write, so a second check of the same ticket meanwhile answers "used here".
    this.local.set(decoded.ticketId, scan);
    try {
      await putScans([scan]);
    } catch (caught) {
      this.local.delete(decoded.ticketId);
      throw caught;
    }
    return { kind: 'valid', ticketId: decoded.ticketId };
  }
}

/** Downloads the event's bundle and keeps it (one record per event; a newer one replaces it). */
export async function downloadBundle(eventId: number): Promise<OfflineGate> {
  const bundle = await api.get('/api/events/{id}/checkin-bundle', { path: { id: eventId } });
  await saveBundle(bundle);
  return new OfflineGate(bundle, await scansOf(eventId));
}

const SYNC_BATCH = 1000;

/** The merged reports of a sync, how many scans went, and the events the API refused to sync. */
export interface SyncResult extends SyncReport {
  sent: number;
  failed: { eventId: number; error: ApiError }[];
}

/**
 * Uploads every scan not yet synced, per event in batches of 1,000, and marks each one the server
 * answered for (accepted, duplicate, conflict or rejected: it has recorded them all). An event the
 * API refuses (say, no longer on this account's team) keeps its scans queued and is named in
 * `failed`; the other events still sync. A network failure stops the sync, the rest stays queued.
 */
export async function syncQueue(): Promise<SyncResult> {
  const pending = (await allScans()).filter((scan) => !scan.synced);
  const total: SyncResult = { accepted: [], duplicates: [], conflicts: [], rejected: [], sent: 0, failed: [] };
  const events = [...new Set(pending.map((scan) => scan.event_id))];
  for (const eventId of events) {
    const ofEvent = pending.filter((scan) => scan.event_id === eventId);
    try {
      for (let start = 0; start < ofEvent.length; start += SYNC_BATCH) {
        const batch = ofEvent.slice(start, start + SYNC_BATCH);
        const report = await api.post('/api/events/{id}/checkins/sync', {
          path: { id: eventId },
          body: {
            checkins: batch.map(({ code, gate, scan_id, scanned_at }) => ({ code, gate, scan_id, scanned_at })),
          },
        });
        const answered = new Set(
          [...report.accepted, ...report.duplicates, ...report.conflicts, ...report.rejected].map((scan) => scan.scan_id),
        );
        await putScans(batch.filter((scan) => answered.has(scan.scan_id)).map((scan) => ({ ...scan, synced: true })));
        total.sent += batch.length;
        total.accepted.push(...report.accepted);
        total.duplicates.push(...report.duplicates);
        total.conflicts.push(...report.conflicts);
        total.rejected.push(...report.rejected);
      }
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      total.failed.push({ eventId, error: caught });
    }
  }
  return total;
}
