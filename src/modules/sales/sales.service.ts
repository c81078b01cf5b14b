import type { Kysely, Transaction } from 'kysely';
import { addEvent } from '../../platform/bus/index.ts';
import type { Principal } from '../../platform/http/access.ts';
import { DomainError } from '../../platform/errors.ts';
import { isPrice, MAX_PRICE } from '../../platform/money.ts';
import { RateLimiter } from '../../platform/http/rate-limit.ts';
import { Batcher } from './batcher.ts';
import { isOpen, nextStatus, type BookingAction } from './booking.state.ts';
import { FreeSeatPool } from './free-seat-pool.ts';
import { deleteOldIdempotencyKeys, runIdempotent, type IdempotentResult } from './idempotency.ts';
import {
  bookingPayload,
  claimOverdueBookings,
  countBookings,
  eventsOfBookings,
  findBookingById,
  findOpenBooking,
  insertAudit,
  insertBooking,
  listAudit,
  listBookingsOfEvent,
  listBookingsOfUser,
  lockBookingById,
  updateBooking,
  type BookingRow,
} from './bookings.repository.ts';
import {
  activeBookingExists,
  bookingChanged,
  bookingExpired,
  bookingNotFound,
  bookingNotOpen,
  bookingNotPayable,
  contactRequired,
  emptyBooking,
  eventNotFound,
  eventNotOnSale,
  layoutExists,
  layoutTooLarge,
  notOnSaleWindow,
  notYourBooking,
  priceOutOfRange,
  quantityTooLarge,
  refundWindowClosed,
  resetDisabled,
  seatNotFound,
  seatNotHeld,
  seatNotInBooking,
  seatNotYours,
  seatTaken,
  soldOut,
  ticketTypeNotFound,
  tooManyForUser,
  tooManySeats,
  selectRateLimited,
  unitsLimitReached,
} from './sales.errors.ts';
import { MAX_SEATS_PER_EVENT, MAX_UNITS_PER_EVENT } from './sales.limits.ts';
import type { BookingStatus, SalesTables, SeatStatus } from './sales.tables.ts';
import {
  eventHasSeats,
  extendSeatHolds,
  findSeat,
  freeExpiredSeatHolds,
  freeSeatsOfBooking,
  hallSize,
  insertLayout,
  listSeats,
  releaseSeat,
  retakeSeatsAsSold,
  returnSoldSeats,
  salesDb,
  seatCounts,
  seatMapRows,
  seatMapZones,
  seatsOfBookings,
  sellSeatsOfBooking,
  suggestFreeSeats,
  takeSeats,
  type SeatTake,
  ticketsOfUser,
  type ZoneLayout,
  type SeatListing,
} from './seats.repository.ts';
import { anyoneWaiting, cancelWaitingOfEvent, waitingQueues } from './waitlist.repository.ts';
import { WaitlistOffers } from './waitlist.offers.ts';
import {
  availableUnits,
  findTicketType,
  holdUnits,
  insertTicketType,
  listTicketTypes,
  lockTicketTypesOfEvent,
  releaseUnits,
  sellUnits,
  sellUnitsIfAvailable,
  unitsOfEvent,
  unsellUnits,
} from './ticket-types.repository.ts';

/** What sales needs to know about an event; the catalog provides it. */
export interface SaleEvent {
  id: number;
  status: string;
  /** Whether everyone may see the event and its inventory; if not (a draft), only its team (CatalogGateway.isOnTeam). */
  is_public: boolean;
  hold_ttl_seconds: number;
  starts_at: string;
  policy: {
    max_tickets_per_order: number;
    contact_required: boolean;
    one_active_booking_per_user: boolean;
    max_tickets_per_user: number | null;
  };
}

export interface CatalogGateway {
  findEvent(eventId: number): Promise<SaleEvent | undefined>;
  /** Owner or manager of the event's organizer (box office, bookings, money), or an admin. */
  canManage(principal: Principal, eventId: number): Promise<boolean>;
  /** On the event's organizer team in any role (scanners too), or an admin: who sees a draft. */
  isOnTeam(principal: Principal, eventId: number): Promise<boolean>;
}

export interface ContactDirectory {
  hasContact(userId: number): Promise<boolean>;
}

export interface SalesOptions {
  /** POST /api/reset restores event 1; never on unless a load-test environment asks for it. */
  enableReset: boolean;
  defaultCurrency: string;
  /** How long a waitlist offer holds its inventory for the person offered. */
  waitlistOfferTtlSeconds: number;
  /** Seat selections per user per window (per process); undefined: no limit. */
  seatSelectRateLimit?: { count: number; windowMs: number } | undefined;
  /** Paid bookings can be cancelled (refunded) until this many hours before the event; unset: any time. */
  refundCutoffHours?: number;
  /** How stale a free-seat suggestion may be (see free-seat-pool.ts); 0 or unset reads every time. */
  seatSuggestionMaxAgeMs?: number;
}

/** What a payment for a booking charges, and for what (payments keeps it as the receipt). */
export interface PaymentQuote {
  bookingId: number;
  userId: number;
  eventId: number;
  amount: number;
  currency: string;
  items: { seatIds: number[]; ticketTypeId: number | null; quantity: number };
  /** When the booking's hold ends (the database's instant): a payment for it must not outlive it. */
  holdEndsAt: Date | null;
}

/** How a payment's money met its booking: confirmed now, already, re-taken late, or nothing left to sell. */
export type SettleOutcome = 'confirmed' | 'already' | 'retaken' | 'unavailable';

export interface BookingView {
  id: number;
  event_id: number;
  user_id: number;
  status: BookingStatus;
  expires_at: string | null;
  ticket_type_id: number | null;
  quantity: number;
  total_amount: number;
  currency: string;
  seats: { id: number; row: number; number: number; price: number }[];
  created_at: string;
}

