import { describe, expect, it } from 'vitest';
import { invalidateSearchCaches, normalizeSearchText, SearchCache } from './search-cache.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('the search cache', () => {
  it('serves a repeated key from memory until its TTL passes', async () => {
    let now = 0;
    const cache = new SearchCache<number>({ ttlMs: 1000, now: () => now });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    now = 999;
    expect(await cache.get('a', load)).toBe(1);
    now = 1000;
    expect(await cache.get('a', load)).toBe(2);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, size: 1 });
  });

  it('shares one load between concurrent misses of a key', async () => {
    const cache = new SearchCache<string>();
    const pending = deferred<string>();
    let loads = 0;
    const load = () => {
      loads++;
      return pending.promise;
    };
    const both = Promise.all([cache.get('k', load), cache.get('k', load)]);
    pending.resolve('v');
    expect(await both).toEqual(['v', 'v']);
    expect(loads).toBe(1);
  });

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const cache = new SearchCache<string>({ maxEntries: 2 });
    const load = (value: string) => async () => value;
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('a', load('a2')); // a is now the most recent
    await cache.get('c', load('c')); // drops b
    expect(await cache.get('a', load('a3'))).toBe('a');
    expect(await cache.get('b', load('b2'))).toBe('b2');
  });

  it('forgets a failed load', async () => {
    const cache = new SearchCache<string>();
    await expect(cache.get('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', async () => 'up')).toBe('up');
  });

  it('drops everything on invalidate(), and does not keep a load that was running then', async () => {
    const cache = new SearchCache<string>();
    await cache.get('k', async () => 'old');
    cache.invalidate();
    expect(await cache.get('k', async () => 'new')).toBe('new');

    const running = deferred<string>();
    const stale = cache.get('r', () => running.promise);
    cache.invalidate();
    running.resolve('read before the change');
    expect(await stale).toBe('read before the change');
    expect(await cache.get('r', async () => 'read after')).toBe('read after');
  });

  it('drops every cache of the process on invalidateSearchCaches()', async () => {
    const first = new SearchCache<string>();
    const second = new SearchCache<string>();
    await first.get('k', async () => 'one');
    await second.get('k', async () => 'two');
    invalidateSearchCaches();
    expect(await first.get('k', async () => 'one again')).toBe('one again');
    expect(await second.get('k', async () => 'two again')).toBe('two again');
  });

  it('peeks at a loaded value only while get() would answer it without loading', async () => {
    let now = 0;
    const cache = new SearchCache<string>({ ttlMs: 1000, now: () => now });
    const running = deferred<string>();
    const loading = cache.get('k', () => running.promise);
    expect(cache.peek('k')).toBeUndefined();
    running.resolve('v');
    await loading;
    expect(cache.peek('k')).toBe('v');
    now = 1000;
    expect(cache.peek('k')).toBeUndefined();

    await cache.get('k', async () => 'w');
    expect(cache.peek('k')).toBe('w');
    cache.invalidate();
    expect(cache.peek('k')).toBeUndefined();
    await cache.get('k', async () => 'x');
    invalidateSearchCaches();
    expect(cache.peek('k')).toBeUndefined();
    expect(cache.peek('never')).toBeUndefined();
  });

  it('normalizes case, Unicode form and spaces of a search text', () => {
    expect(normalizeSearchText('  Красная\u00a0 ШАПОЧКА ')).toBe('красная шапочка');
    expect(normalizeSearchText('Ёлка')).toBe(normalizeSearchText('Е\u0308лка'));
  });
});
