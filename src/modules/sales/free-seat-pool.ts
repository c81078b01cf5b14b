import type { SeatListing } from './seats.repository.ts';

/** Up to `count` free seats of an event, read from a random place in its hall. */
export type LoadFreeSeats = (eventId: number, count: number) => Promise<SeatListing[]>;

export interface FreeSeatPoolOptions {
  /** Free seats kept per event. */
  size: number;
  /** A window older than this is read again, so seats freed or taken elsewhere show up. */
  maxAgeMs: number;
  now?: () => number;
}

/** Events a process keeps windows for; anyone can ask about any event id, so this is bounded. */
const MAX_EVENTS = 256;

interface Reading {
  promise: Promise<Window>;
  /** Seats taken while the read ran: the read may have seen them free. */
  takenMeanwhile: Set<number>;
}

interface Window {
  seats: SeatListing[];
  /** Ids of the window's seats not taken by this process since it was read. */
  live: Set<number>;
  cursor: number;
  loadedAt: number;
}

/**
 * Free-seat suggestions served from memory. HackLoad's rush asks for "some free seats" before
 * every select, thousands of times a second, and then takes the first one. Each process keeps a
 * window of up to `size` free seats per event, read by one query from a random place in the hall,
 * and hands out consecutive slices of it in turn, so concurrent callers get different first seats.
 * A seat this process takes leaves the window at once; a window that is older than `maxAgeMs`, or
 * has fewer seats left than asked for, is read again.
 *
 * What this trades: a suggested seat may have been taken by another process (or given to a
 * waitlist offer) in the last `maxAgeMs`, and a seat freed meanwhile is suggested only after the
 * next read. The select is the authority either way (a taken seat answers 419), and listings with
 * a page, a row or another status always read the database. Decision record 0010.
 */
export class FreeSeatPool {
  private readonly load: LoadFreeSeats;
  private readonly size: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly windows = new Map<number, Window>();
  private readonly reading = new Map<number, Reading>();

  constructor(load: LoadFreeSeats, options: FreeSeatPoolOptions) {
    this.load = load;
    this.size = options.size;
    this.maxAgeMs = options.maxAgeMs;
    this.now = options.now ?? Date.now;
  }

  async suggest(eventId: number, count: number): Promise<SeatListing[]> {
    const current = this.windows.get(eventId);
    const usable = current && this.now() - current.loadedAt <= this.maxAgeMs && current.live.size >= count;
    const window = usable ? current : await this.read(eventId);
    return handOut(window, count);
  }

  /** This process took the seats: stop suggesting them, also from a window still being read. */
  taken(eventId: number, seatIds: Iterable<number>): void {
    const window = this.windows.get(eventId);
    const reading = this.reading.get(eventId);
    for (const seatId of seatIds) {
      window?.live.delete(seatId);
      reading?.takenMeanwhile.add(seatId);
    }
  }

  /** Forgets an event's window (after a reset every seat is free again); a read under way is not kept. */
  forget(eventId: number): void {
    this.windows.delete(eventId);
    this.reading.delete(eventId);
  }

  /** One read per event at a time: callers arriving meanwhile share it. */
  private read(eventId: number): Promise<Window> {
    const running = this.reading.get(eventId);
    if (running) return running.promise;
    const takenMeanwhile = new Set<number>();
    const reading: Reading = {
      takenMeanwhile,
      promise: this.load(eventId, this.size)
        .then((seats) => {
          // A seat taken while the read ran may have been read as free: it is not.
          const live = new Set(seats.map((seat) => seat.id).filter((id) => !takenMeanwhile.has(id)));
          const window = { seats, live, cursor: 0, loadedAt: this.now() };
          if (this.reading.get(eventId) === reading) this.keep(eventId, window);
          return window;
        })
        .finally(() => {
          if (this.reading.get(eventId) === reading) this.reading.delete(eventId);
        }),
    };
    this.reading.set(eventId, reading);
    return reading.promise;
  }

  /** Keeps the window, and at most MAX_EVENTS of them: the longest unread goes first. */
  private keep(eventId: number, window: Window): void {
    this.windows.delete(eventId);
    this.windows.set(eventId, window);
    for (const oldest of this.windows.keys()) {
      if (this.windows.size <= MAX_EVENTS) break;
      this.windows.delete(oldest);
    }
  }
}

/** The next `count` live seats from the cursor, going round the window at most once. */
function handOut(window: Window, count: number): SeatListing[] {
  const picked: SeatListing[] = [];
  const length = window.seats.length;
  let step = 0;
  for (; step < length && picked.length < count; step += 1) {
    const seat = window.seats[(window.cursor + step) % length];
    if (seat && window.live.has(seat.id)) picked.push(seat);
  }
  if (length > 0) window.cursor = (window.cursor + step) % length;
  return picked;
}