const EVENT_CACHE_MS = 2_000;
/** Public events remembered (anyone can ask about any of millions of past events). */
const EVENTS_CACHED = 10_000;
/** Bookings whose event is remembered (it never changes), so a seat select needs no extra read. */
const BOOKING_EVENTS_CACHED = 200_000;
const SUGGESTION_LIMIT = 20;
/** Hall sizes remembered before the cache starts over. */
const HALLS_CACHED = 10_000;
/** Free seats a process keeps per event for suggestions: two rows of event 1. */
const SUGGESTION_WINDOW = 2_000;
/** Seat selects (or booking lookups) grouped into one statement at most, and such statements running at once. */
const GROUPED_PER_STATEMENT = 100;
const GROUPED_STATEMENTS_AT_ONCE = 2;

export class SalesService {
  private readonly db: Kysely<SalesTables>;
  private readonly catalog: CatalogGateway;
  private readonly contacts: ContactDirectory;
  private readonly options: SalesOptions;
  /** Public events only (see findEvent). */
  private readonly events = new Map<number, { event: SaleEvent; until: number }>();
  private readonly halls = new Map<number, { rows: number; seatsPerRow: number }>();
  private readonly offers: WaitlistOffers;
  private readonly bookingEvents = new Map<number, number>();
  private readonly selectLimiter = new RateLimiter();
  private readonly suggestions: FreeSeatPool | undefined;
  /** Concurrent seat selects, grouped into one statement each (decision record 0011). */
  private readonly seatTakes: Batcher<{ take: SeatTake; eventId: number }, boolean>;
  /** The events of bookings this process has not seen yet (opened elsewhere), grouped the same way. */
  private readonly bookingEventLookups: Batcher<number, number | undefined>;

  constructor(db: Kysely<object>, catalog: CatalogGateway, contacts: ContactDirectory, options: SalesOptions) {
    this.db = salesDb(db);
    this.catalog = catalog;
    this.contacts = contacts;
    this.options = options;
    this.offers = new WaitlistOffers({
      offerTtlSeconds: options.waitlistOfferTtlSeconds,
      defaultCurrency: options.defaultCurrency,
    });
    this.seatTakes = new Batcher({
      run: (group) =>
        takeSeats(
          this.db,
          group.map(({ take }) => take),
        ),
      keys: ({ take, eventId }) => [
        `booking:${String(take.bookingId)}`,
        `seat:${String(take.seatId)}`,
        ...(take.maxPerUser === null ? [] : [`user:${String(take.userId)}:${String(eventId)}`]),
      ],
      maxGroup: GROUPED_PER_STATEMENT,
      maxRunning: GROUPED_STATEMENTS_AT_ONCE,
    });
    this.bookingEventLookups = new Batcher({
      run: (bookingIds) => eventsOfBookings(this.db, bookingIds),
      keys: () => [],
      maxGroup: GROUPED_PER_STATEMENT,
      maxRunning: GROUPED_STATEMENTS_AT_ONCE,
    });
    if (options.seatSuggestionMaxAgeMs)
      this.suggestions = new FreeSeatPool((eventId, count) => this.readFreeSeats(eventId, count), {
        size: SUGGESTION_WINDOW,
        maxAgeMs: options.seatSuggestionMaxAgeMs,
      });
  }

