// The waiting room's admission token, kept for this tab: the queue page stores it when the buyer is
// admitted, and api.ts sends it (Queue-Token header) with every booking and purchase request. A
// token names its event and account, so sending it elsewhere changes nothing.

const KEY = 'sbor.queue-token';

interface Stored {
  token: string;
  expiresAt: string;
}

export function rememberQueueToken(token: string, expiresAt: string): void {
  sessionStorage.setItem(KEY, JSON.stringify({ token, expiresAt } satisfies Stored));
}

/** The stored token while it is valid; undefined otherwise. */
export function currentQueueToken(): string | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Stored | null;
    return stored && Date.parse(stored.expiresAt) > Date.now() ? stored.token : undefined;
  } catch {
    return undefined;
  }
}
