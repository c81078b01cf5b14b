// The signed-in session: the token pair, in memory and in localStorage (which every tab of the app
// shares), and the refresh that trades it for a new pair when the access token has expired.
//
// The server rotates refresh tokens and takes a second use of one as theft: it ends the whole login
// (docs/identity.md). So a refresh token must be presented once, by one caller in one tab: calls
// failing together share one refresh, and tabs take turns under a Web Lock, each looking first for
// a pair another tab got. That look goes to IndexedDB: a committed IndexedDB write is seen by the
// next transaction in any tab, while localStorage reaches other tabs a moment later (Chromium let
// a tab that had just been granted the lock read the old pair in two of three tries).
import type { Answer, RequestBody } from './api.ts';
import { idbCommitted, idbDatabase, idbRequest } from './idb.ts';

const STORAGE_KEY = 'sbor.tokens';
const REFRESH_LOCK = 'sbor.tokens.refresh';
const SHARED = 'session';

/** The pair kept from a sign-in or refresh answer. */
export type Tokens = Pick<Answer<'/api/auth/refresh', 'post'>, 'access_token' | 'refresh_token'>;

let tokens: Tokens | null = readStoredTokens();
const listeners = new Set<() => void>();
/** The refresh in flight in this tab, which every caller that got a 401 meanwhile awaits. */
let refreshing: Promise<boolean> | null = null;
const sessionDatabase = idbDatabase('sbor-session', (created) => created.createObjectStore(SHARED));

function readStoredTokens(): Tokens | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

/** Takes a pair into memory and tells the listeners when it changed. */
function adopt(next: Tokens | null): void {
  if (next?.access_token === tokens?.access_token && next?.refresh_token === tokens?.refresh_token) return;
  tokens = next;
  for (const listener of listeners) listener();
}

/** Keeps the pair for this tab and the others; resolves once every tab's next look will find it. */
export function setTokens(next: Tokens | null): Promise<void> {
  const pair = next && { access_token: next.access_token, refresh_token: next.refresh_token };
  if (pair) localStorage.setItem(STORAGE_KEY, JSON.stringify(pair));
  else localStorage.removeItem(STORAGE_KEY);
  adopt(pair);
  return share(pair);
}

async function share(pair: Tokens | null): Promise<void> {
  try {
    const transaction = (await sessionDatabase()).transaction(SHARED, 'readwrite');
    transaction.objectStore(SHARED).put(pair, 'tokens');
    await idbCommitted(transaction);
  } catch {
    // No IndexedDB (some private modes): tabs fall back to localStorage.
  }
}

/** The latest pair any tab kept: IndexedDB's, or localStorage's where IndexedDB has none. */
async function latestPair(): Promise<Tokens | null> {
  try {
    const read = (await sessionDatabase()).transaction(SHARED, 'readonly').objectStore(SHARED).get('tokens');
    const shared = (await idbRequest(read)) as Tokens | null | undefined;
    if (shared !== undefined) return shared;
  } catch {
    // As above.
  }
  return readStoredTokens();
}

export function currentTokens(): Tokens | null {
  return tokens;
}
export function signedIn(): boolean {
  return tokens !== null;
}
export function onAuthChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab signed in, refreshed or signed out: follow it, so this tab sends the new access token
// at once (and shows the sign-out).
window.addEventListener('storage', (event) => {
  if (event.key === STORAGE_KEY || event.key === null) adopt(readStoredTokens());
});

/**
 * Called after a 401 to a call made with access token `used`: resolves true when a newer pair is in
 * hand and the call is worth repeating. Calls that fail together share one refresh; a call whose
 * token was replaced meanwhile (by this tab's refresh or another tab's) just repeats.
 */
export function renewAfter(used: string): Promise<boolean> {
  if (!tokens) return Promise.resolve(false);
  if (tokens.access_token !== used) return Promise.resolve(true);
  refreshing ??= refreshInTurn(used).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** One tab at a time (Web Locks exist in secure contexts: https and localhost). */
async function refreshInTurn(used: string): Promise<boolean> {
  const locks = navigator.locks as LockManager | undefined;
  return locks ? await locks.request(REFRESH_LOCK, () => refresh(used)) : await refresh(used);
}

async function refresh(used: string): Promise<boolean> {
  // Another tab may have refreshed (or signed out) while this one waited for the lock: its pair is
  // the one to use, and ours is spent.
  const latest = await latestPair();
  if (latest?.access_token !== used) return tookPair(latest);
  let response: Response;
  try {
    response = await fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: latest.refresh_token } satisfies RequestBody<'/api/auth/refresh', 'post'>),
    });
  } catch {
    return false; // Offline: the session stays, the call fails, a later one tries again.
  }
  if (response.ok) {
    // Shared before the lock is let go, so the tab waiting for it finds this pair.
    await setTokens((await response.json()) as Answer<'/api/auth/refresh', 'post'>);
    return true;
  }
  // Too many attempts or a server in trouble say nothing about the session: keep it.
  if (response.status === 429 || response.status >= 500) return false;
  // Refused: spent, revoked or expired. Where tabs cannot take turns (no Web Locks) another tab
  // may have won the same token a moment ago; its pair is then the latest.
  const after = await latestPair();
  if (after?.access_token !== used) return tookPair(after);
  await setTokens(null);
  return false;
}

function tookPair(pair: Tokens | null): boolean {
  adopt(pair);
  return pair !== null;
}