  // ── Inventory ────────────────────────────────────────────────────────────────────────────────

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
    },
  ) {
    await this.requireManager(principal, eventId);
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
        currency: input.currency ?? this.options.defaultCurrency,
        quantity: input.quantity,
        sales_start: input.sales_start ? new Date(input.sales_start) : null,
        sales_end: input.sales_end ? new Date(input.sales_end) : null,
        max_per_order: input.max_per_order ?? 10,
      });
    });
    const created = (await this.ticketTypes(eventId)).find((type) => type.id === row.id);
    if (!created) throw ticketTypeNotFound();
    return created;
  }

  /** Ticket types with what is left, to whoever may see the event (see visibleEvent). */
  async listTicketTypes(principal: Principal | undefined, eventId: number) {
    await this.visibleEvent(principal, eventId);
    return this.ticketTypes(eventId);
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
      };
    });
  }

  async createLayout(
    principal: Principal | 'system',
    eventId: number,
    zones: ZoneLayout[],
    firstSeatId?: number,
  ): Promise<number> {
    if (principal !== 'system') await this.requireManager(principal, eventId);
    // One request lays out the whole hall, so its size bounds the work (sales.limits.ts).
    const seats = zones.reduce((sum, zone) => sum + zone.rows * zone.seatsPerRow, 0);
    if (seats > MAX_SEATS_PER_EVENT) throw layoutTooLarge(MAX_SEATS_PER_EVENT, seats);
    if (!zones.every((zone) => isPrice(zone.price))) throw priceOutOfRange('body/zones/price', MAX_PRICE);
    return this.db.transaction().execute(async (trx) => {
      if (await eventHasSeats(trx, eventId)) throw layoutExists();
      const rows = await insertLayout(trx, eventId, zones, firstSeatId);
      this.halls.delete(eventId);
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
    const seats =
      seatIds.length === 0
        ? []
        : await sales
            .selectFrom('sales.seats')
            .innerJoin('sales.zones', 'sales.zones.id', 'sales.seats.zone_id')
            .select(['sales.seats.id', 'sales.seats.row', 'sales.seats.number', 'sales.zones.name as zone'])
            .where('sales.seats.id', 'in', seatIds)
            .execute();
    const ticketType =
      ticketTypeId === null
        ? undefined
        : await sales.selectFrom('sales.ticket_types').select(['id', 'name']).where('id', '=', ticketTypeId).executeTakeFirst();
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
    await this.visibleEvent(principal, filter.eventId);
    if (filter.status === 'FREE' && filter.page === undefined && filter.row === undefined && filter.zoneId === undefined) {
      const count = Math.min(filter.pageSize, SUGGESTION_LIMIT);
      return this.suggestions ? this.suggestions.suggest(filter.eventId, count) : this.readFreeSeats(filter.eventId, count);
    }
    return listSeats(this.db, { ...filter, page: filter.page ?? 1 });
  }

  /**
   * The hall for drawing: zones with their rows (always) and the status of every seat in rows
   * `fromRow..toRow` (all rows when not given), a character per seat.
   */
  async seatMap(principal: Principal | undefined, eventId: number, range: { fromRow?: number; toRow?: number } = {}) {
    await this.visibleEvent(principal, eventId);
    const zones = await seatMapZones(this.db, eventId);
    const rows = await seatMapRows(this.db, eventId, range.fromRow ?? 1, range.toRow ?? 1_000_000);
    return { event_id: eventId, zones, rows };
  }

  // ── Bookings ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Opens a booking for an event: empty (seats are added after, as HackLoad does), with seats, or
   * with general-admission units of a ticket type. Holds last the event's TTL.
   */
  async createBooking(
    principal: Principal,
    input: { eventId: number; seatIds?: number[]; ticketTypeId?: number; quantity?: number },
  ): Promise<BookingView> {
    const event = await this.saleEvent(input.eventId);
    if (event.policy.contact_required && !(await this.contacts.hasContact(principal.userId))) throw contactRequired();
    const seatIds = input.seatIds ?? [];
    if (seatIds.length > event.policy.max_tickets_per_order) throw tooManySeats(event.policy.max_tickets_per_order);
    const booking = await this.db.transaction().execute(async (trx) => {
      // Holds of this user for this event that have passed do not count as open.
      await this.expireClaimed(trx, await claimOverdueBookings(trx, { limit: 50, eventId: event.id, userId: principal.userId }));
      let ticketType: { id: number; price: number; currency: string; quantity: number } | undefined;
      if (input.ticketTypeId !== undefined)
        ticketType = await this.holdTickets(trx, event, principal.userId, input.ticketTypeId, input.quantity ?? 1);
      const created = await insertBooking(trx, {
        eventId: event.id,
        userId: principal.userId,
        exclusive: event.policy.one_active_booking_per_user,
        ttlSeconds: event.hold_ttl_seconds,
        currency: ticketType?.currency ?? this.options.defaultCurrency,
        ...(ticketType
          ? { ticketTypeId: ticketType.id, quantity: ticketType.quantity, totalAmount: ticketType.price * ticketType.quantity }
          : {}),
      });
      if (!created) throw activeBookingExists((await findOpenBooking(trx, event.id, principal.userId))?.id);
      await insertAudit(trx, {
        bookingId: created.id,
        from: null,
        to: 'CREATED',
        actorUserId: principal.userId,
        reason: 'created',
      });
      // In seat-id order, as grouped selects take them (see takeSeats), so neither waits for the other in a cycle.
      for (const seatId of [...seatIds].sort((a, b) => a - b)) {
        const [taken] = await takeSeats(trx, [
          {
            bookingId: created.id,
            userId: principal.userId,
            seatId,
            maxSeats: event.policy.max_tickets_per_order,
            maxPerUser: event.policy.max_tickets_per_user,
          },
        ]);
        if (!taken) {
          const refusal = await this.explainFailedSelect(trx, created.id, principal, seatId);
          if (refusal) throw refusal;
        }
      }
      const total = seatIds.length > 0 ? await this.totalOfSeats(trx, created.id) : created.total_amount;
      const booking = total !== created.total_amount ? await updateBooking(trx, created.id, { totalAmount: total }) : created;
      await addEvent(trx, 'booking.created', booking.id, await bookingPayload(trx, booking));
      return booking;
    });
    this.rememberEventOf(booking.id, booking.event_id);
    this.suggestions?.taken(booking.event_id, seatIds);
    return this.view(booking);
  }

  /** Creates at most once per Idempotency-Key (see idempotency.ts). */
  async idempotent<T>(
    principal: Principal,
    key: string | undefined,
    request: unknown,
    work: () => Promise<T>,
  ): Promise<IdempotentResult<T>> {
    return runIdempotent(this.db, { userId: principal.userId, key, request, statusCode: 201 }, work);
  }

  async deleteOldIdempotencyKeys(): Promise<void> {
    await deleteOldIdempotencyKeys(this.db);
  }

  /** Seed 001's purchase: GA units straight to payment (PENDING), or CONFIRMED when free. */
  async purchase(principal: Principal, eventId: number, ticketTypeId: number, quantity: number): Promise<BookingView> {
    const opened = await this.createBooking(principal, { eventId, ticketTypeId, quantity });
    return opened.total_amount === 0 ? this.confirm(principal, opened.id, 'free tickets') : this.checkout(principal, opened.id);
  }

  /** HackLoad's PATCH /api/seats/select: one seat into the caller's open booking. */
  async selectSeat(principal: Principal, bookingId: number, seatId: number): Promise<void> {
    const limit = this.options.seatSelectRateLimit;
    if (limit) {
      const retryAfter = this.selectLimiter.hit(`select:${String(principal.userId)}`, limit.count, limit.windowMs);
      if (retryAfter > 0) throw selectRateLimited(retryAfter);
    }
    const event = await this.eventOfBooking(bookingId);
    const taken = await this.seatTakes.submit({
      take: {
        bookingId,
        userId: principal.userId,
        seatId,
        maxSeats: event.policy.max_tickets_per_order,
        maxPerUser: event.policy.max_tickets_per_user,
      },
      eventId: event.id,
    });
    // Taken now, or (failing) quite possibly by someone else: either way not worth suggesting again.
    this.suggestions?.taken(event.id, [seatId]);
    if (!taken) {
      const refusal = await this.explainFailedSelect(this.db, bookingId, principal, seatId);
      if (refusal) throw refusal;
    }
  }

  async addSeats(principal: Principal, bookingId: number, seatIds: number[]): Promise<BookingView> {
    for (const seatId of seatIds) await this.selectSeat(principal, bookingId, seatId);
    return this.getBooking(principal, bookingId);
  }

  /** Takes a seat out of the caller's open booking (HackLoad release, or DELETE …/seats/:seatId). */
  async releaseSeat(principal: Principal, seatId: number, bookingId?: number): Promise<void> {
    const eventId = await releaseSeat(this.db, {
      seatId,
      userId: principal.userId,
      ...(bookingId !== undefined ? { bookingId } : {}),
    });
    if (eventId !== undefined) {
      // A seat given back while people wait for one goes to the head of the queue.
      const queue = { eventId, ticketTypeId: null };
      if (await anyoneWaiting(this.db, queue)) await this.db.transaction().execute((trx) => this.offers.feed(trx, queue));
      return;
    }
    const seat = await findSeat(this.db, seatId);
    if (!seat) throw seatNotFound();
    if (seat.status === 'FREE' || seat.hold_passed) throw seatNotHeld();
    if (seat.user_id !== principal.userId && principal.role !== 'admin') throw seatNotYours();
    throw seatNotHeld();
  }

  async checkout(principal: Principal, bookingId: number): Promise<BookingView> {
    return this.transition(principal, bookingId, 'checkout', 'awaiting payment', async (trx, booking) => {
      if (booking.ticket_type_id === null && (await seatsOfBookings(trx, [booking.id])).length === 0) throw emptyBooking();
      return { totalAmount: booking.ticket_type_id === null ? await this.totalOfSeats(trx, booking.id) : booking.total_amount };
    });
  }

  /** Box office (the event's team) confirms as paid; the owner confirms a free booking. */
  async confirm(principal: Principal, bookingId: number, reason = 'confirmed at the box office'): Promise<BookingView> {
    const booking = await findBookingById(this.db, bookingId);
    if (!booking) throw bookingNotFound();
    const manager = await this.catalog.canManage(principal, booking.event_id);
    if (!manager) {
      if (booking.user_id !== principal.userId) throw bookingNotFound();
      if (booking.total_amount > 0)
        throw new DomainError('forbidden', 'payment-required', 'This booking is confirmed by paying for it.');
    }
    return this.transition(principal, bookingId, 'confirm', reason, async (trx, locked) => this.sell(trx, locked), manager);
  }

  async cancel(principal: Principal, bookingId: number, reason = 'cancelled by the customer'): Promise<BookingView> {
    await this.assertRefundWindow(bookingId);
    return this.transition(principal, bookingId, 'cancel', reason, async (trx, booking) => {
      await this.giveBack(trx, booking);
      return { expiresAt: null };
    });
  }

  async getBooking(
    principal: Principal,
    bookingId: number,
  ): Promise<
    BookingView & {
      audit: { from_status: string | null; to_status: string; actor_user_id: number | null; reason: string; at: string }[];
    }
  > {
    const booking = await findBookingById(this.db, bookingId);
    if (!booking) throw bookingNotFound();
    if (booking.user_id !== principal.userId && !(await this.catalog.canManage(principal, booking.event_id)))
      throw bookingNotFound();
    const audit = await listAudit(this.db, bookingId);
    return {
      ...(await this.view(booking)),
      audit: audit.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
    };
  }

  async myBookings(principal: Principal, filter: { eventId?: number; limit: number }): Promise<BookingView[]> {
    const bookings = await listBookingsOfUser(this.db, principal.userId, filter);
    return this.views(bookings);
  }

  async eventBookings(principal: Principal, eventId: number, filter: { status?: BookingStatus; limit: number; offset: number }) {
    await this.requireManager(principal, eventId);
    return this.views(await listBookingsOfEvent(this.db, eventId, filter));
  }

  /**
   * Total, free, held and sold counts (seed 002), overall and per zone, to whoever may see the
   * event; revenue and the number of bookings only to those who may manage it (owners, managers,
   * admins), and left out for everyone else.
   */
  async availability(principal: Principal | undefined, eventId: number) {
    await this.visibleEvent(principal, eventId);
    const [counts, manager] = await Promise.all([
      this.inventoryCounts(eventId),
      principal ? this.catalog.canManage(principal, eventId) : false,
    ]);
    return manager ? { ...counts, ...(await this.takings(eventId)) } : counts;
  }

  /** HackLoad's analytics: the counts with revenue, for the event's owners, managers and admins only. */
  async analytics(principal: Principal, eventId: number) {
    await this.visibleEvent(principal, eventId);
    await this.requireManager(principal, eventId);
    const [counts, takings] = await Promise.all([this.inventoryCounts(eventId), this.takings(eventId)]);
    return { ...counts, ...takings };
  }

  /** What confirmed bookings brought in, and how many bookings there are in all. */
  private async takings(eventId: number): Promise<{ revenue: number; bookings_count: number }> {
    const { revenue, bookings } = await countBookings(this.db, eventId);
    return { revenue, bookings_count: bookings };
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

  // ── Payments hooks ───────────────────────────────────────────────────────────────────────────

  /** Whose booking this is; undefined when there is no such booking. */
  async ownerOfBooking(bookingId: number): Promise<number | undefined> {
    return (await findBookingById(this.db, bookingId))?.user_id;
  }

  /** What paying for this booking costs now; refuses a booking that is not the caller's or not payable. */
  async paymentQuote(principal: Principal, bookingId: number): Promise<PaymentQuote> {
    const booking = await findBookingById(this.db, bookingId);
    if (!booking) throw bookingNotFound();
    if (booking.user_id !== principal.userId && principal.role !== 'admin') throw notYourBooking();
    if (!isOpen(booking.status)) throw bookingNotPayable(booking.status);
    if (booking.expires_at && booking.expires_at <= (await this.databaseNow(this.db))) throw bookingExpired();
    const seats = booking.ticket_type_id === null ? await seatsOfBookings(this.db, [booking.id]) : [];
    if (booking.ticket_type_id === null && seats.length === 0) throw emptyBooking();
    return {
      bookingId: booking.id,
      userId: booking.user_id,
      eventId: booking.event_id,
      amount: booking.ticket_type_id === null ? seats.reduce((sum, seat) => sum + seat.price, 0) : booking.total_amount,
      currency: booking.currency,
      items: { seatIds: seats.map((seat) => seat.id), ticketTypeId: booking.ticket_type_id, quantity: booking.quantity },
      holdEndsAt: booking.expires_at,
    };
  }

  /**
   * In the payment's transaction: the booking awaits payment (CREATED → PENDING, or stays PENDING).
   * Its hold is not extended: the organizer's hold time is the deadline, and the payment expires
   * with it. Throws if its amount is no longer `amount`.
   */
  async startPayment(
    trx: Transaction<object>,
    principal: Principal,
    bookingId: number,
    payment: { amount: number },
  ): Promise<BookingView> {
    const sales = trx as unknown as Transaction<SalesTables>;
    const current = await lockBookingById(sales, bookingId);
    let view: BookingView;
    if (current?.status === 'PENDING') {
      if (current.user_id !== principal.userId && principal.role !== 'admin') throw notYourBooking();
      if (current.expires_at && current.expires_at <= (await this.databaseNow(sales))) throw bookingExpired();
      await insertAudit(sales, {
        bookingId,
        from: 'PENDING',
        to: 'PENDING',
        actorUserId: principal.userId,
        reason: 'payment started',
      });
      view = await this.viewWith(sales, current);
    } else {
      view = await this.transition(
        principal,
        bookingId,
        'checkout',
        'awaiting payment',
        async (inner, booking) => ({
          totalAmount: booking.ticket_type_id === null ? await this.totalOfSeats(inner, booking.id) : booking.total_amount,
        }),
        false,
        sales,
      );
    }
    if (view.total_amount !== payment.amount) throw bookingChanged();
    return view;
  }

  /**
   * In the payment's transaction, once the money is captured: PENDING → CONFIRMED (seats SOLD). A
   * booking whose hold has passed is expired, then re-taken if all its inventory is still free
   * (EXPIRED → CONFIRMED); otherwise, or if it was cancelled, 'unavailable' (payments refunds).
   */
  async settlePaid(
    trx: Transaction<object>,
    bookingId: number,
    items: PaymentQuote['items'],
    reason: string,
  ): Promise<SettleOutcome> {
    const sales = trx as unknown as Transaction<SalesTables>;
    const current = await lockBookingById(sales, bookingId);
    if (!current || current.status === 'CANCELLED') return 'unavailable';
    if (current.status === 'CONFIRMED' || current.status === 'COMPLETED') return 'already';
    if (isOpen(current.status)) {
      if (current.expires_at === null || current.expires_at > (await this.databaseNow(sales))) {
        await this.transition(
          'system',
          bookingId,
          'confirm',
          reason,
          async (inner, locked) => this.sell(inner, locked),
          false,
          sales,
        );
        return 'confirmed';
      }
      await this.expireNow(sales, current);
    }
    const retaken =
      items.ticketTypeId !== null
        ? await sellUnitsIfAvailable(sales, items.ticketTypeId, items.quantity)
        : await retakeSeatsAsSold(sales, bookingId, items.seatIds);
    if (!retaken) return 'unavailable';
    await this.transition('system', bookingId, 'pay-late', `${reason} after the hold ended`, async () => ({}), false, sales);
    return 'retaken';
  }

  /**
   * In the payment's transaction: the payment failed. An open booking keeps its hold until it ends,
   * so the buyer can try again (the reason goes into its audit); with `cancelBooking` (the Billetter
   * door's contract) it is cancelled and its inventory freed at once. A booking whose hold has
   * passed expires now either way.
   */
  async failPayment(
    trx: Transaction<object>,
    bookingId: number,
    failure: { reason: string; cancelBooking: boolean },
  ): Promise<{ outcome: 'held' | 'cancelled' | 'expired' | 'none'; holdEndsAt: Date | null }> {
    const sales = trx as unknown as Transaction<SalesTables>;
    const current = await lockBookingById(sales, bookingId);
    if (!current || !isOpen(current.status)) return { outcome: 'none', holdEndsAt: null };
    if (current.expires_at !== null && current.expires_at <= (await this.databaseNow(sales))) {
      await this.expireNow(sales, current);
      return { outcome: 'expired', holdEndsAt: null };
    }
    if (failure.cancelBooking) {
      await this.cancelBySystem(sales, bookingId, failure.reason);
      return { outcome: 'cancelled', holdEndsAt: null };
    }
    await insertAudit(sales, {
      bookingId,
      from: current.status,
      to: current.status,
      actorUserId: null,
      reason: `${failure.reason}; held for another try`,
    });
    return { outcome: 'held', holdEndsAt: current.expires_at };
  }

  /**
   * Returns some seats of a paid booking (a partial refund): they go back on sale, the total drops,
   * and `booking.seats-returned` carries the amount owed. Returning every seat cancels the booking.
   */
  async returnSeats(principal: Principal, bookingId: number, seatIds: number[]): Promise<BookingView> {
    await this.assertRefundWindow(bookingId);
    const booking = await this.db.transaction().execute(async (trx) => {
      const current = await lockBookingById(trx, bookingId);
      if (!current) throw bookingNotFound();
      if (current.user_id !== principal.userId && principal.role !== 'admin') throw notYourBooking();
      if (current.status !== 'CONFIRMED' || current.ticket_type_id !== null) throw seatNotInBooking();
      const returned = await returnSoldSeats(trx, bookingId, seatIds);
      if (returned.length !== new Set(seatIds).size) throw seatNotInBooking();
      const refundAmount = returned.reduce((sum, seat) => sum + seat.price, 0);
      const updated = await updateBooking(trx, bookingId, { totalAmount: current.total_amount - refundAmount });
      const reason = `seats returned: ${returned.map((seat) => seat.id).join(', ')}`;
      await insertAudit(trx, { bookingId, from: 'CONFIRMED', to: 'CONFIRMED', actorUserId: principal.userId, reason });
      const payload = await bookingPayload(trx, updated);
      await addEvent(trx, 'booking.seats-returned', bookingId, {
        ...payload,
        returnedSeatIds: returned.map((seat) => seat.id),
        refundAmount,
      });
      return { updated, remaining: payload.seatIds.length };
    });
    if (booking.remaining === 0) return this.cancel(principal, bookingId, 'every seat returned');
    return this.view(booking.updated);
  }

  /** Paid bookings are refundable until REFUND_CUTOFF_HOURS before the event (checked before the transaction). */
  private async assertRefundWindow(bookingId: number): Promise<void> {
    const hours = this.options.refundCutoffHours;
    if (hours === undefined) return;
    const booking = await findBookingById(this.db, bookingId);
    if (booking?.status !== 'CONFIRMED') return;
    const event = await this.catalog.findEvent(booking.event_id);
    if (event && Date.parse(event.starts_at) - hours * 3_600_000 <= Date.now()) throw refundWindowClosed(hours);
  }

  // ── Background and bus ───────────────────────────────────────────────────────────────────────

  /** Periodic: overdue bookings become EXPIRED and give their inventory back (idempotent, multi-instance safe). */
  async expireOverdue(limit = 500): Promise<number> {
    const expired = await this.db.transaction().execute(async (trx) => {
      const claimed = await claimOverdueBookings(trx, { limit });
      await this.expireClaimed(trx, claimed);
      return claimed.length;
    });
    await freeExpiredSeatHolds(this.db, 5_000);
    return expired;
  }

  /**
   * Periodic: offers inventory freed in ways that pass no feeder (a seat hold that lapsed and was
   * tidied, capacity added) to the queues that wait. Multi-instance safe: heads are locked with
   * SKIP LOCKED and holds are conditional updates.
   */
  async feedWaitlists(): Promise<number> {
    let offered = 0;
    for (const queue of await waitingQueues(this.db, 1_000)) {
      offered += await this.db.transaction().execute((trx) => this.offers.feed(trx, queue));
    }
    return offered;
  }

  /**
   * The event was cancelled: every open or paid booking is cancelled (paid ones refunded). Runs in
   * the bus consumer's transaction, so it happens once with the event's inbox entry.
   */
  async cancelAllOfEvent(trx: Transaction<object>, eventId: number, reason: string): Promise<number> {
    const sales = trx as unknown as Transaction<SalesTables>;
    // Nobody waits for a cancelled event: ended first, so the inventory given back below is not offered.
    await cancelWaitingOfEvent(sales, eventId);
    const live = await sales
      .selectFrom('sales.bookings')
      .select('id')
      .where('event_id', '=', eventId)
      .where('status', 'in', ['CREATED', 'PENDING', 'CONFIRMED'])
      .orderBy('id')
      .execute();
    for (const { id } of live) {
      await this.cancelBySystem(sales, id, reason);
    }
    return live.length;
  }

  /** HackLoad's POST /api/reset: event 1 back to all seats free and no bookings. Off by default. */
  async reset(eventId: number): Promise<void> {
    if (!this.options.enableReset) throw resetDisabled();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('sales.seats')
        .set({ status: 'FREE', booking_id: null, held_until: null })
        .where('event_id', '=', eventId)
        .execute();
      await trx.deleteFrom('sales.bookings').where('event_id', '=', eventId).execute();
      await trx.updateTable('sales.ticket_types').set({ sold: 0, held: 0 }).where('event_id', '=', eventId).execute();
    });
    this.suggestions?.forget(eventId);
  }

  // ── Internals ────────────────────────────────────────────────────────────────────────────────

  private async transition(
    principal: Principal | 'system',
    bookingId: number,
    action: BookingAction,
    reason: string,
    effect: (trx: Transaction<SalesTables>, booking: BookingRow) => Promise<{ expiresAt?: Date | null; totalAmount?: number }>,
    asManager = false,
    outer?: Transaction<SalesTables>,
  ): Promise<BookingView> {
    const run = <T>(work: (trx: Transaction<SalesTables>) => Promise<T>) =>
      outer ? work(outer) : this.db.transaction().execute(work);
    const booking = await run(async (trx) => {
      const current = await lockBookingById(trx, bookingId);
      if (!current) throw bookingNotFound();
      if (principal !== 'system' && !asManager && current.user_id !== principal.userId && principal.role !== 'admin') {
        throw notYourBooking();
      }
      const overdue =
        isOpen(current.status) && current.expires_at !== null && current.expires_at <= (await this.databaseNow(trx));
      if (overdue && action !== 'expire') {
        // Its hold has passed: it expires now, whatever was asked, and the caller hears why.
        await this.expireNow(trx, current);
        return { expired: true as const, booking: current };
      }
      const to = nextStatus(current.status, action);
      const changes = await effect(trx, current);
      const updated = await updateBooking(trx, bookingId, { ...changes, status: to });
      if (to === 'PENDING' && updated.expires_at) await extendSeatHolds(trx, updated.id, updated.expires_at);
      await insertAudit(trx, {
        bookingId,
        from: current.status,
        to,
        actorUserId: principal === 'system' ? null : principal.userId,
        reason,
      });
      const payload = await bookingPayload(trx, updated);
      if (to === 'CONFIRMED') {
        await this.offers.offerEnded(trx, bookingId, 'CLAIMED');
        await addEvent(trx, 'booking.confirmed', bookingId, payload);
      }
      if (to === 'CANCELLED') {
        await addEvent(trx, 'booking.cancelled', bookingId, { ...payload, reason, refund: current.status === 'CONFIRMED' });
      }
      return { expired: false as const, booking: updated };
    });
    if (booking.expired) throw bookingExpired();
    return outer ? this.viewWith(outer, booking.booking) : this.view(booking.booking);
  }

  /** An open booking whose hold has passed, met while changing it: it expires now. */
  private async expireNow(trx: Transaction<SalesTables>, booking: BookingRow): Promise<void> {
    await this.expireClaimed(trx, [{ ...booking, from_status: booking.status }]);
    await trx.updateTable('sales.bookings').set({ status: 'EXPIRED' }).where('id', '=', booking.id).execute();
  }

  /** Cancels in the caller's transaction (event cancelled, payment failed): inventory back, refunded if paid. */
  private async cancelBySystem(trx: Transaction<SalesTables>, bookingId: number, reason: string): Promise<void> {
    await this.transition(
      'system',
      bookingId,
      'cancel',
      reason,
      async (inner, locked) => {
        await this.giveBack(inner, locked);
        return { expiresAt: null };
      },
      false,
      trx,
    );
  }

  /** Expires claimed bookings: inventory back, an audit entry and `booking.expired` for each. */
  private async expireClaimed(
    trx: Transaction<SalesTables>,
    claimed: { id: number; event_id: number; from_status: BookingStatus; ticket_type_id: number | null; quantity: number }[],
  ): Promise<void> {
    for (const booking of claimed) {
      const row = await findBookingById(trx, booking.id);
      if (!row) continue;
      const payload = await bookingPayload(trx, { ...row, status: 'EXPIRED' });
      if (booking.ticket_type_id !== null) await releaseUnits(trx, booking.ticket_type_id, booking.quantity);
      await freeSeatsOfBooking(trx, booking.id);
      await insertAudit(trx, {
        bookingId: booking.id,
        from: booking.from_status,
        to: 'EXPIRED',
        actorUserId: null,
        reason: 'hold expired',
      });
      await addEvent(trx, 'booking.expired', booking.id, payload);
      await this.offers.offerEnded(trx, booking.id, 'LAPSED');
      await this.offers.feed(trx, { eventId: booking.event_id, ticketTypeId: booking.ticket_type_id });
    }
  }

  /** Held units or seats become sold (confirming a booking). */
  private async sell(trx: Transaction<SalesTables>, booking: BookingRow): Promise<{ expiresAt: null }> {
    if (booking.ticket_type_id !== null) await sellUnits(trx, booking.ticket_type_id, booking.quantity);
    else if ((await sellSeatsOfBooking(trx, booking.id)) === 0) throw emptyBooking();
    return { expiresAt: null };
  }

  /** Returns a booking's inventory: held units or seats back to free; sold ones too on a refund. */
  private async giveBack(trx: Transaction<SalesTables>, booking: BookingRow): Promise<void> {
    if (booking.ticket_type_id !== null) {
      if (booking.status === 'CONFIRMED') await unsellUnits(trx, booking.ticket_type_id, booking.quantity);
      else await releaseUnits(trx, booking.ticket_type_id, booking.quantity);
    }
    await freeSeatsOfBooking(trx, booking.id);
    await this.offers.offerEnded(trx, booking.id, 'LAPSED');
    await this.offers.feed(trx, { eventId: booking.event_id, ticketTypeId: booking.ticket_type_id });
  }

  private async holdTickets(
    trx: Transaction<SalesTables>,
    event: SaleEvent,
    userId: number,
    ticketTypeId: number,
    quantity: number,
  ) {
    const type = await findTicketType(trx, event.id, ticketTypeId);
    if (!type) throw ticketTypeNotFound();
    const max = Math.min(type.max_per_order, event.policy.max_tickets_per_order);
    if (quantity > max) throw quantityTooLarge(max);
    const perUser = event.policy.max_tickets_per_user;
    // Strict with the default one-open-booking policy (the user's bookings are serialized by it).
    if (perUser !== null && (await ticketsOfUser(trx, userId, event.id)) + quantity > perUser) throw tooManyForUser(perUser);
    const now = await this.databaseNow(trx);
    if ((type.sales_start && type.sales_start > now) || (type.sales_end && type.sales_end <= now)) throw notOnSaleWindow();
    // Units whose hold has passed are free at this second: give them back before counting.
    await this.expireClaimed(trx, await claimOverdueBookings(trx, { limit: 1000, ticketTypeId }));
    if (!(await holdUnits(trx, ticketTypeId, quantity))) {
      const fresh = await findTicketType(trx, event.id, ticketTypeId);
      throw soldOut(fresh ? fresh.quantity - fresh.sold - fresh.held : 0);
    }
    return { id: type.id, price: type.price, currency: type.currency, quantity };
  }

  /**
   * Why a seat was not taken, or undefined when it is already held by this very booking: selecting
   * it again changes nothing (PATCH is idempotent), and a select retried after its first attempt
   * committed but lost its answer (a dropped connection) must not be told the seat is taken.
   */
  private async explainFailedSelect(
    db: Kysely<SalesTables>,
    bookingId: number,
    principal: Principal,
    seatId: number,
  ): Promise<DomainError | undefined> {
    const booking = await findBookingById(db, bookingId);
    if (!booking) return bookingNotFound();
    if (booking.user_id !== principal.userId) return notYourBooking();
    if (booking.status !== 'CREATED' || booking.ticket_type_id !== null) return bookingNotOpen(booking.status);
    if (booking.expires_at && booking.expires_at <= (await this.databaseNow(db))) return bookingExpired();
    const seat = await findSeat(db, seatId);
    if (!seat || seat.event_id !== booking.event_id) return seatNotFound();
    if (seat.booking_id === booking.id && seat.status === 'RESERVED' && !seat.hold_passed) return undefined;
    if (seat.status === 'FREE' || seat.hold_passed) {
      const event = await this.saleEvent(booking.event_id);
      const perUser = event.policy.max_tickets_per_user;
      if (perUser !== null && (await ticketsOfUser(db, principal.userId, booking.event_id)) >= perUser)
        return tooManyForUser(perUser);
      return tooManySeats(event.policy.max_tickets_per_order);
    }
    return seatTaken();
  }

  async requireManager(principal: Principal, eventId: number): Promise<void> {
    if (!(await this.catalog.canManage(principal, eventId))) {
      throw new DomainError('forbidden', 'not-on-team', "This needs the owner or manager role in the event's organizer team.");
    }
  }

  /** The event, if it is on sale (cached briefly); otherwise a problem. */
  async saleEvent(eventId: number): Promise<SaleEvent> {
    const event = await this.findEvent(eventId);
    if (!event || event.status !== 'PUBLISHED') throw eventNotOnSale();
    return event;
  }

  /**
   * The one visibility rule for reads of an event's inventory (ticket types, seats, seat map,
   * availability, analytics): a public event is everyone's; a draft is its team's and admins'.
   * Anyone else gets the catalog's answer for a missing id, so not even a draft's existence shows.
   * A public event comes from findEvent's cache: the hot reads pay no query for the check.
   */
  private async visibleEvent(principal: Principal | undefined, eventId: number): Promise<SaleEvent> {
    const event = await this.findEvent(eventId);
    if (event && (event.is_public || (principal && (await this.catalog.isOnTeam(principal, eventId))))) return event;
    throw eventNotFound();
  }

  /**
   * The event as the catalog has it. Public events are remembered for EVENT_CACHE_MS (at most
   * EVENTS_CACHED of them, the oldest dropped first), so seat lists, availability and seat selects
   * of a published event cost no query; drafts and unknown ids are asked each time, so an event is
   * public the moment it is published, never remembered as a draft.
   */
  private async findEvent(eventId: number): Promise<SaleEvent | undefined> {
    const cached = this.events.get(eventId);
    if (cached && cached.until > Date.now()) return cached.event;
    const event = await this.catalog.findEvent(eventId);
    this.events.delete(eventId);
    if (event?.is_public) {
      const oldest = this.events.keys().next();
      if (this.events.size >= EVENTS_CACHED && !oldest.done) this.events.delete(oldest.value);
      this.events.set(eventId, { event, until: Date.now() + EVENT_CACHE_MS });
    }
    return event;
  }

  private async eventOfBooking(bookingId: number): Promise<SaleEvent> {
    let eventId = this.bookingEvents.get(bookingId);
    if (eventId === undefined) {
      eventId = await this.bookingEventLookups.submit(bookingId);
      if (eventId === undefined) throw bookingNotFound();
      this.rememberEventOf(bookingId, eventId);
    }
    return this.saleEvent(eventId);
  }

  private rememberEventOf(bookingId: number, eventId: number): void {
    if (this.bookingEvents.size >= BOOKING_EVENTS_CACHED) this.bookingEvents.clear();
    this.bookingEvents.set(bookingId, eventId);
  }

  /** Free seats from a random place in the hall (see suggestFreeSeats). */
  private async readFreeSeats(eventId: number, count: number): Promise<SeatListing[]> {
    const hall = await this.hallOf(eventId);
    if (!hall) return [];
    const start = { row: 1 + Math.floor(Math.random() * hall.rows), number: 1 + Math.floor(Math.random() * hall.seatsPerRow) };
    return suggestFreeSeats(this.db, eventId, count, start);
  }

  /** The hall's size; only halls that exist are remembered (anyone can ask about any event id). */
  private async hallOf(eventId: number) {
    const known = this.halls.get(eventId);
    if (known) return known;
    const hall = await hallSize(this.db, eventId);
    if (hall) {
      if (this.halls.size >= HALLS_CACHED) this.halls.clear();
      this.halls.set(eventId, hall);
    }
    return hall;
  }

  private async totalOfSeats(db: Kysely<SalesTables>, bookingId: number): Promise<number> {
    return (await seatsOfBookings(db, [bookingId])).reduce((sum, seat) => sum + seat.price, 0);
  }

  private async databaseNow(db: Kysely<SalesTables>): Promise<Date> {
    const row = await db.selectNoFrom((eb) => eb.fn<Date>('now').as('now')).executeTakeFirstOrThrow();
    return row.now;
  }

  private async view(booking: BookingRow): Promise<BookingView> {
    return this.viewWith(this.db, booking);
  }

  private async viewWith(db: Kysely<SalesTables>, booking: BookingRow): Promise<BookingView> {
    const [view] = await this.views([booking], db);
    if (!view) throw bookingNotFound();
    return view;
  }

  private async views(bookings: BookingRow[], db: Kysely<SalesTables> = this.db): Promise<BookingView[]> {
    const seats = await seatsOfBookings(
      db,
      bookings.map((booking) => booking.id),
    );
    const now = Date.now();
    return bookings.map((booking) => ({
      id: booking.id,
      event_id: booking.event_id,
      user_id: booking.user_id,
      // A hold that has passed reads as EXPIRED at once, before the sweep records it.
      status: isOpen(booking.status) && booking.expires_at && booking.expires_at.getTime() <= now ? 'EXPIRED' : booking.status,
      expires_at: booking.expires_at?.toISOString() ?? null,
      ticket_type_id: booking.ticket_type_id,
      quantity: booking.quantity,
      total_amount: booking.total_amount,
      currency: booking.currency,
      seats: seats
        .filter((seat) => seat.booking_id === booking.id)
        .map((seat) => ({ id: seat.id, row: seat.row, number: seat.number, price: seat.price })),
      created_at: booking.created_at.toISOString(),
    }));
  }
}
