import { randomUUID } from 'node:crypto';

/**
 * The HackLoad event provider's Partner API as a state machine in memory (hackload.md §3, and the
 * behaviour of hackload-kz/service-provider's code, which is what a real peer does):
 *
 * - A select takes the place at once (it is no longer free) but the place joins the order later,
 *   when the provider's consumer gets to it: `places_count` lags, and a submit sent right after the
 *   select gets 409 (no places yet). Release takes the place out of the order at once and frees it
 *   later; cancel frees the order's places later.
 * - The real provider reads a place and saves it in two transactions with an optimistic revision
 *   check, so of two selects of one place in flight at the same moment the loser gets **500**, not
 *   409. Here a select stays in flight for `raceWindowMs`; a second select of that place meanwhile
 *   is the loser. A select naming an unknown place or order is a 500 too (its `orElseThrow`), and
 *   so are submit, confirm and cancel of an unknown order; reading an unknown place or order is 404.
 * - Errors carry no body. Orders go STARTED → SUBMITTED → CONFIRMED and STARTED/SUBMITTED → CANCELLED.
 *
 * State lives in memory and a restart forgets it: it is a simulator, for tests, demos and benchmarks.
 */

export type OrderStatus = 'STARTED' | 'SUBMITTED' | 'CONFIRMED' | 'CANCELLED';

export interface SimulatedPlace {
  id: string;
  row: number;
  seat: number;
  /** The order the place is selected for; undefined when free. */
  selectedFor: string | undefined;
  /** A select is being saved (the optimistic-lock window). */
  selecting: boolean;
}

export interface SimulatedOrder {
  id: string;
  status: OrderStatus;
  startedAt: number;
  updatedAt: number;
  /** Places that have joined the order (after the lag). */
  places: Set<string>;
  /** Places selected for the order, joined or not yet. */
  selected: Set<string>;
}

/** Test and demo switches; bounded where they are set over HTTP (SWITCH_LIMITS). */
export interface SimulatorSwitches {
  /** Added to every Partner API call before it is handled, in ms. */
  latencyMs: number;
  /** Share of Partner API calls answered 500 before anything is done (0..1). */
  errorRate: number;
  /** Until this time (epoch ms) every Partner API call answers 503: an outage window. */
  outageUntil: number;
  /** The consumer's lag: how long after a select the place joins its order, and after a release or cancel it is free, in ms. */
  lagMs: number;
  /** How long a select is in flight; a second select of the same place meanwhile gets 500. */
  raceWindowMs: number;
  /** The next this many changes (POST, PATCH) are carried out and then their connection dropped: answers lost. */
  dropAnswers: number;
}

export const SWITCH_LIMITS = {
  latencyMs: 10_000,
  lagMs: 60_000,
  raceWindowMs: 1000,
  outageMs: 3_600_000,
  dropAnswers: 1000,
} as const;

export const DEFAULT_SWITCHES: SimulatorSwitches = {
  latencyMs: 0,
  errorRate: 0,
  outageUntil: 0,
  lagMs: 50,
  raceWindowMs: 2,
  dropAnswers: 0,
};

/** HackLoad's event 1: 100 rows × 1000 seats. */
export const DEFAULT_LAYOUT = { rows: 100, seatsPerRow: 1000 } as const;

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 20;

/** An answer of the Partner API: a status and, on success, a JSON body; errors have none. */
export interface SimulatorAnswer {
  status: number;
  body?: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export interface SimulatorCounters {
  selects: number;
  selectRaces: number;
  calls: number;
}

export class ProviderSimulator {
  readonly switches: SimulatorSwitches;
  readonly counters: SimulatorCounters = { selects: 0, selectRaces: 0, calls: 0 };
  private places = new Map<string, SimulatedPlace>();
  /** Places ordered by row and seat: the order of GET /places. */
  private ordered: SimulatedPlace[] = [];
  private orders = new Map<string, SimulatedOrder>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly layout: { rows: number; seatsPerRow: number };
  private readonly now: () => number;

