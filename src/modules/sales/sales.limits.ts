import { MAX_PRICE } from '../../platform/money.ts';

/**
 * How much one event may sell, so that the work of one request and every sum stay bounded
 * (docs/sales.md, "Bounds").
 */

/**
 * Seats in an event's layout. Event 1's hall — the HackLoad concert, 100 rows of 1,000 — is the
 * largest real hall we sell; a layout is created in one request (one INSERT … SELECT over
 * generate_series, about 1 s per 100,000 seats), and 1,000,000 took 10.5 s.
 */
export const MAX_SEATS_PER_EVENT = 100_000;

/** Rows are numbered through the whole hall, one seat at least each: no row number is larger. */
export const MAX_ROW = MAX_SEATS_PER_EVENT;

/** General-admission units of an event, all its ticket types together. */
export const MAX_UNITS_PER_EVENT = 1_000_000;

/**
 * The most an event can take: every seat and unit sold at the top price, 1.1 × 10^15 minor units.
 * Availability and the HackLoad analytics add this up; it stays below 2^53 (a unit test says so).
 */
export const MAX_EVENT_REVENUE = MAX_PRICE * (MAX_SEATS_PER_EVENT + MAX_UNITS_PER_EVENT);
