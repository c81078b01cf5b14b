import type { Kysely } from 'kysely';
import { addEvent } from '../../platform/bus/index.ts';
import { runIdempotent, type IdempotentResult } from '../../platform/db/idempotency.ts';
import { mayActAsOwner, type Principal } from '../../platform/http/access.ts';
import { addDays, isLocalDate, startOfLocalDay } from './rentals.clock.ts';
import { illegalTransition, invalidRange, rentalNotFound, outOfStock, slotTaken } from './rentals.errors.ts';
import type { RentalEventPayload } from './rentals.events.ts';
import { refundIfCancelledNow, renterRefund } from './rentals.policy.ts';
import {
  databaseNow,
  expireDueHolds,
  completeEndedRentals,
  expirePassedHolds,
  findHall,
  findRental,
  findRentalExtras,
  insertAudit,
  insertRental,
  insertRentalExtras,
  listAudit,
  listHallRentals,
  listUserRentals,
  lockHall,
  lockRental,
  lockStockedExtras,
  peakExtraUse,
  rentalsDb,
  transitionRental,
  type RentalRow,
  type RentalsDb,
  type RentalsTrx,
} from './rentals.repository.ts';
import { checkDateRange, checkSlot } from './rentals.slots.ts';
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

export function payloadOf(row: RentalRow): RentalEventPayload {
  return {
    rentalId: row.id,
    hallId: row.hall_id,
    organizerId: row.organizer_id,
    userId: row.user_id,
    kind: row.kind,
    status: row.status,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    total: row.total,
    currency: row.currency,
  };
}

function isExclusionViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23P01';
}

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

  constructor(db: Kysely<object>, halls: HallsService, options: { defaultCurrency: string }) {
    this.db = rentalsDb(db);
    this.halls = halls;
    this.defaultCurrency = options.defaultCurrency;
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
        let quote: { total: number; currency: string; lines: unknown[] } = {
          total: 0,
          currency: this.defaultCurrency,
          lines: [],
        };
        let extraRows: { id: number; name: string; stock: number | null }[] = [];
        let extraAmounts: number[] = [];
        if (kind === 'rental') {
          const priced = await this.halls.priceFor(trx, hall, request.startsAt, request.endsAt, request.extras, now);
          quote = { total: priced.total, currency: priced.currency, lines: priced.lines };
          extraRows = priced.extraRows;
          extraAmounts = priced.lines.filter((line) => line.kind === 'extra').map((line) => line.amount);
        } else {
          checkSlot(hall, [], request.startsAt, request.endsAt, now, 'block');
        }
        await this.recordExpired(trx, await expirePassedHolds(trx, hall.id, ids));
        const startsAt = new Date(request.startsAt).toISOString();
        const endsAt = new Date(request.endsAt).toISOString();
        for (const wanted of request.extras) {
          const extra = extraRows.find((row) => row.id === wanted.extra_id);
          if (!extra || extra.stock === null) continue;
          const peak = await peakExtraUse(trx, extra.id, startsAt, endsAt);
          if (peak.taken + wanted.quantity > extra.stock) throw outOfStock(extra.name, new Date(peak.at).toISOString());
        }
        const buffer = kind === 'rental' ? hall.buffer_minutes : 0;
        const row = await insertRental(trx, {
          hall_id: hall.id,
          organizer_id: hall.organizer_id,
          kind,
          user_id: principal.userId,
          status: kind === 'rental' ? 'PENDING' : 'CONFIRMED',
          starts_at: startsAt,
          ends_at: endsAt,
          occupied_until: new Date(request.endsAt + buffer * 60_000).toISOString(),
          // The database clock of this statement's transaction, as every hold is judged by it.
          expires_at: kind === 'rental' ? new Date(now + hall.hold_ttl_seconds * 1000).toISOString() : null,
          confirmed_at: kind === 'block' ? new Date(now) : null,
          total: quote.total,
          currency: quote.currency,
          quote: JSON.stringify({ lines: quote.lines }),
          note,
        });
        const extras = request.extras.map((wanted, index) => ({
          rental_id: row.id,
          extra_id: wanted.extra_id,
          quantity: wanted.quantity,
          amount: extraAmounts[index] ?? 0,
        }));
        await insertRentalExtras(trx, extras);
        await insertAudit(trx, [
          {
            rental_id: row.id,
            from_status: null,
            to_status: row.status,
            actor_id: principal.userId,
            reason: kind === 'block' ? 'blocked' : 'created',
          },
        ]);
        if (kind === 'rental') await addEvent(trx, 'rental.created', row.id, payloadOf(row));
        return { row, extras };
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
      const locked = await lockRental(trx, rentalId);
      if (!locked) throw rentalNotFound();
      if (locked.status !== 'PENDING' && locked.status !== 'CONFIRMED') throw illegalTransition(locked.status, 'cancelled');
      const now = await databaseNow(trx);
      if (byRenter && locked.starts_at.getTime() <= now) throw illegalTransition(locked.status, 'cancelled after it started');
      const paid = locked.status === 'CONFIRMED' ? locked.total : 0;
      let refund = paid;
      if (byRenter) {
        // Through the transaction: PGlite's one connection is held by it.
        const hall = await findHall(trx, locked.hall_id);
        if (!hall) throw hallNotFound();
        refund = renterRefund(hall, paid, locked.starts_at.getTime(), now);
      }
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
        });
      }
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
      return confirmed;
    });
    return rentalView(row, await findRentalExtras(this.db, [row.id]));
  }

  /** Periodic: holds whose second has passed become EXPIRED (safe to run in several processes). */
  async expireDue(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await expireDueHolds(trx, SWEEP_BATCH);
      await this.recordExpired(trx, rows);
      return rows.length;
    });
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

  private async recordExpired(trx: RentalsTrx, rows: RentalRow[]): Promise<void> {
    await insertAudit(
      trx,
      rows.map((row) => ({
        rental_id: row.id,
        from_status: 'PENDING',
        to_status: 'EXPIRED',
        actor_id: null,
        reason: 'hold expired',
      })),
    );
    for (const row of rows) await addEvent(trx, 'rental.expired', row.id, payloadOf(row));
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
