import type { Principal } from '../../platform/http/access.ts';
import { DomainError } from '../../platform/errors.ts';
import { Batcher } from './batcher.ts';
import { eventsOfBookings } from './bookings.repository.ts';
import { bookingNotFound, eventNotFound, eventNotOnSale } from './sales.errors.ts';
import type { CatalogGateway, SaleEvent } from './sales.types.ts';
import type { SalesDb } from './seats.repository.ts';

const EVENT_CACHE_MS = 2_000;
/** Public events remembered (anyone can ask about any of millions of past events). */
const EVENTS_CACHED = 10_000;
/** Bookings whose event is remembered (it never changes), so a seat select needs no extra read. */
const BOOKING_EVENTS_CACHED = 200_000;
/** Seat selects (or booking lookups) grouped into one statement at most, and such statements running at once. */
export const GROUPED_PER_STATEMENT = 100;
export const GROUPED_STATEMENTS_AT_ONCE = 2;

/**
 * The events sales sells, as the catalog has them, and the rules about who may see or manage
 * them. Per process it remembers public events briefly and the event of every booking it has
 * seen (an event never changes for a booking), so the hot paths — seat lists, availability,
 * seat selects — ask the catalog and the database nothing for them.
 */
export class SaleEvents {
  private readonly catalog: CatalogGateway;
  /** Public events only (see findEvent). */
  private readonly events = new Map<number, { event: SaleEvent; until: number }>();
  private readonly bookingEvents = new Map<number, number>();
  /** The events of bookings this process has not seen yet (opened elsewhere), grouped into one statement. */
  private readonly bookingEventLookups: Batcher<number, number | undefined>;

  constructor(db: SalesDb, catalog: CatalogGateway) {
    this.catalog = catalog;
    this.bookingEventLookups = new Batcher({
      run: (bookingIds) => eventsOfBookings(db, bookingIds),
      keys: () => [],
      maxGroup: GROUPED_PER_STATEMENT,
      maxRunning: GROUPED_STATEMENTS_AT_ONCE,
    });
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
  async visibleEvent(principal: Principal | undefined, eventId: number): Promise<SaleEvent> {
    const event = await this.findEvent(eventId);
    if (event && (event.is_public || (principal && (await this.catalog.isOnTeam(principal, eventId))))) return event;
    throw eventNotFound();
  }

  /** The event on sale that a booking is for; the booking's event is remembered. */
  async eventOfBooking(bookingId: number): Promise<SaleEvent> {
    let eventId = this.bookingEvents.get(bookingId);
    if (eventId === undefined) {
      eventId = await this.bookingEventLookups.submit(bookingId);
      if (eventId === undefined) throw bookingNotFound();
      this.rememberEventOf(bookingId, eventId);
    }
    return this.saleEvent(eventId);
  }

  rememberEventOf(bookingId: number, eventId: number): void {
    if (this.bookingEvents.size >= BOOKING_EVENTS_CACHED) this.bookingEvents.clear();
    this.bookingEvents.set(bookingId, eventId);
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
}
