import { addEvent } from '../../platform/bus/index.ts';
import type { ExtraRequest, HallsService } from './halls.service.ts';
import { outOfStock } from './rentals.errors.ts';
import { payloadOf } from './rentals.events.ts';
import {
  insertAudit,
  insertRental,
  insertRentalExtras,
  peakExtraUse,
  type HallRow,
  type RentalRow,
  type RentalsTrx,
} from './rentals.repository.ts';
import { checkSlot } from './rentals.slots.ts';

export interface Placement {
  userId: number;
  kind: 'rental' | 'block';
  startsAt: number;
  endsAt: number;
  extras: ExtraRequest[];
  note: string;
  /** The database clock of the transaction. */
  now: number;
  /** How long a rental holds while unpaid: the hall's TTL, or a watch offer's shorter one. */
  ttlSeconds: number;
  defaultCurrency: string;
  /** The audit's reason: created, blocked, offered to watch N. */
  reason: string;
}

/**
 * Puts a rental (PENDING until now + ttl) or a block (CONFIRMED, no buffer, no price) into a hall
 * whose row the caller has locked, with the stocked extras locked too (in id order) and passed
 * holds expired: the slot's rules and price, the stock per quarter hour, then the insert, which the
 * exclusion constraint judges (a conflict raises 23P01 for the caller to answer).
 */
export async function placeRental(trx: RentalsTrx, halls: HallsService, hall: HallRow, placement: Placement) {
  const { kind, now } = placement;
  let quote: { total: number; currency: string; lines: unknown[] } = {
    total: 0,
    currency: placement.defaultCurrency,
    lines: [],
  };
  let extraRows: { id: number; name: string; stock: number | null }[] = [];
  let extraAmounts: number[] = [];
  if (kind === 'rental') {
    const priced = await halls.priceFor(trx, hall, placement.startsAt, placement.endsAt, placement.extras, now);
    quote = { total: priced.total, currency: priced.currency, lines: priced.lines };
    extraRows = priced.extraRows;
    extraAmounts = priced.lines.filter((line) => line.kind === 'extra').map((line) => line.amount);
  } else {
    checkSlot(hall, [], placement.startsAt, placement.endsAt, now, 'block');
  }
  const startsAt = new Date(placement.startsAt).toISOString();
  const endsAt = new Date(placement.endsAt).toISOString();
  for (const wanted of placement.extras) {
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
    user_id: placement.userId,
    status: kind === 'rental' ? 'PENDING' : 'CONFIRMED',
    starts_at: startsAt,
    ends_at: endsAt,
    occupied_until: new Date(placement.endsAt + buffer * 60_000).toISOString(),
    // The database clock of this statement's transaction, as every hold is judged by it.
    expires_at: kind === 'rental' ? new Date(now + placement.ttlSeconds * 1000).toISOString() : null,
    confirmed_at: kind === 'block' ? new Date(now) : null,
    total: quote.total,
    currency: quote.currency,
    quote: JSON.stringify({ lines: quote.lines }),
    note: placement.note,
  });
  const extras = placement.extras.map((wanted, index) => ({
    rental_id: row.id,
    extra_id: wanted.extra_id,
    quantity: wanted.quantity,
    amount: extraAmounts[index] ?? 0,
  }));
  await insertRentalExtras(trx, extras);
  await insertAudit(trx, [
    { rental_id: row.id, from_status: null, to_status: row.status, actor_id: placement.userId, reason: placement.reason },
  ]);
  if (kind === 'rental') await addEvent(trx, 'rental.created', row.id, payloadOf(row));
  return { row, extras };
}

/** Holds that ended unpaid: an audit row and rental.expired each. */
export async function recordExpired(trx: RentalsTrx, rows: RentalRow[]): Promise<void> {
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

export function isExclusionViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23P01';
}
