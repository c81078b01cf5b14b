/**
 * The bound on money. Amounts are integer minor units (tiyn for KZT) carried as JavaScript numbers
 * and PostgreSQL bigints; a number stays exact only up to 2^53 − 1, and every sum the product
 * computes (an order's total, an event's revenue in availability and analytics) must stay under it.
 *
 * One item (a seat or a general-admission ticket) costs at most MAX_PRICE: 10^9 minor units,
 * 10,000,000.00 in major units. The sums it bounds are in docs/sales.md ("Bounds"): an order holds
 * at most 1,000 items (≤ 10^12), an event sells at most 1.1 million (≤ 1.1 × 10^15 < 2^53 ≈ 9 × 10^15).
 */
export const MAX_PRICE = 1_000_000_000;

/** The most an order may come to: MAX_PRICE × the 1,000 items an order may hold. */
export const MAX_ORDER_TOTAL = MAX_PRICE * 1000;

/** True for an amount the product can store and add up exactly: an integer in [0, MAX_PRICE]. */
export function isPrice(amount: number): boolean {
  return Number.isSafeInteger(amount) && amount >= 0 && amount <= MAX_PRICE;
}
