import type { Kysely } from 'kysely';
import { assertOwner, mayActAsOwner, NotOwnerError, type OwnershipRefusal, type Principal } from '../../platform/http/access.ts';
import { DomainError } from '../../platform/errors.ts';
import { quantityTooLarge, ticketTypeNotFound } from './sales.errors.ts';
import type { SalesService } from './sales.service.ts';
import type { CatalogGateway } from './sales.types.ts';
import type { WaitlistStatus } from './sales.tables.ts';
import { salesDb, type SalesDb } from './seats.repository.ts';
import {
  findEntry,
  findLiveEntry,
  insertEntry,
  listEntriesOfEvent,
  listEntriesOfUser,
  positionOf,
  setEntryStatus,
  setPriority,
  waitingUsersOfEvent,
  type WaitlistEntryRow,
} from './waitlist.repository.ts';

export interface WaitlistEntryView {
  id: number;
  event_id: number;
  ticket_type_id: number | null;
  user_id: number;
  quantity: number;
  priority: number;
  status: WaitlistStatus;
  /** Place in the queue while WAITING (1 = next to be offered). */
  position: number | null;
  /** The booking holding the offer (OFFERED): check it out before `offer_expires_at`. */
  booking_id: number | null;
  offer_expires_at: string | null;
  created_at: string;
}

const notSoldOut = (available: number) =>
  new DomainError('conflict', 'not-sold-out', `There are ${available} left: book them instead of waiting.`, { available });
const alreadyWaiting = (entryId: number) =>
  new DomainError('conflict', 'already-waiting', 'You are already in this waitlist.', { entry_id: entryId });
const entryNotFound = () => new DomainError('not-found', 'waitlist-entry-not-found', 'No such waitlist entry.');
/** No door's contract asks for a 403 here; the native 404 is what every stranger hears. */
const STRANGER_TO_ENTRY: OwnershipRefusal = {
  notFound: entryNotFound,
  forbidden: () => new DomainError('forbidden', 'not-your-waitlist-entry', 'This waitlist entry belongs to someone else.'),
};
const entryClosed = (status: string) =>
  new DomainError('conflict', 'waitlist-entry-closed', `This waitlist entry is ${status}.`, { status });

/**
 * The waitlist's use cases (seed 000): join a sold-out ticket type (or the seats of a sold-out
 * seated event) with a quantity, see your place, leave; organizers see the queue and set
 * priorities. Offers are made by WaitlistOffers, where inventory frees.
 */
export class WaitlistService {
  private readonly db: SalesDb;
  private readonly sales: SalesService;
  private readonly catalog: CatalogGateway;

  constructor(db: Kysely<object>, sales: SalesService, catalog: CatalogGateway) {
    this.db = salesDb(db);
    this.sales = sales;
    this.catalog = catalog;
  }

  async join(principal: Principal, eventId: number, input: { ticketTypeId?: number; quantity: number }) {
    const event = await this.sales.events.saleEvent(eventId);
    if (input.quantity > event.policy.max_tickets_per_order) throw quantityTooLarge(event.policy.max_tickets_per_order);
    const queue = { eventId, ticketTypeId: input.ticketTypeId ?? null };
    const available = await this.available(eventId, queue.ticketTypeId);
    if (available >= input.quantity) throw notSoldOut(available);
    const entry = await insertEntry(this.db, { ...queue, userId: principal.userId, quantity: input.quantity });
    if (!entry) {
      const live = await findLiveEntry(this.db, queue, principal.userId);
      throw alreadyWaiting(live?.id ?? 0);
    }
    return this.view(entry);
  }

  /** Leaves the queue; an offer not yet paid is given up (its booking cancelled, the next offered). */
  async leave(principal: Principal, entryId: number): Promise<WaitlistEntryView> {
    const entry = await this.ownEntry(principal, entryId);
    if (entry.status === 'OFFERED' && entry.booking_id !== null) {
      await this.sales.bookings.cancel(principal, entry.booking_id, 'left the waitlist');
    } else if (entry.status !== 'WAITING') {
      throw entryClosed(entry.status);
    }
    await setEntryStatus(this.db, entry.id, 'LEFT');
    return this.view({ ...entry, status: 'LEFT' });
  }

  async get(principal: Principal, entryId: number): Promise<WaitlistEntryView> {
    const entry = await findEntry(this.db, entryId);
    if (!entry) throw entryNotFound();
    // The event's team sees its queue.
    if (!mayActAsOwner(principal, entry.user_id) && !(await this.catalog.canManage(principal, entry.event_id)))
      throw new NotOwnerError(STRANGER_TO_ENTRY);
    return this.view(entry);
  }

  async mine(principal: Principal, limit: number): Promise<WaitlistEntryView[]> {
    return Promise.all((await listEntriesOfUser(this.db, principal.userId, limit)).map((entry) => this.view(entry)));
  }

  /** The queue of an event, for its team: highest priority first, then first come. */
  async ofEvent(principal: Principal, eventId: number, filter: { status?: WaitlistStatus; limit: number; offset: number }) {
    await this.sales.events.requireManager(principal, eventId);
    return Promise.all((await listEntriesOfEvent(this.db, eventId, filter)).map((entry) => this.view(entry)));
  }

  async prioritize(principal: Principal, entryId: number, priority: number): Promise<WaitlistEntryView> {
    const entry = await findEntry(this.db, entryId);
    if (!entry) throw entryNotFound();
    await this.sales.events.requireManager(principal, entry.event_id);
    const updated = await setPriority(this.db, entryId, priority);
    if (!updated) throw entryNotFound();
    return this.view(updated);
  }

  /** Everyone who waits (or waited when the event was cancelled): for notifications. */
  async waitingUsers(eventId: number): Promise<number[]> {
    return waitingUsersOfEvent(this.db, eventId);
  }

  private async available(eventId: number, ticketTypeId: number | null): Promise<number> {
    if (ticketTypeId === null)
      return (await this.sales.inventory.inventoryCounts(eventId)).zones.reduce((sum, zone) => sum + zone.free, 0);
    const type = (await this.sales.inventory.ticketTypes(eventId)).find((candidate) => candidate.id === ticketTypeId);
    if (!type) throw ticketTypeNotFound();
    return type.available;
  }

  private async ownEntry(principal: Principal, entryId: number): Promise<WaitlistEntryRow> {
    const entry = await findEntry(this.db, entryId);
    if (!entry) throw entryNotFound();
    assertOwner(principal, entry.user_id, STRANGER_TO_ENTRY);
    return entry;
  }

  private async view(entry: WaitlistEntryRow): Promise<WaitlistEntryView> {
    return {
      id: entry.id,
      event_id: entry.event_id,
      ticket_type_id: entry.ticket_type_id,
      user_id: entry.user_id,
      quantity: entry.quantity,
      priority: entry.priority,
      status: entry.status,
      position: entry.status === 'WAITING' ? await positionOf(this.db, entry) : null,
      booking_id: entry.booking_id,
      offer_expires_at: entry.offer_expires_at?.toISOString() ?? null,
      created_at: entry.created_at.toISOString(),
    };
  }
}
