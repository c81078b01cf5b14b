import type { Kysely } from 'kysely';
import { addEvent } from '../../platform/bus/index.ts';
import { runIdempotent, type IdempotentResult } from '../../platform/db/idempotency.ts';
import { mayActAsOwner, type Principal } from '../../platform/http/access.ts';
import { addDays, isLocalDate, startOfLocalDay } from './rentals.clock.ts';
import { illegalTransition, invalidRange, rentalNotFound, slotTaken } from './rentals.errors.ts';
import { payloadOf } from './rentals.events.ts';
import { refundIfCancelledNow, renterRefund } from './rentals.policy.ts';
import {
  databaseNow,
  hallsWithPassedHolds,
  completeEndedRentals,
  expirePassedHolds,
  findHall,
  findRental,
  findRentalExtras,
  insertAudit,
  listAudit,
  listHallRentals,
  listUserRentals,
  lockHall,
  lockRental,
  lockStockedExtras,
  rentalsDb,
  transitionRental,
  type RentalRow,
  type RentalsDb,
} from './rentals.repository.ts';
import { isExclusionViolation, placeRental, recordExpired } from './rentals.holds.ts';
import { scheduleReminder } from './rentals.reminders.ts';
import { markOfferClaimed } from './watches.repository.ts';
import type { WatchOffers } from './watches.offers.ts';
import { checkDateRange } from './rentals.slots.ts';
import type { HallsService, ExtraRequest } from './halls.service.ts';
import { hallNotFound } from './rentals.errors.ts';
import './rentals.events.ts';

const SWEEP_BATCH = 500;
/** The most local dates the team's list of a hall's rentals covers at once. */
export const MAX_LIST_DAYS = 92;

type RentalExtraRow = Awaited<ReturnType<typeof findRentalExtras>>[number];

export function rentalView(row: RentalRow, extras: RentalExtraRow[]) {
  const quote = row.quote as { lines?: unknown[] } | null;
  return {
    id: row.id,
    hall_id: row.hall_id,
    kind: row.kind,
    status: row.status,
    user_id: row.user_id,
    starts_at: row.starts_at.toISOString(),
    ends_at: row.ends_at.toISOString(),
    buffer_until: row.occupied_until.toISOString(),
    expires_at: row.status === 'PENDING' && row.expires_at ? row.expires_at.toISOString() : null,
    total: row.total,
    currency: row.currency,
    lines: (quote?.lines ?? []) as never[],
    extras: extras
      .filter((extra) => extra.rental_id === row.id)
      .map((extra) => ({ extra_id: extra.extra_id, quantity: extra.quantity, amount: extra.amount })),
    note: row.note,
    paid_offline: row.paid_offline,
    refund_amount: row.refund_amount,
    cancelled_by: row.cancelled_by,
    created_at: row.created_at.toISOString(),
    confirmed_at: row.confirmed_at?.toISOString() ?? null,
    closed_at: row.closed_at?.toISOString() ?? null,
  };
}

export type RentalView = ReturnType<typeof rentalView>;

export interface RentalRequest {
  hallId: number;
  startsAt: number;
  endsAt: number;
  extras: ExtraRequest[];
}

/** Rentals and blocks of halls: booking, the team's view, cancelling, confirming, and the sweeps. */
export class RentalsService {
  private readonly db: RentalsDb;
  private readonly halls: HallsService;
  private readonly defaultCurrency: string;
  private readonly reminderLeadMinutes: number;
  private readonly offers: WatchOffers;

  constructor(
    db: Kysely<object>,
    halls: HallsService,
    offers: WatchOffers,
    options: { defaultCurrency: string; reminderLeadMinutes: number },
  ) {
    this.db = rentalsDb(db);
    this.halls = halls;
    this.offers = offers;
    this.defaultCurrency = options.defaultCurrency;
    this.reminderLeadMinutes = options.reminderLeadMinutes;
  }

  /** Creates at most once per Idempotency-Key (platform/db/idempotency.ts). */
  idempotent<T>(
    principal: Principal,
    key: string | undefined,
    request: unknown,
    work: () => Promise<T>,
  ): Promise<IdempotentResult<T>> {
    return runIdempotent(this.db, 'rentals', { userId: principal.userId, key, request, statusCode: 201 }, work);
  }

  /**
   * A PENDING hold on the slot until `expires_at` (now + the hall's hold TTL, by the database
   * clock). Under the hall's lock and the stocked extras' locks (in id order): holds whose second
   * passed are expired first, the stock is counted per quarter hour, and the insert is judged by
   * the exclusion constraint — a conflict is a 409 slot-taken.
   */
  async create(principal: Principal, request: RentalRequest): Promise<RentalView> {
    return this.insert(principal, request, 'rental', '');
  }

