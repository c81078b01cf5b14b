import type { Logger } from 'pino';
import { DomainError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/access.ts';
import type { ProviderClient } from './provider.client.ts';
import { ProviderCallError } from './provider.errors.ts';
import type { ProviderMirror } from './provider.mirror.ts';
import {
  addOrderPlace,
  findBookingOrder,
  linkSeats,
  ordersOfPlace,
  placesOfSeats,
  readEventModes,
  recordBookingOrder,
  removeOrderPlace,
  seatsOfPlaces,
  writeEventMode,
  type EventModeRow,
} from './provider.orders.repository.ts';
import type { ProviderDb } from './provider.repository.ts';
import type { OwnershipMode } from './provider.tables.ts';

/** What the provider module asks of sales (bound in main.ts; matched by shape). */
export interface SalesForProvider {
  seatPositions(eventId: number): Promise<{ id: number; row: number; number: number }[]>;
  allot(eventId: number, block: { rows: [number, number] } | { seatIds: number[] } | null): Promise<void>;
  withheldSeats(eventId: number): Promise<number>;
  giveUpPaid(bookingId: number, reason: string): Promise<boolean>;
}

/** Who may change an event's ownership: its owner or manager (the catalog answers). */
export interface EventTeams {
  canManage(principal: Principal, eventId: number): Promise<boolean>;
}

export type OwnershipBlock = { from_row: number; to_row: number } | { place_ids: string[] };

export interface OwnershipView {
  event_id: number;
  mode: OwnershipMode;
  block: OwnershipBlock | null;
  /** Seats of the event linked to provider places (0 for an own event). */
  linked_seats: number;
  /** Seats outside an allotment's block, shown and answered as unavailable. */
  withheld_seats: number;
}

/** How long a process trusts its copy of the modes; a change elsewhere shows within this. */
const MODES_FRESH_MS = 2000;
/** A release right after a select meets the provider's lag (409 "not joined yet"): tries, this far apart. */
const RELEASE_TRIES = 5;
const RELEASE_PAUSE_MS = 100;

const notOnTeam = () =>
  new DomainError('forbidden', 'not-on-team', "This needs the owner or manager role in the event's organizer team.");

/**
 * Who sells each event's seats, and the provider side of a `provider` event's selects: one provider
 * order per booking (recorded before it is used), a seat ours only once the provider accepted it,
 * released there when it leaves the booking here. Modes are kept in memory (refreshed in the
 * background every MODES_FRESH_MS), so an own event's select asks nothing.
 */
export class SeatOwnershipService {
  private modes = new Map<number, OwnershipMode>();
  private loadedAt = 0;
  private loading: Promise<void> | undefined;
  private readonly placeOfSeat = new Map<number, string>();
  /** Orders being opened for bookings in this process: two selects of one booking share one start. */
  private readonly opening = new Map<number, Promise<string>>();

  private readonly db: ProviderDb;
  private readonly client: ProviderClient;
  private readonly mirror: ProviderMirror;
  private readonly sales: SalesForProvider;
  private readonly teams: EventTeams;
  private readonly logger: Logger;

  constructor(
    db: ProviderDb,
    parts: { client: ProviderClient; mirror: ProviderMirror; sales: SalesForProvider; teams: EventTeams; logger: Logger },
  ) {
    this.db = db;
    this.client = parts.client;
    this.mirror = parts.mirror;
    this.sales = parts.sales;
    this.teams = parts.teams;
    this.logger = parts.logger;
  }

  /** The event's mode from memory; the first call waits for the load, later ones refresh behind. */
  async modeOf(eventId: number): Promise<OwnershipMode> {
    if (this.loadedAt === 0) await this.refresh();
    else if (Date.now() - this.loadedAt > MODES_FRESH_MS) this.refresh().catch(() => undefined);
    return this.modes.get(eventId) ?? 'own';
  }

  private refresh(): Promise<void> {
    this.loading ??= readEventModes(this.db)
      .then((rows) => {
        this.modes = new Map(rows.map((row) => [row.event_id, row.mode]));
        this.loadedAt = Date.now();
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  async view(principal: Principal, eventId: number): Promise<OwnershipView> {
    if (!(await this.teams.canManage(principal, eventId))) throw notOnTeam();
    const row = (await readEventModes(this.db)).find((mode) => mode.event_id === eventId);
    return this.describe(row ?? { event_id: eventId, mode: 'own', block_from_row: null, block_to_row: null, block_places: null });
  }

  /** The organizer's (or the configuration's) choice of who sells the event's seats. */
  async setMode(
    principal: Principal | 'system',
    eventId: number,
    input: { mode: OwnershipMode; block?: OwnershipBlock | undefined },
  ): Promise<OwnershipView> {
    if (principal !== 'system' && !(await this.teams.canManage(principal, eventId))) throw notOnTeam();
    if ((input.mode === 'allotment') !== (input.block !== undefined)) {
      throw new DomainError(
        'invalid',
        'ownership-block',
        'An allotment needs its block (rows or place ids); the other modes take none.',
      );
    }
    const row: EventModeRow = {
      event_id: eventId,
      mode: input.mode,
      block_from_row: input.block && 'from_row' in input.block ? Math.min(input.block.from_row, input.block.to_row) : null,
      block_to_row: input.block && 'from_row' in input.block ? Math.max(input.block.from_row, input.block.to_row) : null,
      block_places: input.block && 'place_ids' in input.block ? [...new Set(input.block.place_ids)] : null,
    };
    if (input.mode !== 'own') await this.link(eventId);
    let block: Parameters<SalesForProvider['allot']>[1] = null;
    if (row.block_from_row !== null && row.block_to_row !== null) block = { rows: [row.block_from_row, row.block_to_row] };
    if (row.block_places) block = { seatIds: await seatsOfPlaces(this.db, eventId, row.block_places) };
    await this.sales.allot(eventId, block);
    await writeEventMode(this.db, row);
    this.modes.set(eventId, input.mode);
    if (input.mode === 'own') this.modes.delete(eventId);
    return this.describe(row);
  }

  /** Links the event's seats to the provider's places by row and seat number, preloading the mirror first if it is empty. */
  private async link(eventId: number): Promise<number> {
    const positions = await this.sales.seatPositions(eventId);
    if (positions.length === 0) {
      throw new DomainError('conflict', 'ownership-needs-seats', 'The event has no seats to link with the provider’s places.');
    }
    if ((await this.mirror.state()).places === 0) await this.mirror.preload();
    try {
      const linked = await linkSeats(this.db, eventId, positions);
      if (linked === 0) {
        throw new DomainError(
          'conflict',
          'ownership-no-places',
          'None of the event’s seats matches a provider place by row and seat.',
        );
      }
      return linked;
    } catch (error) {
      if ((error as { code?: unknown }).code !== '23505') throw error;
      throw new DomainError('conflict', 'ownership-places-taken', 'The provider’s places are already linked to another event.');
    }
  }

  private async describe(row: EventModeRow): Promise<OwnershipView> {
    return {
      event_id: row.event_id,
      mode: row.mode,
      block:
        row.block_from_row !== null && row.block_to_row !== null
          ? { from_row: row.block_from_row, to_row: row.block_to_row }
          : row.block_places
            ? { place_ids: row.block_places }
            : null,
      linked_seats: row.mode === 'own' ? 0 : await linkSeats(this.db, row.event_id, []),
      withheld_seats: row.mode === 'allotment' ? await this.sales.withheldSeats(row.event_id) : 0,
    };
  }

  /** The place a seat is linked to (remembered: links never change while they exist). */
  async placeOf(seatId: number): Promise<string | undefined> {
    const known = this.placeOfSeat.get(seatId);
    if (known) return known;
    const place = (await placesOfSeats(this.db, [seatId])).get(seatId);
    if (place) this.placeOfSeat.set(seatId, place);
    return place;
  }

  /**
   * The booking's provider order: the recorded one, or a new one recorded before anything uses it.
   * Two callers racing for one booking: the second to record takes the first's (its own order,
   * empty, is cancelled).
   */
  async orderOf(bookingId: number, eventId: number): Promise<string> {
    const known = await findBookingOrder(this.db, bookingId);
    if (known) return known;
    return this.openOrder(bookingId, eventId);
  }

  /** Opens a new order for the booking and records it (the saga after a lost or cancelled order). */
  async openOrder(bookingId: number, eventId: number): Promise<string> {
    const running = this.opening.get(bookingId);
    if (running) return running;
    const opening = (async () => {
      const orderId = await this.client.startOrder();
      if (await recordBookingOrder(this.db, { bookingId, eventId, orderId })) return orderId;
      this.client.cancelOrder(orderId).catch(() => undefined);
      const winner = await findBookingOrder(this.db, bookingId);
      if (!winner) throw new ProviderCallError('the booking’s provider order vanished while it was being opened');
      return winner;
    })();
    this.opening.set(bookingId, opening);
    try {
      return await opening;
    } finally {
      this.opening.delete(bookingId);
    }
  }

  /**
   * A `provider` event's select: the provider is asked to put the seat's place into the booking's
   * order. 204 yes; 409 someone else's; 500 a lost race (or an unknown place): the place is read to
   * tell, and a place that reads free (an injected error, not a race) is asked once more.
   */
  async acquire(take: { bookingId: number; eventId: number; seatId: number }): Promise<'accepted' | 'taken' | 'unknown'> {
    const placeId = await this.placeOf(take.seatId);
    if (!placeId) return 'unknown';
    const orderId = await this.orderOf(take.bookingId, take.eventId);
    for (let attempt = 0; ; attempt += 1) {
      let status: number;
      try {
        ({ status } = await this.client.selectPlace(placeId, orderId));
      } catch (error) {
        // The answer is lost: the place may be in the order. Noted, so the saga or the order's
        // cancellation releases it if the booking does not keep it.
        if (error instanceof ProviderCallError) await addOrderPlace(this.db, orderId, placeId);
        throw error;
      }
      if (status === 204) {
        await addOrderPlace(this.db, orderId, placeId, true);
        return 'accepted';
      }
      if (status === 409) return 'taken';
      if (status !== 500) return 'unknown';
      const place = await this.client.getPlace(placeId);
      if (!place) return 'unknown';
      if (!place.is_free || attempt >= 1) return 'taken';
    }
  }

  /**
   * The seat left an open booking here: released at the provider. Best effort — a place still
   * joining (the provider's lag) is tried a few times; what remains is freed when the order is
   * cancelled, or released by the saga before it submits.
   */
  async release(take: { eventId: number; seatId: number }): Promise<void> {
    const placeId = await this.placeOf(take.seatId);
    if (!placeId) return;
    const orders = await ordersOfPlace(this.db, placeId);
    if (orders.length === 0) return;
    try {
      for (let attempt = 0; attempt < RELEASE_TRIES; attempt += 1) {
        const { status } = await this.client.releasePlace(placeId);
        if (status === 204 || status === 403 || (await this.client.getPlace(placeId))?.is_free !== false) {
          for (const orderId of orders) await removeOrderPlace(this.db, orderId, placeId);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RELEASE_PAUSE_MS));
      }
    } catch (error) {
      this.logger.warn({ err: error, placeId }, 'provider release failed; the order’s saga or cancellation frees the place');
    }
  }
}
