// IndexedDB through the plain API: a request or a transaction as a promise, and a database opened
// once per page. (The scanner keeps its bundles and scans here; the session shares its tokens.)

export function idbRequest<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/** Resolves when the transaction has committed: a transaction begun later, in any tab, sees its writes. */
export function idbCommitted(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB write failed'));
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB write aborted'));
  });
}

/** A function that opens the database (version 1, made by `create`) on first use and then reuses it. */
export function idbDatabase(name: string, create: (database: IDBDatabase) => void): () => Promise<IDBDatabase> {
  let opened: Promise<IDBDatabase> | null = null;
  return () => {
    opened ??= new Promise((resolve, reject) => {
      const open = indexedDB.open(name, 1);
      open.onupgradeneeded = () => create(open.result);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => {
        opened = null;
        reject(open.error ?? new Error('IndexedDB is not available'));
      };
    });
    return opened;
  };
}