  /** The studio's own time (maintenance, private use): CONFIRMED at once, no buffer, no price. */
  async block(principal: Principal, hallId: number, startsAt: number, endsAt: number, note: string): Promise<RentalView> {
    await this.halls.manageableHall(principal, hallId);
    return this.insert(principal, { hallId, startsAt, endsAt, extras: [] }, 'block', note);
  }

  private async insert(
    principal: Principal,
    request: RentalRequest,
    kind: 'rental' | 'block',
    note: string,
  ): Promise<RentalView> {
    const ids = request.extras.map((extra) => extra.extra_id).sort((a, b) => a - b);
    try {
      const { row, extras } = await this.db.transaction().execute(async (trx) => {
        const hall = await lockHall(trx, request.hallId);
        if (!hall) throw hallNotFound();
        await lockStockedExtras(trx, ids);
        const now = await databaseNow(trx);
        // Passed holds never block a new rental; what they free goes to the hall's watchers first.
        const expired = await expirePassedHolds(trx, hall.id, ids);
        await recordExpired(trx, expired);
        await this.offers.feed(
          trx,
          hall,
          expired.filter((freed) => freed.hall_id === hall.id),
        );
        return placeRental(trx, this.halls, hall, {
          userId: principal.userId,
          kind,
          startsAt: request.startsAt,
          endsAt: request.endsAt,
          extras: request.extras,
          note,
          now,
          ttlSeconds: hall.hold_ttl_seconds,
          defaultCurrency: this.defaultCurrency,
          reason: kind === 'block' ? 'blocked' : 'created',
        });
      });
      return rentalView(row, extras);
    } catch (error) {
      if (isExclusionViolation(error)) throw slotTaken();
      throw error;
    }
  }

  /** The renter, or the hall's studio team, sees a rental; anyone else gets the same 404 as for a missing id. */
  async get(principal: Principal, rentalId: number) {
    const row = await this.visible(principal, rentalId);
    const [extras, audit, hall, now] = await Promise.all([
      findRentalExtras(this.db, [row.id]),
      listAudit(this.db, row.id),
      findHall(this.db, row.hall_id),
      databaseNow(this.db),
    ]);
    // The same judge as cancel(): its renter by the policy, anyone else who sees it as the studio.
    const byRenter = row.kind === 'rental' && row.user_id === principal.userId;
    return {
      ...rentalView(row, extras),
      refund_if_cancelled_now: hall ? refundIfCancelledNow(row, hall, byRenter, now) : null,
      audit: audit.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
    };
  }

  async mine(principal: Principal) {
    const rows = await listUserRentals(this.db, principal.userId);
    const extras = await findRentalExtras(
      this.db,
      rows.map((row) => row.id),
    );
    return rows.map((row) => rentalView(row, extras));
  }

  /** The team's list: every rental and block of the hall touching the local dates [from, to]. */
  async ofHall(principal: Principal, hallId: number, from: string, to: string) {
    const hall = await this.halls.manageableHall(principal, hallId);
    if (!isLocalDate(from) || !isLocalDate(to)) throw invalidRange('from and to are local dates (YYYY-MM-DD).');
    checkDateRange(from, to, MAX_LIST_DAYS);
    const rows = await listHallRentals(
      this.db,
      hallId,
      new Date(startOfLocalDay(from, hall.timezone)),
      new Date(startOfLocalDay(addDays(to, 1), hall.timezone)),
      { includeClosed: true },
    );
    const extras = await findRentalExtras(
      this.db,
      rows.map((row) => row.id),
    );
    return rows.map((row) => rentalView(row, extras));
  }

