import { sql, type Selectable, type Transaction } from 'kysely';
import type { PromoCodeTable, SalesTables } from './sales.tables.ts';
import type { SalesDb } from './seats.repository.ts';

/** A promo code as read, with whether it is within its dates by the database's clock. */
export type PromoCodeRow = Selectable<PromoCodeTable> & { started: boolean; ended: boolean };

/** A new code: every column but the generated ones. */
export type PromoCodeValues = Omit<Selectable<PromoCodeTable>, 'id' | 'uses' | 'active' | 'created_at'>;

const started = sql<boolean>`valid_from is null or valid_from <= now()`.as('started');
const ended = sql<boolean>`valid_until is not null and valid_until <= now()`.as('ended');

/** bigint[] comes back as strings from pg; ids are safe integers. */
function rowOf(row: Selectable<PromoCodeTable> & { started: boolean; ended: boolean }): PromoCodeRow {
  return {
    ...row,
    ticket_type_ids: row.ticket_type_ids?.map(Number) ?? null,
    zone_ids: row.zone_ids?.map(Number) ?? null,
  };
}

/** Inserts the codes; a code the event already has is skipped (the caller compares the counts). */
export async function insertPromoCodes(trx: Transaction<SalesTables>, values: PromoCodeValues[]): Promise<PromoCodeRow[]> {
  const rows = await trx
    .insertInto('sales.promo_codes')
    .values(values)
    .onConflict((conflict) => conflict.columns(['event_id', 'code']).doNothing())
    .returningAll()
    .returning([started, ended])
    .execute();
  return rows.map(rowOf);
}

export async function listPromoCodes(db: SalesDb, eventId: number): Promise<PromoCodeRow[]> {
  const rows = await db
    .selectFrom('sales.promo_codes')
    .selectAll()
    .select([started, ended])
    .where('event_id', '=', eventId)
    .orderBy('id')
    .execute();
  return rows.map(rowOf);
}

export async function findPromoCodeById(db: SalesDb, id: number): Promise<PromoCodeRow | undefined> {
  const row = await db
    .selectFrom('sales.promo_codes')
    .selectAll()
    .select([started, ended])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowOf(row);
}

export async function findPromoCodeByCode(db: SalesDb, eventId: number, code: string): Promise<PromoCodeRow | undefined> {
  const row = await db
    .selectFrom('sales.promo_codes')
    .selectAll()
    .select([started, ended])
    .where('event_id', '=', eventId)
    .where('code', '=', code.toUpperCase())
    .executeTakeFirst();
  return row && rowOf(row);
}

/**
 * The ticket types a code unlocks: those it is limited to, while it is active and within its dates
 * (decision record 0034). A used-up code still unlocks the listing; buying then says it is used up.
 */
export async function typesUnlockedByCode(db: SalesDb, eventId: number, code: string): Promise<number[]> {
  const row = await db
    .selectFrom('sales.promo_codes')
    .select('ticket_type_ids')
    .where('event_id', '=', eventId)
    .where('code', '=', code.toUpperCase())
    .where('active', '=', true)
    .where(sql<boolean>`(valid_from is null or valid_from <= now())`)
    .where(sql<boolean>`(valid_until is null or valid_until > now())`)
    .executeTakeFirst();
  return row?.ticket_type_ids?.map(Number) ?? [];
}

/**
 * Counts one use, if the code is active, within its dates (database clock) and not used up: one
 * conditional update, so of any number of racing buyers at most `max_uses - uses` get a row back.
 */
export async function claimPromoUse(trx: Transaction<SalesTables>, id: number): Promise<boolean> {
  const result = await trx
    .updateTable('sales.promo_codes')
    .set({ uses: sql<number>`uses + 1` })
    .where('id', '=', id)
    .where('active', '=', true)
    .where(sql<boolean>`uses < max_uses`)
    .where(sql<boolean>`(valid_from is null or valid_from <= now())`)
    .where(sql<boolean>`(valid_until is null or valid_until > now())`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Takes a use back for a booking paid after its hold ended: only if one is left, whatever the dates say now. */
export async function retakePromoUse(trx: Transaction<SalesTables>, id: number): Promise<boolean> {
  const result = await trx
    .updateTable('sales.promo_codes')
    .set({ uses: sql<number>`uses + 1` })
    .where('id', '=', id)
    .where(sql<boolean>`uses < max_uses`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives a use back (its booking was cancelled or expired). */
export async function releasePromoUse(trx: Transaction<SalesTables>, id: number): Promise<void> {
  await trx
    .updateTable('sales.promo_codes')
    .set({ uses: sql<number>`uses - 1` })
    .where('id', '=', id)
    .where('uses', '>', 0)
    .execute();
}

/** Changes a code; `max_uses` only if it stays at or above `uses` (undefined otherwise). */
export async function updatePromoCode(
  db: SalesDb,
  id: number,
  changes: Partial<
    Pick<
      PromoCodeValues,
      'discount_kind' | 'discount_value' | 'valid_from' | 'valid_until' | 'max_uses' | 'ticket_type_ids' | 'zone_ids'
    >
  > & {
    active?: boolean;
  },
): Promise<PromoCodeRow | undefined> {
  let query = db.updateTable('sales.promo_codes').set(changes).where('id', '=', id);
  if (changes.max_uses !== undefined) query = query.where('uses', '<=', changes.max_uses);
  const row = await query.returningAll().returning([started, ended]).executeTakeFirst();
  return row && rowOf(row);
}

/** Of these ticket type and zone ids, those that are not the event's. */
export async function idsNotOfEvent(
  db: SalesDb,
  eventId: number,
  ids: { ticketTypeIds: number[]; zoneIds: number[] },
): Promise<number[]> {
  const [types, zones] = await Promise.all([
    ids.ticketTypeIds.length === 0
      ? []
      : db
          .selectFrom('sales.ticket_types')
          .select('id')
          .where('event_id', '=', eventId)
          .where('id', 'in', ids.ticketTypeIds)
          .execute(),
    ids.zoneIds.length === 0
      ? []
      : db.selectFrom('sales.zones').select('id').where('event_id', '=', eventId).where('id', 'in', ids.zoneIds).execute(),
  ]);
  const known = new Set([...types, ...zones].map((row) => row.id));
  return [...ids.ticketTypeIds.filter((id) => !known.has(id)), ...ids.zoneIds.filter((id) => !known.has(id))];
}
