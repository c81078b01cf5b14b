import { sql, type Selectable, type Transaction } from 'kysely';
import type { SalesTables, TicketTypeTable } from './sales.tables.ts';
import type { SalesDb } from './seats.repository.ts';

export type TicketTypeRow = Selectable<TicketTypeTable>;

export async function insertTicketType(
  db: SalesDb,
  values: {
    event_id: number;
    type: string;
    name: string;
    price: number;
    currency: string;
    quantity: number;
    sales_start: Date | null;
    sales_end: Date | null;
    max_per_order: number;
    hidden: boolean;
  },
): Promise<TicketTypeRow> {
  return db.insertInto('sales.ticket_types').values(values).returningAll().executeTakeFirstOrThrow();
}

/**
 * Serializes ticket-type creation per event until the transaction ends, so a sum of quantities
 * read after it stays true until the insert commits (there is no sales row per event to lock).
 */
export async function lockTicketTypesOfEvent(trx: Transaction<SalesTables>, eventId: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended('sales.ticket_types', ${eventId}::bigint))`.execute(trx);
}

/** General-admission units of an event, all its ticket types together. */
export async function unitsOfEvent(db: SalesDb, eventId: number): Promise<number> {
  const row = await db
    .selectFrom('sales.ticket_types')
    .select(sql<number>`coalesce(sum(quantity), 0)::bigint`.as('units'))
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return row.units;
}

export async function listTicketTypes(db: SalesDb, eventId: number): Promise<TicketTypeRow[]> {
  return db.selectFrom('sales.ticket_types').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
}

/** A ticket type, with whether it is inside its sales window now by the database's clock. */
export async function findTicketType(
  db: SalesDb,
  eventId: number,
  id: number,
): Promise<(TicketTypeRow & { in_sales_window: boolean }) | undefined> {
  return db
    .selectFrom('sales.ticket_types')
    .selectAll()
    .select(
      sql<boolean>`(sales_start is null or sales_start <= now()) and (sales_end is null or sales_end > now())`.as(
        'in_sales_window',
      ),
    )
    .where('event_id', '=', eventId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Holds `quantity` units if they fit, in one conditional update; the check constraint
 * `sold + held <= quantity` stands behind it. Returns false when they do not fit.
 */
export async function holdUnits(trx: Transaction<SalesTables>, id: number, quantity: number): Promise<boolean> {
  const result = await trx
    .updateTable('sales.ticket_types')
    .set({ held: sql<number>`held + ${quantity}` })
    .where('id', '=', id)
    .where(sql<boolean>`sold + held + ${quantity} <= quantity`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function releaseUnits(trx: Transaction<SalesTables>, id: number, quantity: number): Promise<void> {
  await trx
    .updateTable('sales.ticket_types')
    .set({ held: sql<number>`held - ${quantity}` })
    .where('id', '=', id)
    .execute();
}

export async function sellUnits(trx: Transaction<SalesTables>, id: number, quantity: number): Promise<void> {
  await trx
    .updateTable('sales.ticket_types')
    .set({ held: sql<number>`held - ${quantity}`, sold: sql<number>`sold + ${quantity}` })
    .where('id', '=', id)
    .execute();
}

export async function unsellUnits(trx: Transaction<SalesTables>, id: number, quantity: number): Promise<void> {
  await trx
    .updateTable('sales.ticket_types')
    .set({ sold: sql<number>`sold - ${quantity}` })
    .where('id', '=', id)
    .execute();
}

/**
 * Units free now: holds that have passed count as free at once, before the sweep gives them back.
 */
export async function availableUnits(db: SalesDb, eventId: number) {
  return sql<{ id: number; available: number; held: number; sold: number }>`
    select t.id, t.sold,
      t.held - coalesce(overdue.units, 0) as held,
      t.quantity - t.sold - t.held + coalesce(overdue.units, 0) as available
    from sales.ticket_types t
    left join lateral (
      select sum(b.quantity)::int as units from sales.bookings b
      where b.ticket_type_id = t.id and b.status in ('CREATED', 'PENDING') and b.expires_at <= now()
    ) overdue on true
    where t.event_id = ${eventId}
    order by t.id`
    .execute(db)
    .then((result) => result.rows);
}

/** A late payment sells units straight away if they fit (the hold it had is gone). */
export async function sellUnitsIfAvailable(trx: Transaction<SalesTables>, id: number, quantity: number): Promise<boolean> {
  const result = await trx
    .updateTable('sales.ticket_types')
    .set({ sold: sql<number>`sold + ${quantity}` })
    .where('id', '=', id)
    .where(sql<boolean>`sold + held + ${quantity} <= quantity`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A ticket type's name, for what a ticket prints. */
export async function ticketTypeName(db: SalesDb, id: number): Promise<{ id: number; name: string } | undefined> {
  return db.selectFrom('sales.ticket_types').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
}

/** Nothing of the event's ticket types sold or held (HackLoad's reset). */
export async function resetUnitsOfEvent(trx: Transaction<SalesTables>, eventId: number): Promise<void> {
  await trx.updateTable('sales.ticket_types').set({ sold: 0, held: 0 }).where('event_id', '=', eventId).execute();
}
