import type { Kysely } from 'kysely';
import { assertOwner, type Principal } from '../../platform/http/access.ts';
import type { ExtraRequest, HallsService } from './halls.service.ts';
import {
  alreadyWatching,
  hallNotFound,
  slotAvailable,
  STRANGER_TO_WATCH,
  tooManyWatches,
  watchNotFound,
} from './rentals.errors.ts';
import { recordExpired } from './rentals.holds.ts';
import { databaseNow, expirePassedHolds, lockHall, rentalsDb, slotHeld, type RentalsDb } from './rentals.repository.ts';
import {
  closeWatch,
  countActiveWatches,
  dropPassedWatches,
  findActiveWatch,
  findWatch,
  hallsWithWaitingWatches,
  insertWatch,
  listUserWatches,
  lockWatch,
  type WatchRow,
} from './watches.repository.ts';
import type { WatchOffers } from './watches.offers.ts';

/** How many watches one user may have waiting (or offered) at once. */
export const MAX_ACTIVE_WATCHES = 20;
const SWEEP_BATCH = 500;
const FEED_HALLS = 50;

export function watchView(row: WatchRow) {
  return {
    id: row.id,
    hall_id: row.hall_id,
    starts_at: row.starts_at.toISOString(),
    ends_at: row.ends_at.toISOString(),
    extras: row.extras,
    status: row.status,
    rental_id: row.rental_id,
    offer_expires_at: row.offer_expires_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    closed_at: row.closed_at?.toISOString() ?? null,
  };
}

/** "Tell me if it frees up": renters' watches of taken slots, and the sweep that keeps them fed. */
export class WatchesService {
  private readonly db: RentalsDb;
  private readonly halls: HallsService;
  private readonly offers: WatchOffers;

  constructor(db: Kysely<object>, halls: HallsService, offers: WatchOffers) {
    this.db = rentalsDb(db);
    this.halls = halls;
    this.offers = offers;
  }

  /**
   * Watches a slot that is taken now (a free one is a 409 slot-available: book it). The slot must
   * be one the hall would rent (its rules, price and extras, as for a booking), and the user may
   * have at most MAX_ACTIVE_WATCHES in play. Under the hall's lock, so a slot freeing meanwhile is
   * either seen free here or fed to this watch.
   */
  async create(principal: Principal, hallId: number, startsAt: number, endsAt: number, extras: ExtraRequest[]) {
    const row = await this.db.transaction().execute(async (trx) => {
      const hall = await lockHall(trx, hallId);
      if (!hall) throw hallNotFound();
      const now = await databaseNow(trx);
      await this.halls.priceFor(trx, hall, startsAt, endsAt, extras, now);
      const from = new Date(startsAt);
      const to = new Date(endsAt);
      const existing = await findActiveWatch(trx, principal.userId, hallId, from, to);
      if (existing) throw alreadyWatching(existing.id);
      if ((await countActiveWatches(trx, principal.userId)) >= MAX_ACTIVE_WATCHES) throw tooManyWatches(MAX_ACTIVE_WATCHES);
      const occupiedUntil = new Date(endsAt + hall.buffer_minutes * 60_000);
      if (!(await slotHeld(trx, hallId, from, occupiedUntil))) throw slotAvailable();
      return insertWatch(trx, {
        hall_id: hallId,
        user_id: principal.userId,
        starts_at: from.toISOString(),
        ends_at: to.toISOString(),
        extras: JSON.stringify(extras),
        rental_id: null,
        offer_expires_at: null,
        closed_at: null,
      });
    });
    return watchView(row);
  }

  async mine(principal: Principal) {
    return (await listUserWatches(this.db, principal.userId)).map(watchView);
  }

  /**
   * Stops watching (the one ownership rule: the watcher or an admin; anyone else gets the 404 of
   * a missing id). An offer already made stays the watcher's hold: paid, it is theirs; left, it
   * lapses and goes to the next. Deleting a closed watch changes nothing.
   */
  async delete(principal: Principal, watchId: number): Promise<void> {
    const found = await findWatch(this.db, watchId);
    if (!found) throw watchNotFound();
    assertOwner(principal, found.user_id, STRANGER_TO_WATCH);
    await this.db.transaction().execute(async (trx) => {
      const watch = await lockWatch(trx, watchId);
      if (watch?.status === 'WAITING' || watch?.status === 'OFFERED') await closeWatch(trx, watchId, 'CANCELLED');
    });
  }

  /**
   * Periodic: drops waiting watches whose slot has started, then offers, hall by hall, what freed
   * without passing a feeder (a hold that passed its second unnoticed, stock returned by another
   * hall's rental, a watch that did not fit before).
   */
  async sweep(): Promise<number> {
    let done = await dropPassedWatches(this.db, SWEEP_BATCH);
    for (const hallId of await hallsWithWaitingWatches(this.db, FEED_HALLS)) {
      done += await this.db.transaction().execute(async (trx) => {
        const hall = await lockHall(trx, hallId);
        if (!hall) return 0;
        const expired = await expirePassedHolds(trx, hallId, []);
        await recordExpired(trx, expired);
        await this.offers.feed(trx, hall, expired);
        return (await this.offers.feed(trx, hall, 'all')) + expired.length;
      });
    }
    return done;
  }
}
