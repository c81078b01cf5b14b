import type { Kysely } from 'kysely';
import { BookingLifecycle } from './booking.lifecycle.ts';
import { Bookings } from './bookings.service.ts';
import { Inventory } from './inventory.service.ts';
import { PayableBookings } from './payable-bookings.ts';
import { PromoCodes } from './promo-codes.service.ts';
import { SaleEvents } from './sale-events.ts';
import { SalesBackground } from './sales.background.ts';
import type { CatalogGateway, ContactDirectory, SalesOptions } from './sales.types.ts';
import { SeatSelection } from './seat-selection.ts';
import { SeatSuggestions } from './seat-suggestions.ts';
import { salesDb } from './seats.repository.ts';
import { VenueSeats } from './venue-seats.ts';
import { WaitlistOffers } from './waitlist.offers.ts';

/**
 * The sales module's use cases, composed: each part has one reason to change (docs/sales.md,
 * "Where things are"), and the per-process state — caches, batchers, the free-seat pool, the
 * rate limiter — lives in the one part that needs it.
 */
export class SalesService {
  /** The events on sale as the catalog has them: visibility, management, cached per process. */
  readonly events: SaleEvents;
  /** Ticket types, layouts, seats, seat map, availability, analytics. */
  readonly inventory: Inventory;
  /** One seat into or out of an open booking (HackLoad's hot path). */
  readonly selection: SeatSelection;
  /** Open, buy, check out, confirm, cancel, return, read. */
  readonly bookings: Bookings;
  /** Promo codes: the team's use cases; bookings apply them. */
  readonly promoCodes: PromoCodes;
  /** The port the payments module uses. */
  readonly payable: PayableBookings;
  /** Sweeps, the reaction to a cancelled event, HackLoad's reset. */
  readonly background: SalesBackground;
  /** Seats that belong to a venue's provider: positions, the allotment, paid bookings given up. */
  readonly venue: VenueSeats;

  constructor(db: Kysely<object>, catalog: CatalogGateway, contacts: ContactDirectory, options: SalesOptions) {
    const sales = salesDb(db);
    const offers = new WaitlistOffers({
      offerTtlSeconds: options.waitlistOfferTtlSeconds,
      defaultCurrency: options.defaultCurrency,
    });
    const lifecycle = new BookingLifecycle(sales, offers);
    const suggestions = new SeatSuggestions(sales, options.seatSuggestionMaxAgeMs);
    this.events = new SaleEvents(sales, catalog);
    this.inventory = new Inventory(sales, { catalog, options }, { events: this.events, suggestions });
    this.selection = new SeatSelection(
      sales,
      { events: this.events, suggestions, offers, lifecycle },
      options.seatSelectRateLimit,
      options.seatOwnership,
    );
    this.promoCodes = new PromoCodes(sales, this.events);
    this.bookings = new Bookings(
      sales,
      { catalog, contacts, options },
      { events: this.events, suggestions, selection: this.selection, lifecycle, promoCodes: this.promoCodes },
    );
    this.payable = new PayableBookings(sales, { lifecycle, bookings: this.bookings });
    this.background = new SalesBackground(sales, options, { lifecycle, offers, suggestions });
    this.venue = new VenueSeats(sales, { lifecycle });
  }
}
