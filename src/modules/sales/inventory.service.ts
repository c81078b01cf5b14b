import type { Kysely } from 'kysely';
import type { Principal } from '../../platform/http/access.ts';
import { isPrice, MAX_PRICE } from '../../platform/money.ts';
import { countBookings } from './bookings.repository.ts';
import { typesUnlockedByCode } from './promo-codes.repository.ts';
import type { SaleEvents } from './sale-events.ts';
import { layoutExists, layoutTooLarge, priceOutOfRange, ticketTypeNotFound, unitsLimitReached } from './sales.errors.ts';
import { MAX_SEATS_PER_EVENT, MAX_UNITS_PER_EVENT } from './sales.limits.ts';
import type { SeatStatus } from './sales.tables.ts';
import type { CatalogGateway, SalesOptions } from './sales.types.ts';
import type { SeatSuggestions } from './seat-suggestions.ts';
import {
  describeSeats,
  eventHasSeats,
  insertLayout,
  listSeats,
  salesDb,
  seatCounts,
  seatMapRows,
  seatMapZones,
  type SalesDb,
  type ZoneLayout,
} from './seats.repository.ts';
import {
  availableUnits,
  insertTicketType,
  listTicketTypes,
  lockTicketTypesOfEvent,
  ticketTypeName,
  unitsOfEvent,
} from './ticket-types.repository.ts';

const SUGGESTION_LIMIT = 20;

/**
 * What an event has to sell and what is left: ticket types, the hall's layout, seats, the seat
 * map, availability and analytics, and the item descriptions tickets prints.
 */
export class Inventory {
  private readonly db: SalesDb;
  private readonly catalog: CatalogGateway;
  private readonly defaultCurrency: string;
  private readonly events: SaleEvents;
  private readonly suggestions: SeatSuggestions;

  constructor(
    db: SalesDb,
    outside: { catalog: CatalogGateway; options: Pick<SalesOptions, 'defaultCurrency'> },
    parts: { events: SaleEvents; suggestions: SeatSuggestions },
  ) {
    this.db = db;
    this.catalog = outside.catalog;
    this.defaultCurrency = outside.options.defaultCurrency;
    this.events = parts.events;
    this.suggestions = parts.suggestions;
  }

  async createTicketType(
    principal: Principal,
    eventId: number,
    input: {
      type: string;
      name: string;
      price: number;
      currency?: string;
      quantity: number;
      sales_start?: string;
      sales_end?: string;
      max_per_order?: number;
      hidden?: boolean;
    },
  ) {
    await this.events.requireManager(principal, eventId);
    // Money is checked where it is written: every total and revenue stays exact (platform/money.ts).
    if (!isPrice(input.price)) throw priceOutOfRange('body/price', MAX_PRICE);
    const row = await this.db.transaction().execute(async (trx) => {
      await lockTicketTypesOfEvent(trx, eventId);
      const units = await unitsOfEvent(trx, eventId);
      if (units + input.quantity > MAX_UNITS_PER_EVENT) throw unitsLimitReached(MAX_UNITS_PER_EVENT, MAX_UNITS_PER_EVENT - units);
      return insertTicketType(trx, {
        event_id: eventId,
        type: input.type,
        name: input.name,
        price: input.price,
        currency: input.currency ?? this.defaultCurrency,
        quantity: input.quantity,
        sales_start: input.sales_start ? new Date(input.sales_start) : null,
        sales_end: input.sales_end ? new Date(input.sales_end) : null,
        max_per_order: input.max_per_order ?? 10,
        hidden: input.hidden ?? false,
      });
    });
    const created = (await this.ticketTypes(eventId)).find((type) => type.id === row.id);
    if (!created) throw ticketTypeNotFound();
    return created;
  }

  /**
   * Ticket types with what is left, to whoever may see the event (see SaleEvents.visibleEvent).
   * Hidden ones only to the event's team, or to a buyer whose code unlocks them (decision record 0034).
   */
  async listTicketTypes(principal: Principal | undefined, eventId: number, code?: string) {
    await this.events.visibleEvent(principal, eventId);
    const types = await this.ticketTypes(eventId);
    // Most events have no hidden type: their listing asks nothing more.
    if (!types.some((type) => type.hidden)) return types;
    if (principal && (await this.catalog.isOnTeam(principal, eventId))) return types;
    const unlocked = code === undefined ? [] : await typesUnlockedByCode(this.db, eventId, code);
    return types.filter((type) => !type.hidden || unlocked.includes(type.id));
  }

  /** Ticket types with what is left, unchecked: for this module's own use cases. */
  async ticketTypes(eventId: number) {
    const [types, availability] = await Promise.all([listTicketTypes(this.db, eventId), availableUnits(this.db, eventId)]);
    return types.map((type) => {
      const live = availability.find((entry) => entry.id === type.id);
      return {
        id: type.id,
        event_id: type.event_id,
        type: type.type,
        name: type.name,
        price: type.price,
        currency: type.currency,
        quantity: type.quantity,
        sold: type.sold,
        held: live?.held ?? type.held,
        available: live?.available ?? type.quantity - type.sold - type.held,
        sales_start: type.sales_start?.toISOString() ?? null,
        sales_end: type.sales_end?.toISOString() ?? null,
        max_per_order: type.max_per_order,
        hidden: type.hidden,
      };
    });
  }

