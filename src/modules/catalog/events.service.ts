import type { Kysely, Transaction } from 'kysely';
import { addEvent } from '../../platform/bus/index.ts';
import type { Principal } from '../../platform/http/access.ts';
import {
  eventNotFound,
  illegalTransition,
  invalidTimezone,
  notEditable,
  notSellable,
  organizerNotFound,
} from './catalog.errors.ts';
import type { EventLifecyclePayload } from './catalog.events.ts';
import type { BookingPolicy, CatalogTables, EventStatus } from './catalog.tables.ts';
import {
  addFavorite,
  claimDueReminders,
  completeEndedEvents,
  findEventById,
  insertEvent,
  listFavorites,
  listOrganizerEvents,
  lockEventById,
  removeFavorite,
  searchEvents,
  searchEventsFuzzy,
  setEventStatus,
  updateEventFields,
  type EventFields,
  type EventRow,
  type SearchFilter,
} from './events.repository.ts';
import { catalogDb, findOrganizerBySlug, findOrganizerSlug } from './organizers.repository.ts';
import { normalizeSearchText, SearchCache } from './search-cache.ts';
import { CAN_MANAGE_EVENTS, isOnTeam, requireTeamRole } from './team.ts';

export const DEFAULT_POLICY: BookingPolicy = {
  max_tickets_per_order: 10,
  contact_required: false,
  one_active_booking_per_user: true,
  max_tickets_per_user: null,
};

/** Fields that may change after publishing: they describe the event without changing what was sold. */
export const EDITABLE_AFTER_PUBLISH = ['description', 'images'] as const;

/** Whether the sales module has anything to sell for an event; wired in main. */
export type SellableCheck = (eventId: number) => Promise<boolean>;

export interface EventView {
  id: number;
  organizer_id: number | null;
  title: string;
  description: string;
  type: string;
  venue: string;
  address: string;
  timezone: string;
  starts_at: string;
  ends_at: string | null;
  local_date: string;
  status: EventStatus;
  hold_ttl_seconds: number;
  policy: BookingPolicy;
  images: string[];
  provider: string | null;
  published_at: string | null;
}

export interface EventSummary {
  id: number;
  title: string;
  type: string;
  venue: string;
  starts_at: string;
  /** The venue's IANA time zone: the one to show `starts_at` in. */
  timezone: string;
  local_date: string;
  status: EventStatus;
  organizer_id: number | null;
}

export type EventInput = Omit<EventFields, 'starts_at' | 'ends_at' | 'policy'> & {
  starts_at?: string;
  ends_at?: string | null;
  policy?: Partial<BookingPolicy>;
};

export function toEventSummary(event: EventRow): EventSummary {
  return {
    id: event.id,
    title: event.title,
    type: event.type,
    venue: event.venue,
    starts_at: event.starts_at.toISOString(),
    timezone: event.timezone,
    local_date: event.local_date,
    status: event.status,
    organizer_id: event.organizer_id,
  };
}

function toView(event: EventRow): EventView {
  return {
    ...toEventSummary(event),
    description: event.description,
    address: event.address,
    ends_at: event.ends_at?.toISOString() ?? null,
    hold_ttl_seconds: event.hold_ttl_seconds,
    // Policies stored before a field existed read with its default.
    policy: { ...DEFAULT_POLICY, ...event.policy },
    images: event.images,
    provider: event.provider,
    published_at: event.published_at?.toISOString() ?? null,
  };
}

/**
 * Whether everyone may see an event and what it sells: once it has been published (and ever after,
 * completed or cancelled). A draft, and a draft cancelled before it was ever published, are its
 * team's alone. Imported events carry no published_at but are PUBLISHED or COMPLETED.
 */
export function isPublicEvent(event: Pick<EventRow, 'status' | 'published_at'>): boolean {
  if (event.status === 'DRAFT') return false;
  return !(event.status === 'CANCELLED' && event.published_at === null);
}

function payload(event: EventRow): EventLifecyclePayload {
  return { eventId: event.id, organizerId: event.organizer_id, title: event.title, startsAt: event.starts_at.toISOString() };
}

function assertTimezone(zone: string | undefined): void {
  if (zone === undefined) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw invalidTimezone(zone);
  }
}

function toFields(input: EventInput, base: BookingPolicy): EventFields {
  const { starts_at, ends_at, policy, ...rest } = input;
  return {
    ...rest,
    ...(starts_at !== undefined ? { starts_at: new Date(starts_at) } : {}),
    ...(ends_at !== undefined ? { ends_at: ends_at === null ? null : new Date(ends_at) } : {}),
    ...(policy ? { policy: { ...base, ...policy } } : {}),
  };
}

/** The event lifecycle DRAFT → PUBLISHED → COMPLETED, and → CANCELLED from DRAFT or PUBLISHED. */
const TRANSITIONS: Record<'publish' | 'cancel', { from: EventStatus[]; to: EventStatus; verb: string }> = {
  publish: { from: ['DRAFT'], to: 'PUBLISHED', verb: 'published' },
  cancel: { from: ['DRAFT', 'PUBLISHED'], to: 'CANCELLED', verb: 'cancelled' },
};

