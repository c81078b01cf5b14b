import { sql, type Selectable, type Transaction } from 'kysely';
import { prepared } from '../../platform/db/prepared.ts';
import type { BookingRow } from './bookings.repository.ts';
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

/** One general-admission purchase in a group (buyUnits). */
export interface UnitPurchase {
  userId: number;
  eventId: number;
  ticketTypeId: number;
  quantity: number;
  /** The event's limit per order; the type's own is applied in the statement. */
  maxPerOrder: number;
  /** The event allows one open booking per user. */
  exclusive: boolean;
  /** The event's hold, for a paid purchase. */
  ttlSeconds: number;
  /** For the outbox rows (which request caused them); the group runs outside any one request. */
  requestId: string | undefined;
}

export const BUY_UNITS = prepared<BookingRow & { ord: number }>(
  'sales_buy_units',
  `with asked as (
      select * from unnest($1::int[], $2::bigint[], $3::bigint[], $4::bigint[], $5::int[], $6::int[], $7::bool[], $8::int[])
        as a(ord, user_id, event_id, ticket_type_id, quantity, max_per_order, exclusive, ttl_seconds)
    ), types as (
      select t.id, t.event_id, t.price, t.currency, t.max_per_order, t.quantity - t.sold - t.held as free
      from sales.ticket_types t
      where t.id in (select ticket_type_id from asked)
        and (t.sales_start is null or t.sales_start <= now()) and (t.sales_end is null or t.sales_end > now())
        -- A hidden type is sold only with its code: the one-at-a-time path checks it and says why.
        and not t.hidden
      order by t.id
      for update
    ), fitting as (
      select a.*, t.price, t.currency, t.free,
        sum(a.quantity) over (partition by a.ticket_type_id order by a.ord) as running
      from asked a join types t on t.id = a.ticket_type_id and t.event_id = a.event_id
      where a.quantity between 1 and least(a.max_per_order, t.max_per_order)
        and not (a.exclusive and exists (
          select 1 from sales.bookings mine
          where mine.event_id = a.event_id and mine.user_id = a.user_id and mine.exclusive
            and mine.status in ('CREATED', 'PENDING')))
    ), granted as (
      select f.*, nextval(pg_get_serial_sequence('sales.bookings', 'id')) as booking_id
      from fitting f where f.running <= f.free
    ), booked as (
      insert into sales.bookings
        (id, event_id, user_id, status, exclusive, currency, expires_at, ticket_type_id, quantity, total_amount)
      overriding system value
      select booking_id, event_id, user_id,
        case when price = 0 then 'CONFIRMED' else 'PENDING' end, exclusive, currency,
        case when price = 0 then null else now() + make_interval(secs => ttl_seconds) end,
        ticket_type_id, quantity, price * quantity
      from granted
      on conflict (event_id, user_id) where exclusive and status in ('CREATED', 'PENDING') do nothing
      returning *
    ), counted as (
      update sales.ticket_types t
      set held = t.held + units.held, sold = t.sold + units.sold
      from (
        select ticket_type_id,
          coalesce(sum(quantity) filter (where status = 'PENDING'), 0) as held,
          coalesce(sum(quantity) filter (where status = 'CONFIRMED'), 0) as sold
        from booked group by ticket_type_id
      ) units
      where t.id = units.ticket_type_id
    ), audited as (
      insert into sales.booking_audit (booking_id, from_status, to_status, actor_user_id, reason)
      select b.id, step.from_status, step.to_status, b.user_id, step.reason
      from booked b cross join lateral (values
        (1, null, 'CREATED', 'created'),
        (2, 'CREATED', b.status, case when b.status = 'CONFIRMED' then 'free tickets' else 'awaiting payment' end)
      ) as step(n, from_status, to_status, reason)
      order by b.id, step.n
    ), announced as (
      -- The outbox rows addEvent would write (platform/bus/outbox.ts), in the statement that makes
      -- the bookings: booking.created, then booking.confirmed when free, in that id order.
      insert into platform.outbox (type, aggregate_id, payload, request_id)
      select step.type, b.id::text,
        jsonb_build_object('bookingId', b.id, 'eventId', b.event_id, 'userId', b.user_id, 'status', step.status,
          'totalAmount', b.total_amount, 'currency', b.currency, 'seatIds', '[]'::jsonb,
          'ticketTypeId', b.ticket_type_id, 'quantity', b.quantity),
        nullif(($9::text[])[g.ord + 1], '')
      from booked b join granted g on g.booking_id = b.id
      cross join lateral (values (1, 'booking.created', 'CREATED'), (2, 'booking.confirmed', 'CONFIRMED')) as step(n, type, status)
      where step.n = 1 or b.status = 'CONFIRMED'
      order by b.id, step.n
    )
    select b.*, false as overdue, g.ord
    from booked b join granted g on g.booking_id = b.id`,
);

/**
 * General-admission purchases, grouped: in one statement, the ticket types' rows are locked (in id
 * order), the purchases that fit are booked in arrival order — PENDING with the event's hold when
 * paid, CONFIRMED when free — the units counted as held or sold, each booking's audit written
 * (created, then awaiting payment or free tickets) and its events put in the outbox (booking.created,
 * and booking.confirmed when free), as the one-at-a-time path records them. One statement, so it
 * commits on its own: the counter row stays locked for this statement and its commit only.
 * Answers each purchase's booking, or undefined when it was not made here: sold out (or not enough
 * left), outside the sales window, too many, an open booking where the event allows one — the
 * one-at-a-time path then gives the exact answer. The check constraint `sold + held <= quantity`
 * stands behind the count. Decision record 0032.
 */
export async function buyUnits(db: SalesDb, purchases: UnitPurchase[]): Promise<(BookingRow | undefined)[]> {
  const column = <T>(pick: (purchase: UnitPurchase) => T) => purchases.map(pick);
  const result = await BUY_UNITS.execute<SalesTables>(db, [
    purchases.map((_, index) => index),
    column((p) => p.userId),
    column((p) => p.eventId),
    column((p) => p.ticketTypeId),
    column((p) => p.quantity),
    column((p) => p.maxPerOrder),
    column((p) => p.exclusive),
    column((p) => p.ttlSeconds),
    column((p) => p.requestId ?? ''),
  ]);
  const byOrder = new Map(result.rows.map(({ ord, ...booking }) => [ord, booking]));
  return purchases.map((_, index) => byOrder.get(index));
}
