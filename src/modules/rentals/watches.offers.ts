import { sql } from 'kysely';
import { addEvent } from '../../platform/bus/index.ts';
import { DomainError } from '../../platform/errors.ts';
import type { HallsService } from './halls.service.ts';
import { payloadOf } from './rentals.events.ts';
import { isExclusionViolation, placeRental } from './rentals.holds.ts';
import { databaseNow, lockStockedExtras, slotHeld, type HallRow, type RentalRow, type RentalsTrx } from './rentals.repository.ts';
import { closeWatch, lapseOffers, lockWaitingWatches, markWatchOffered, type WatchRow } from './watches.repository.ts';

/** The most waiting watches of one hall tried per freeing (first come first). */
const FEED_BATCH = 50;

/**
 * Hands a hall's freed time to its watchers, inside the transaction that freed it and under the
 * hall's lock (decision 0024, after sales' 0006): the first waiting watch (by id) whose slot is
 * now free gets a PENDING rental, held for the offer's TTL (the hall's hold TTL if shorter), and
 * `rental.offered` goes out. Nobody can take the slot between the freeing and the offer, because
 * they commit together. Later watches of other freed slots are offered too; one whose slot is
 * still taken (or overlaps an offer just made) waits. The exclusion constraint stays the only
 * judge of overlap: each offer is tried under a savepoint, and a conflict leaves the watch waiting.
 */
export class WatchOffers {
  private readonly halls: HallsService;
  private readonly offerTtlSeconds: number;
  private readonly defaultCurrency: string;

  constructor(halls: HallsService, options: { offerTtlSeconds: number; defaultCurrency: string }) {
    this.halls = halls;
    this.offerTtlSeconds = options.offerTtlSeconds;
    this.defaultCurrency = options.defaultCurrency;
  }

  /**
   * `freed`: rentals of this hall that just stopped holding their time (their offers, if any,
   * lapse); `'all'`: the periodic feeder, trying every waiting watch of the hall.
   */
  async feed(trx: RentalsTrx, hall: HallRow, freed: RentalRow[] | 'all'): Promise<number> {
    if (freed !== 'all') {
      await lapseOffers(
        trx,
        freed.map((row) => row.id),
      );
      if (freed.length === 0) return 0;
    }
    const ranges = freed === 'all' ? undefined : freed.map((row) => ({ from: row.starts_at, to: row.occupied_until }));
    const watches = await lockWaitingWatches(trx, hall.id, ranges, FEED_BATCH);
    if (watches.length === 0) return 0;
    const now = await databaseNow(trx);
    let offered = 0;
    for (const watch of watches) {
      if (watch.starts_at.getTime() <= now) await closeWatch(trx, watch.id, 'DROPPED');
      else if (await this.offer(trx, hall, watch, now)) offered += 1;
    }
    return offered;
  }

  private async offer(trx: RentalsTrx, hall: HallRow, watch: WatchRow, now: number): Promise<boolean> {
    const occupiedUntil = new Date(watch.ends_at.getTime() + hall.buffer_minutes * 60_000);
    if (await slotHeld(trx, hall.id, watch.starts_at, occupiedUntil)) return false;
    await lockStockedExtras(
      trx,
      watch.extras.map((extra) => extra.extra_id).sort((a, b) => a - b),
    );
    // A savepoint, so an offer that cannot be made (the constraint, a rule, the stock) leaves the
    // freeing transaction intact.
    await sql`savepoint watch_offer`.execute(trx);
    try {
      const { row } = await placeRental(trx, this.halls, hall, {
        userId: watch.user_id,
        kind: 'rental',
        startsAt: watch.starts_at.getTime(),
        endsAt: watch.ends_at.getTime(),
        extras: watch.extras,
        note: '',
        now,
        ttlSeconds: Math.min(this.offerTtlSeconds, hall.hold_ttl_seconds),
        defaultCurrency: this.defaultCurrency,
        reason: `offered to watch ${watch.id}`,
      });
      const expiresAt = row.expires_at ?? new Date(now);
      await markWatchOffered(trx, watch.id, row.id, expiresAt);
      await addEvent(trx, 'rental.offered', row.id, {
        ...payloadOf(row),
        watchId: watch.id,
        offerExpiresAt: expiresAt.toISOString(),
      });
      await sql`release savepoint watch_offer`.execute(trx);
      return true;
    } catch (error) {
      await sql`rollback to savepoint watch_offer`.execute(trx);
      if (error instanceof DomainError || isExclusionViolation(error)) return false;
      throw error;
    }
  }
}