/** A search as the API takes it: the organizer by slug, `when` defaulted by the service. */
export type SearchRequest = Omit<SearchFilter, 'organizerId' | 'when'> & { organizer?: string; when?: SearchFilter['when'] };

export class EventsService {
  private readonly db: Kysely<CatalogTables>;
  private readonly sellable: SellableCheck;
  /** Recent searches; dropped after every change made here that a search could see. */
  private readonly searchCache = new SearchCache<EventSummary[]>({ maxEntries: 1000, ttlMs: 5000 });

  constructor(db: Kysely<object>, sellable: SellableCheck) {
    this.db = catalogDb(db);
    this.sellable = sellable;
  }

  async create(
    principal: Principal,
    organizerSlug: string,
    input: EventInput & { title: string; type: string; starts_at: string },
  ) {
    const organizer = await findOrganizerBySlug(this.db, organizerSlug);
    if (!organizer) throw organizerNotFound();
    await requireTeamRole(this.db, organizer.id, principal, CAN_MANAGE_EVENTS);
    assertTimezone(input.timezone);
    const fields = toFields(input, DEFAULT_POLICY);
    const event = await insertEvent(this.db, {
      ...fields,
      organizer_id: organizer.id,
      title: input.title,
      type: input.type,
      starts_at: new Date(input.starts_at),
      policy: fields.policy ?? DEFAULT_POLICY,
    });
    return toView(event);
  }

  /** Drafts change freely; a published event only in EDITABLE_AFTER_PUBLISH; others not at all. */
  async update(principal: Principal, eventId: number, input: EventInput): Promise<EventView> {
    assertTimezone(input.timezone);
    const event = await this.db.transaction().execute(async (trx) => {
      const current = await this.lockForTeam(trx, eventId, principal);
      const changed = Object.keys(input).filter((field) => input[field as keyof EventInput] !== undefined);
      const locked = changed.filter((field) => !(EDITABLE_AFTER_PUBLISH as readonly string[]).includes(field));
      if (current.status === 'COMPLETED' || current.status === 'CANCELLED') throw notEditable(current.status, changed);
      if (current.status === 'PUBLISHED' && locked.length > 0) throw notEditable(current.status, locked);
      return updateEventFields(trx, eventId, toFields(input, current.policy));
    });
    this.searchCache.invalidate();
    return toView(event);
  }

  async publish(principal: Principal, eventId: number): Promise<EventView> {
    // Asked before the transaction: another module's query must not wait on this transaction's
    // connection (PGlite has one). Inventory is never removed, so the answer cannot go stale.
    const sellable = await this.sellable(eventId);
    return this.transition(principal, eventId, 'publish', async (event) => {
      if (event.starts_at <= new Date()) throw notSellable('it starts in the past');
      if (!sellable) throw notSellable('it has no ticket types or seats to sell');
    });
  }

  async cancel(principal: Principal, eventId: number, reason: string): Promise<EventView> {
    return this.transition(principal, eventId, 'cancel', async () => undefined, reason);
  }

  /**
   * A draft (or a draft cancelled unpublished) is visible only to its team, with the answer of a
   * missing id for everyone else; other events to everyone (isPublicEvent). Names the brand page.
   */
  async get(principal: Principal | undefined, eventId: number): Promise<EventView & { organizer_slug: string | null }> {
    const event = await findEventById(this.db, eventId);
    if (!event || (!isPublicEvent(event) && !(await isOnTeam(this.db, event.organizer_id, principal)))) throw eventNotFound();
    const slug = event.organizer_id === null ? undefined : await findOrganizerSlug(this.db, event.organizer_id);
    return { ...toView(event), organizer_slug: slug ?? null };
  }

  /**
   * Sales and tickets read events through this (ids, TTL, policy, status), and whether everyone
   * may see it (isPublicEvent): who else may is asked of isOnEventTeam.
   */
  async findForSale(eventId: number): Promise<(EventView & { is_public: boolean }) | undefined> {
    const event = await findEventById(this.db, eventId);
    return event ? { ...toView(event), is_public: isPublicEvent(event) } : undefined;
  }

  /**
   * Served from a short-lived in-process cache keyed by the normalized search (see search-cache.ts):
   * lifecycle changes made through this service drop it at once; other processes' changes show
   * within its TTL.
   */
  async search(filter: SearchRequest): Promise<EventSummary[]> {
    return (await this.searchChecked(filter)).events;
  }