  async createLayout(
    principal: Principal | 'system',
    eventId: number,
    zones: ZoneLayout[],
    firstSeatId?: number,
  ): Promise<number> {
    if (principal !== 'system') await this.events.requireManager(principal, eventId);
    // One request lays out the whole hall, so its size bounds the work (sales.limits.ts).
    const seats = zones.reduce((sum, zone) => sum + zone.rows * zone.seatsPerRow, 0);
    if (seats > MAX_SEATS_PER_EVENT) throw layoutTooLarge(MAX_SEATS_PER_EVENT, seats);
    if (!zones.every((zone) => isPrice(zone.price))) throw priceOutOfRange('body/zones/price', MAX_PRICE);
    return this.db.transaction().execute(async (trx) => {
      if (await eventHasSeats(trx, eventId)) throw layoutExists();
      const rows = await insertLayout(trx, eventId, zones, firstSeatId);
      this.suggestions.hallChanged(eventId);
      return rows;
    });
  }

  /** The catalog's publish check: an event needs ticket types or seats. */
  async hasInventory(eventId: number): Promise<boolean> {
    return (await listTicketTypes(this.db, eventId)).length > 0 || (await eventHasSeats(this.db, eventId));
  }

  /**
   * For tickets: row, number and zone of seats and the name of a ticket type, read-only. Takes the
   * caller's transaction (a bus consumer's), since PGlite has one connection.
   */
  async describeItems(
    db: Kysely<object>,
    seatIds: number[],
    ticketTypeId: number | null,
  ): Promise<{
    seats: { id: number; row: number; number: number; zone: string }[];
    ticketType: { id: number; name: string } | null;
  }> {
    const sales = salesDb(db);
    const seats = await describeSeats(sales, seatIds);
    const ticketType = ticketTypeId === null ? undefined : await ticketTypeName(sales, ticketTypeId);
    return { seats, ticketType: ticketType ?? null };
  }

  /**
   * Seats by event, row, zone and status. Asking for FREE seats without a page spreads the
   * answer over the hall, so a rush of buyers is not handed the same first seats.
   */
  async seats(
    principal: Principal | undefined,
    filter: { eventId: number; status?: SeatStatus; row?: number; zoneId?: number; page?: number; pageSize: number },
  ) {
    await this.events.visibleEvent(principal, filter.eventId);
    if (filter.status === 'FREE' && filter.page === undefined && filter.row === undefined && filter.zoneId === undefined) {
      return this.suggestions.suggest(filter.eventId, Math.min(filter.pageSize, SUGGESTION_LIMIT));
    }
    return listSeats(this.db, { ...filter, page: filter.page ?? 1 });
  }

  /**
   * The hall for drawing: zones with their rows (always) and the status of every seat in rows
   * `fromRow..toRow` (all rows when not given), a character per seat.
   */
  async seatMap(principal: Principal | undefined, eventId: number, range: { fromRow?: number; toRow?: number } = {}) {
    await this.events.visibleEvent(principal, eventId);
    const zones = await seatMapZones(this.db, eventId);
    const rows = await seatMapRows(this.db, eventId, range.fromRow ?? 1, range.toRow ?? 1_000_000);
    return { event_id: eventId, zones, rows };
  }

  /**
   * Total, free, held and sold counts (seed 002), overall and per zone, to whoever may see the
   * event; revenue and the number of bookings only to those who may manage it (owners, managers,
   * admins), and left out for everyone else.
   */
  async availability(principal: Principal | undefined, eventId: number) {
    await this.events.visibleEvent(principal, eventId);
    const [counts, manager] = await Promise.all([
      this.inventoryCounts(eventId),
      principal ? this.catalog.canManage(principal, eventId) : false,
    ]);
    return manager ? { ...counts, ...(await this.takings(eventId)) } : counts;
  }

  /** HackLoad's analytics: the counts with revenue, for the event's owners, managers and admins only. */
  async analytics(principal: Principal, eventId: number) {
    await this.events.visibleEvent(principal, eventId);
    await this.events.requireManager(principal, eventId);
    const [counts, takings] = await Promise.all([this.inventoryCounts(eventId), this.takings(eventId)]);
    return { ...counts, ...takings };
  }

  /** Total, free, held and sold counts, overall and per zone, unchecked: for this module's own use cases. */
  async inventoryCounts(eventId: number) {
    const [seatRows, types] = await Promise.all([seatCounts(this.db, eventId), this.ticketTypes(eventId)]);
    const count = (status: SeatStatus) =>
      seatRows.filter((row) => row.status === status).reduce((sum, row) => sum + row.seats, 0);
    const gaTotal = types.reduce((sum, type) => sum + type.quantity, 0);
    const zones = new Map<number, { zone_id: number; name: string; total: number; free: number; held: number; sold: number }>();
    for (const row of seatRows) {
      const zone = zones.get(row.zone_id) ?? { zone_id: row.zone_id, name: row.zone, total: 0, free: 0, held: 0, sold: 0 };
      zone.total += row.seats;
      if (row.status === 'FREE') zone.free += row.seats;
      if (row.status === 'RESERVED') zone.held += row.seats;
      if (row.status === 'SOLD') zone.sold += row.seats;
      zones.set(row.zone_id, zone);
    }
    return {
      event_id: eventId,
      total: count('FREE') + count('RESERVED') + count('SOLD') + gaTotal,
      free: count('FREE') + types.reduce((sum, type) => sum + type.available, 0),
      held: count('RESERVED') + types.reduce((sum, type) => sum + type.held, 0),
      sold: count('SOLD') + types.reduce((sum, type) => sum + type.sold, 0),
      zones: [...zones.values()],
    };
  }

  /** What confirmed bookings brought in, and how many bookings there are in all. */
  private async takings(eventId: number): Promise<{ revenue: number; bookings_count: number }> {
    const { revenue, bookings } = await countBookings(this.db, eventId);
    return { revenue, bookings_count: bookings };
  }
}
