/**
 * Lost lock races. PostgreSQL breaks a deadlock (40P01) or a serialization failure (40001) by
 * failing one transaction whole, so running it again is safe and, once the other is through,
 * usually succeeds. Used where two paths take the same rows in opposite orders by design (a
 * purchase locks the ticket type before it meets the buyer's open booking; the expiry sweep locks
 * the booking before its ticket type).
 */
export function isLockConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** Runs a transaction again after a lost lock race, up to `attempts` times in all. */
export async function retryOnLockConflict<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isLockConflict(error)) throw error;
    }
  }
}