  /**
   * search(), with a check that the result is still what search() answers from its cache: cheap
   * enough for the edge cache to ask on every request it repeats the result's bytes for.
   */
  async searchChecked(filter: SearchRequest): Promise<{ events: EventSummary[]; isCurrent: () => boolean }> {
    const { key, text, when } = this.searchKey(filter);
    const found = await this.searchCache.get(key, async () => {
      let organizerId: number | undefined;
      if (filter.organizer) {
        const organizer = await findOrganizerBySlug(this.db, filter.organizer);
        if (!organizer) return [];
        organizerId = organizer.id;
      }
      const { query: _raw, ...rest } = filter;
      const query: SearchFilter = {
        ...rest,
        when,
        ...(text ? { query: text } : {}),
        ...(organizerId !== undefined ? { organizerId } : {}),
      };
      let events = await searchEvents(this.db, query);
      // Nothing matched the words: try titles that look alike (typos), for the first page only.
      if (events.length === 0 && text.length >= 3 && filter.page === 1) {
        events = await searchEventsFuzzy(this.db, { ...query, query: text });
      }
      return events.map(toEventSummary);
    });
    return { events: found, isCurrent: () => this.searchCache.peek(key) === found };
  }

  /** The search's cache key: the same for every request that would get the same answer. */
  private searchKey(filter: SearchRequest): { key: string; text: string; when: SearchFilter['when'] } {
    // Case and extra spaces change nothing the full-text parser or the trigram fallback see.
    const text = filter.query === undefined ? '' : normalizeSearchText(filter.query);
    const when = filter.when ?? (text || filter.date ? 'all' : 'upcoming');
    const key = JSON.stringify([
      text,
      filter.date ?? '',
      filter.type ?? '',
      filter.organizer ?? '',
      when,
      filter.page,
      filter.pageSize,
    ]);
    return { key, text, when };
  }

  /** The organizer's own list: every status for its team, published ones for everyone else. */
  async listForOrganizer(principal: Principal | undefined, slug: string): Promise<EventSummary[]> {
    const organizer = await findOrganizerBySlug(this.db, slug);
    if (!organizer) throw organizerNotFound();
    const team = await isOnTeam(this.db, organizer.id, principal);
    const statuses: EventStatus[] = team ? ['DRAFT', 'PUBLISHED', 'COMPLETED', 'CANCELLED'] : ['PUBLISHED', 'COMPLETED'];
    return (await listOrganizerEvents(this.db, organizer.id, statuses, 500)).map(toEventSummary);
  }

  async favorite(principal: Principal, eventId: number): Promise<void> {
    await this.get(principal, eventId);
    await addFavorite(this.db, principal.userId, eventId);
  }

  async unfavorite(principal: Principal, eventId: number): Promise<void> {
    await removeFavorite(this.db, principal.userId, eventId);
  }

  /** Favourites the principal may still see: a draft favourited on its team leaves the list of someone who left the team. */
  async favorites(principal: Principal): Promise<EventSummary[]> {
    const visible: EventRow[] = [];
    for (const event of await listFavorites(this.db, principal.userId)) {
      if (isPublicEvent(event) || (await isOnTeam(this.db, event.organizer_id, principal))) visible.push(event);
    }
    return visible.map(toEventSummary);
  }

  /** Periodic: events that have ended become COMPLETED (`event.completed` for each). */
  async completeEnded(): Promise<number> {
    const completed = await this.db.transaction().execute(async (trx) => {
      const events = await completeEndedEvents(trx, 500);
      for (const event of events) await addEvent(trx, 'event.completed', event.id, payload(event));
      return events.length;
    });
    if (completed > 0) this.searchCache.invalidate();
    return completed;
  }

  /** Periodic: `event.reminder` once per event, a day before it starts (safe from several instances). */
  async sendDueReminders(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const events = await claimDueReminders(trx, 500);
      for (const event of events) await addEvent(trx, 'event.reminder', event.id, payload(event));
      return events.length;
    });
  }

  private async lockForTeam(trx: Transaction<CatalogTables>, eventId: number, principal: Principal): Promise<EventRow> {
    const event = await lockEventById(trx, eventId);
    if (!event || event.organizer_id === null) throw eventNotFound();
    await requireTeamRole(trx, event.organizer_id, principal, CAN_MANAGE_EVENTS);
    return event;
  }

  private async transition(
    principal: Principal,
    eventId: number,
    action: keyof typeof TRANSITIONS,
    guard: (event: EventRow) => Promise<void>,
    reason = '',
  ): Promise<EventView> {
    const { from, to, verb } = TRANSITIONS[action];
    const event = await this.db.transaction().execute(async (trx) => {
      const current = await this.lockForTeam(trx, eventId, principal);
      if (!from.includes(current.status)) throw illegalTransition(current.status, verb);
      await guard(current);
      const updated = await setEventStatus(trx, eventId, to);
      if (to === 'PUBLISHED') await addEvent(trx, 'event.published', eventId, payload(updated));
      if (to === 'CANCELLED') await addEvent(trx, 'event.cancelled', eventId, { ...payload(updated), reason });
      return updated;
    });
    this.searchCache.invalidate();
    return toView(event);
  }
}