  constructor(
    options: { layout?: { rows: number; seatsPerRow: number }; switches?: Partial<SimulatorSwitches>; now?: () => number } = {},
  ) {
    this.layout = options.layout ?? DEFAULT_LAYOUT;
    this.switches = { ...DEFAULT_SWITCHES, ...options.switches };
    this.now = options.now ?? Date.now;
    this.seed();
  }

  get placeCount(): number {
    return this.ordered.length;
  }

  /** Back to the seeded layout, every place free, no orders; switches back to their defaults unless kept. */
  reset(options: { keepSwitches?: boolean } = {}): void {
    this.close();
    this.places = new Map();
    this.ordered = [];
    this.orders = new Map();
    this.counters.selects = this.counters.selectRaces = this.counters.calls = 0;
    if (!options.keepSwitches) Object.assign(this.switches, DEFAULT_SWITCHES);
    this.seed();
  }

  setSwitches(changes: Partial<SimulatorSwitches>): SimulatorSwitches {
    Object.assign(this.switches, changes);
    return { ...this.switches };
  }

  /** Stops the pending lagged work (the process is going away). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * The switches every Partner API call goes through: the outage window (503), the error rate (500),
   * then the latency. Undefined when the call may go on.
   */
  async gate(): Promise<SimulatorAnswer | undefined> {
    this.counters.calls += 1;
    if (this.now() < this.switches.outageUntil) return { status: 503 };
    if (this.switches.errorRate > 0 && Math.random() < this.switches.errorRate) return { status: 500 };
    if (this.switches.latencyMs > 0) await delay(this.switches.latencyMs);
    return undefined;
  }

  startOrder(): SimulatorAnswer {
    const id = randomUUID();
    const now = this.now();
    this.orders.set(id, { id, status: 'STARTED', startedAt: now, updatedAt: now, places: new Set(), selected: new Set() });
    return { status: 201, body: { order_id: id } };
  }

  getOrder(id: string): SimulatorAnswer {
    const order = this.orders.get(id);
    if (!order) return { status: 404 };
    return {
      status: 200,
      body: {
        id: order.id,
        status: order.status,
        started_at: order.startedAt,
        updated_at: order.updatedAt,
        places_count: order.places.size,
      },
    };
  }

  /** Test view: the places that joined an order. */
  /** Every order with the places joined to it (simulator-only: how tests check "exactly once"). */
  allOrders(): { id: string; status: string; places: string[] }[] {
    return [...this.orders.values()].map((order) => ({ id: order.id, status: order.status, places: [...order.places] }));
  }

  placesOfOrder(id: string): string[] {
    return [...(this.orders.get(id)?.places ?? [])];
  }

  submitOrder(id: string): SimulatorAnswer {
    const order = this.orders.get(id);
    if (!order) return { status: 500 };
    if (order.status !== 'STARTED' || order.places.size === 0) return { status: 409 };
    this.move(order, 'SUBMITTED');
    return { status: 200 };
  }

  confirmOrder(id: string): SimulatorAnswer {
    const order = this.orders.get(id);
    if (!order) return { status: 500 };
    if (order.status !== 'SUBMITTED') return { status: 409 };
    this.move(order, 'CONFIRMED');
    return { status: 200 };
  }

  cancelOrder(id: string): SimulatorAnswer {
    const order = this.orders.get(id);
    if (!order) return { status: 500 };
    if (order.status === 'CANCELLED' || order.status === 'CONFIRMED') return { status: 409 };
    order.places.clear();
    this.move(order, 'CANCELLED');
    // The provider's consumer frees the order's places later; places selected but not joined yet
    // are freed too (the real consumer's join fails on a cancelled order).
    this.later(() => {
      for (const placeId of order.selected) this.free(placeId, id);
    });
    return { status: 200 };
  }

  listPlaces(page: number, pageSize: number): SimulatorAnswer {
    const size = Math.min(pageSize, MAX_PAGE_SIZE);
    const start = (Math.max(page, 1) - 1) * size;
    const slice = size > 0 ? this.ordered.slice(start, start + size) : [];
    return { status: 200, body: slice.map(placeView) };
  }

