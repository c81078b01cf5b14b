/**
 * Deterministic randomness for the data-set generators: each row draws from its own small PRNG
 * seeded from (salt, row id), so any row can be recomputed on its own, without the file and
 * without generating the rows before it.
 */

/** A generator of numbers in [0, 1) for row `id`; `salt` mixes in the seed (and what is generated). */
export function rowRandom(salt: number, id: number): () => number {
  return mulberry32(mix32(mix32(salt) ^ (id >>> 0) ^ mix32(Math.floor(id / 0x1_0000_0000))));
}

/** mulberry32: small, fast, and good enough for test data (not for anything secret). */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A 32-bit hash finaliser (MurmurHash3's), so that nearby ids and seeds give unrelated states. */
function mix32(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** One of `items`, uniformly. */
export function pick<T>(random: () => number, items: ArrayLike<T>): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError('pick from an empty list');
  return item;
}
