import { FreeSeatPool } from './free-seat-pool.ts';
import { hallSize, suggestFreeSeats, type SalesDb, type SeatListing } from './seats.repository.ts';

/** Hall sizes remembered before the cache starts over. */
const HALLS_CACHED = 10_000;
/** Free seats a process keeps per event for suggestions: two rows of event 1. */
const SUGGESTION_WINDOW = 2_000;

/**
 * Free seats to suggest (GET /api/seats?status=FREE without a page): read from a random place in
 * the hall, so a rush of buyers is not handed the same first seats, and — when
 * `maxAgeMs` is set — served from a per-process pool (free-seat-pool.ts, decision record 0010)
 * that seat selects and bookings tell what they took.
 */
export class SeatSuggestions {
  private readonly db: SalesDb;
  private readonly halls = new Map<number, { rows: number; seatsPerRow: number }>();
  private readonly pool: FreeSeatPool | undefined;

  constructor(db: SalesDb, maxAgeMs: number | undefined) {
    this.db = db;
    if (maxAgeMs)
      this.pool = new FreeSeatPool((eventId, count) => this.readFreeSeats(eventId, count), {
        size: SUGGESTION_WINDOW,
        maxAgeMs,
      });
  }

  async suggest(eventId: number, count: number): Promise<SeatListing[]> {
    return this.pool ? this.pool.suggest(eventId, count) : this.readFreeSeats(eventId, count);
  }

  /** Seats taken (or quite possibly taken by someone else): not worth suggesting again. */
  taken(eventId: number, seatIds: Iterable<number>): void {
    this.pool?.taken(eventId, seatIds);
  }

  /** Everything known about the event's free seats is stale (reset). */
  forget(eventId: number): void {
    this.pool?.forget(eventId);
  }

  /** The event's hall was laid out: its size is read again. */
  hallChanged(eventId: number): void {
    this.halls.delete(eventId);
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
}
