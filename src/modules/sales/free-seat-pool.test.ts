import { describe, expect, it } from 'vitest';
import { FreeSeatPool } from './free-seat-pool.ts';
import type { SeatListing } from './seats.repository.ts';

/** A hall of `free` free seats (ids 1..free) and a clock the test moves; counts the reads. */
function hall(free: number) {
  const state = { free: new Set(Array.from({ length: free }, (_, index) => index + 1)), reads: 0, now: 0 };
  const seat = (id: number): SeatListing => ({ id, row: 1, number: id, price: 100, zone_id: 1, status: 'FREE' });
  const pool = new FreeSeatPool(
    async (_eventId, count) => {
      state.reads += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return [...state.free].slice(0, count).map(seat);
    },
    { size: 10, maxAgeMs: 500, now: () => state.now },
  );
  return { state, pool };
}

const ids = (seats: SeatListing[]) => seats.map((seat) => seat.id);

describe('free-seat suggestions from memory', () => {
  it('hands consecutive callers different seats from one read', async () => {
    const { state, pool } = hall(100);
    expect(ids(await pool.suggest(1, 3))).toEqual([1, 2, 3]);
    expect(ids(await pool.suggest(1, 3))).toEqual([4, 5, 6]);
    expect(ids(await pool.suggest(1, 3))).toEqual([7, 8, 9]);
    expect(ids(await pool.suggest(1, 3))).toEqual([10, 1, 2]);
    expect(state.reads).toBe(1);
  });

  it('never suggests a seat this process took, and reads again when too few are left', async () => {
    const { state, pool } = hall(100);
    await pool.suggest(1, 3);
    pool.taken(1, [4, 5, 6, 7, 8, 9, 10]);
    expect(ids(await pool.suggest(1, 3))).toEqual([1, 2, 3]);
    pool.taken(1, [1]);
    for (const id of [1, 4, 5, 6, 7, 8, 9, 10]) state.free.delete(id);
    expect(ids(await pool.suggest(1, 3))).toEqual([2, 3, 11]);
    expect(state.reads).toBe(2);
  });

  it('reads again once the window is older than its maximum age', async () => {
    const { state, pool } = hall(100);
    await pool.suggest(1, 3);
    state.free.delete(1);
    state.now = 500;
    expect(ids(await pool.suggest(1, 3))).toEqual([4, 5, 6]);
    state.now = 501;
    expect(ids(await pool.suggest(1, 3))).toEqual([2, 3, 4]);
    expect(state.reads).toBe(2);
  });

  it('shares one read among callers arriving together', async () => {
    const { state, pool } = hall(100);
    const answers = await Promise.all(Array.from({ length: 5 }, () => pool.suggest(1, 2)));
    expect(state.reads).toBe(1);
    expect(answers.map((answer) => answer[0]!.id)).toEqual([1, 3, 5, 7, 9]);
  });

  it('returns what is left when the hall has fewer free seats than asked for', async () => {
    const { state, pool } = hall(2);
    expect(ids(await pool.suggest(1, 5))).toEqual([1, 2]);
    pool.taken(1, [1]);
    state.free.delete(1);
    expect(ids(await pool.suggest(1, 5))).toEqual([2]);
    expect(state.reads).toBe(2);
  });

  it('does not bring back a seat taken while the window was being read', async () => {
    const { pool } = hall(100);
    const answer = pool.suggest(1, 3);
    pool.taken(1, [2]); // committed while the read was running, which saw it free
    expect(ids(await answer)).toEqual([1, 3, 4]);
    for (let round = 0; round < 5; round += 1) expect(ids(await pool.suggest(1, 3))).not.toContain(2);
  });

  it('keeps windows for a bounded number of events, dropping the longest unread', async () => {
    const { state, pool } = hall(100);
    for (let eventId = 1; eventId <= 300; eventId += 1) await pool.suggest(eventId, 1);
    expect(state.reads).toBe(300);
    await pool.suggest(300, 1);
    expect(state.reads).toBe(300);
    await pool.suggest(1, 1);
    expect(state.reads).toBe(301);
  });

  it('does not keep a read that was under way when the event was forgotten', async () => {
    const { state, pool } = hall(100);
    const before = pool.suggest(1, 3);
    pool.forget(1);
    await before;
    await pool.suggest(1, 3);
    expect(state.reads).toBe(2);
  });

  it('forgets an event, so the next caller reads it afresh', async () => {
    const { state, pool } = hall(100);
    await pool.suggest(1, 3);
    pool.forget(1);
    await pool.suggest(1, 3);
    expect(state.reads).toBe(2);
  });
});