  /**
   * Cancels a live rental. The renter gets back what the hall's policy gives at this moment by the
   * database clock (nothing for an unpaid hold, and a started rental is no longer theirs to
   * cancel); the studio refunds a paid rental in full. The refund amount is recorded and told in
   * rental.cancelled; the money moves with payments.
   */
  async cancel(principal: Principal, rentalId: number, reason: string) {
    const current = await this.visible(principal, rentalId);
    const byRenter = current.kind === 'rental' && current.user_id === principal.userId;
    if (!byRenter) await this.halls.manageableHall(principal, current.hall_id);
    const row = await this.db.transaction().execute(async (trx) => {
      // The hall first, then the rental: the order booking takes them in, and the freed time is
      // offered to the hall's watchers under the same lock.
      const hall = await lockHall(trx, current.hall_id);
      if (!hall) throw hallNotFound();
      const locked = await lockRental(trx, rentalId);
      if (!locked) throw rentalNotFound();
      if (locked.status !== 'PENDING' && locked.status !== 'CONFIRMED') throw illegalTransition(locked.status, 'cancelled');
      const now = await databaseNow(trx);
      if (byRenter && locked.starts_at.getTime() <= now) throw illegalTransition(locked.status, 'cancelled after it started');
      const paid = locked.status === 'CONFIRMED' ? locked.total : 0;
      let refund = paid;
      if (byRenter) refund = renterRefund(hall, paid, locked.starts_at.getTime(), now);
      const cancelled = await transitionRental(trx, rentalId, ['PENDING', 'CONFIRMED'], 'CANCELLED', {
        refund_amount: refund,
        cancelled_by: byRenter ? 'renter' : 'studio',
        closed_at: new Date(now),
      });
      if (!cancelled) throw illegalTransition(locked.status, 'cancelled');
      await insertAudit(trx, [
        {
          rental_id: rentalId,
          from_status: locked.status,
          to_status: 'CANCELLED',
          actor_id: principal.userId,
          reason: reason || (byRenter ? 'cancelled by the renter' : 'cancelled by the studio'),
        },
      ]);
      if (cancelled.kind === 'rental') {
        await addEvent(trx, 'rental.cancelled', rentalId, {
          ...payloadOf(cancelled),
          by: byRenter ? 'renter' : 'studio',
          refundAmount: refund,
          previousStatus: locked.status,
        });
      }
      await this.offers.feed(trx, hall, [cancelled]);
      return cancelled;
    });
    return rentalView(row, await findRentalExtras(this.db, [row.id]));
  }

  /** The studio was paid outside Sbor (cash, transfer): a live hold becomes CONFIRMED. */
  async confirmPaidOffline(principal: Principal, rentalId: number) {
    const current = await this.visible(principal, rentalId);
    await this.halls.manageableHall(principal, current.hall_id);
    const row = await this.db.transaction().execute(async (trx) => {
      const confirmed = await transitionRental(
        trx,
        rentalId,
        ['PENDING'],
        'CONFIRMED',
        { paid_offline: true, confirmed_at: new Date(await databaseNow(trx)) },
        { unexpired: true },
      );
      if (!confirmed) {
        const now = await findRental(trx, rentalId);
        throw illegalTransition(now?.status === 'PENDING' ? 'EXPIRED' : (now?.status ?? current.status), 'confirmed');
      }
      await insertAudit(trx, [
        {
          rental_id: rentalId,
          from_status: 'PENDING',
          to_status: 'CONFIRMED',
          actor_id: principal.userId,
          reason: 'paid offline',
        },
      ]);
      await addEvent(trx, 'rental.confirmed', rentalId, { ...payloadOf(confirmed), paidOffline: true });
      await scheduleReminder(trx, confirmed, this.reminderLeadMinutes);
      await markOfferClaimed(trx, rentalId);
      return confirmed;
    });
    return rentalView(row, await findRentalExtras(this.db, [row.id]));
  }

  /**
   * Periodic: holds whose second has passed become EXPIRED, hall by hall under the hall's lock (the
   * order booking takes), each hall's freed time offered to its watchers in the same transaction.
   * Several processes may run it: the second finds the holds already expired.
   */
  async expireDue(): Promise<number> {
    let expired = 0;
    for (const hallId of await hallsWithPassedHolds(this.db, SWEEP_BATCH)) {
      expired += await this.db.transaction().execute(async (trx) => {
        const hall = await lockHall(trx, hallId);
        if (!hall) return 0;
        const rows = await expirePassedHolds(trx, hallId, []);
        await recordExpired(trx, rows);
        await this.offers.feed(trx, hall, rows);
        return rows.length;
      });
    }
    return expired;
  }

  /** Periodic: confirmed rentals (and blocks) whose end has passed become COMPLETED. */
  async completeEnded(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await completeEndedRentals(trx, SWEEP_BATCH);
      await insertAudit(
        trx,
        rows.map((row) => ({
          rental_id: row.id,
          from_status: 'CONFIRMED',
          to_status: 'COMPLETED',
          actor_id: null,
          reason: 'ended',
        })),
      );
      for (const row of rows) if (row.kind === 'rental') await addEvent(trx, 'rental.completed', row.id, payloadOf(row));
      return rows.length;
    });
  }

  /**
   * The rental if the principal is its renter (the one ownership rule: or an admin) or on its
   * studio's team; anyone else gets the 404 of a missing id. A block is the studio's, never a renter's.
   */
  private async visible(principal: Principal, rentalId: number): Promise<RentalRow> {
    const row = await findRental(this.db, rentalId);
    if (!row) throw rentalNotFound();
    if (row.kind === 'rental' && mayActAsOwner(principal, row.user_id)) return row;
    if (await this.halls.isStudioManager(principal, row.organizer_id)) return row;
    throw rentalNotFound();
  }
}