  getPlace(id: string): SimulatorAnswer {
    const place = this.places.get(id);
    return place ? { status: 200, body: placeView(place) } : { status: 404 };
  }

  /** Test view of a place, with the order it is selected for. */
  inspectPlace(id: string): SimulatedPlace | undefined {
    return this.places.get(id);
  }

  async selectPlace(id: string, orderId: string): Promise<SimulatorAnswer> {
    const place = this.places.get(id);
    const order = this.orders.get(orderId);
    if (!place || !order) return { status: 500 };
    if (place.selecting) {
      // The optimistic-lock loser: the real provider saves the place with a stale revision.
      this.counters.selectRaces += 1;
      return { status: 500 };
    }
    if (place.selectedFor !== undefined || order.status !== 'STARTED') return { status: 409 };
    place.selecting = true;
    try {
      await delay(this.switches.raceWindowMs);
    } finally {
      place.selecting = false;
    }
    // The place is saved as selected; its joining the order is the consumer's job, later.
    place.selectedFor = orderId;
    order.selected.add(place.id);
    this.counters.selects += 1;
    this.later(() => {
      if (place.selectedFor !== orderId || order.status !== 'STARTED') return;
      order.places.add(place.id);
      order.updatedAt = this.now();
    });
    return { status: 204 };
  }

  /**
   * Release: the place leaves its order at once and is free later. 409 when it is free, its order
   * is no longer STARTED, or it has not joined the order yet (the lag); 403 when the caller names
   * another order than the one it is selected for.
   */
  releasePlace(id: string, orderId: string | undefined): SimulatorAnswer {
    const place = this.places.get(id);
    if (!place) return { status: 500 };
    if (place.selectedFor === undefined) return { status: 409 };
    if (orderId !== undefined && orderId !== place.selectedFor) return { status: 403 };
    const order = this.orders.get(place.selectedFor);
    if (!order || order.status !== 'STARTED' || !order.places.has(id)) return { status: 409 };
    order.places.delete(id);
    order.updatedAt = this.now();
    const selectedFor = place.selectedFor;
    this.later(() => this.free(id, selectedFor));
    return { status: 204 };
  }

  /** Admin: a new place. 202, as the real one (its projection is written later; here at once). */
  createPlace(row: number, seat: number): SimulatorAnswer {
    const place: SimulatedPlace = { id: randomUUID(), row, seat, selectedFor: undefined, selecting: false };
    this.places.set(place.id, place);
    const at = upperBound(this.ordered, place);
    this.ordered.splice(at, 0, place);
    return { status: 202, body: { place_id: place.id } };
  }

  private seed(): void {
    const { rows, seatsPerRow } = this.layout;
    for (let row = 1; row <= rows; row += 1) {
      for (let seat = 1; seat <= seatsPerRow; seat += 1) {
        const place: SimulatedPlace = { id: randomUUID(), row, seat, selectedFor: undefined, selecting: false };
        this.places.set(place.id, place);
        this.ordered.push(place);
      }
    }
  }

  /** Frees a place if it is still selected for this order. */
  private free(placeId: string, orderId: string): void {
    const place = this.places.get(placeId);
    if (place?.selectedFor !== orderId) return;
    place.selectedFor = undefined;
    this.orders.get(orderId)?.selected.delete(placeId);
  }

  private move(order: SimulatedOrder, status: OrderStatus): void {
    order.status = status;
    order.updatedAt = this.now();
  }

  /** Work the provider's consumer does after the lag. */
  private later(work: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work();
    }, this.switches.lagMs);
    this.timers.add(timer);
  }
}

function placeView(place: SimulatedPlace): { id: string; row: number; seat: number; is_free: boolean } {
  return { id: place.id, row: place.row, seat: place.seat, is_free: place.selectedFor === undefined && !place.selecting };
}

/** Index after the last place ordered at or before this one (row, then seat). */
function upperBound(ordered: SimulatedPlace[], place: SimulatedPlace): number {
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const other = ordered[middle] as SimulatedPlace;
    if (other.row < place.row || (other.row === place.row && other.seat <= place.seat)) low = middle + 1;
    else high = middle;
  }
  return low;
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
