import type { DiscountKind } from './sales.tables.ts';

/** What a promo code does to a price (the rule, without its dates and counter). */
export interface PromoRule {
  discount_kind: DiscountKind;
  discount_value: number;
  ticket_type_ids: number[] | null;
  zone_ids: number[] | null;
}

/** One ticket of an order: a seat (with its zone) or a general-admission unit (with its ticket type). */
export interface PricedTicket {
  price: number;
  ticketTypeId?: number | null;
  zoneId?: number | null;
}

export interface PriceBreakdown {
  subtotal: number;
  discount: number;
  total: number;
  /** Tickets the code applies to; 0 means the code does not fit this order. */
  discounted: number;
}

/** Whether the code is for this ticket: no limit, or its ticket type or zone is one of the code's. */
export function qualifies(rule: PromoRule, ticket: PricedTicket): boolean {
  if (rule.ticket_type_ids === null && rule.zone_ids === null) return true;
  if (ticket.ticketTypeId != null && rule.ticket_type_ids?.includes(ticket.ticketTypeId)) return true;
  return ticket.zoneId != null && (rule.zone_ids?.includes(ticket.zoneId) ?? false);
}

/** What one ticket's price loses to the code: never more than the price, never below zero. */
export function discountOf(rule: PromoRule, price: number): number {
  switch (rule.discount_kind) {
    case 'percent':
      // Rounded down: the buyer never gets more off than the percentage says.
      return Math.floor((price * rule.discount_value) / 100);
    case 'fixed':
      return Math.min(price, rule.discount_value);
    case 'price':
      return Math.max(0, price - rule.discount_value);
  }
}

/** An order's price with a code applied ticket by ticket (as pretix's vouchers apply per position). */
export function priceWithPromo(rule: PromoRule | null, tickets: PricedTicket[]): PriceBreakdown {
  const subtotal = tickets.reduce((sum, ticket) => sum + ticket.price, 0);
  if (!rule) return { subtotal, discount: 0, total: subtotal, discounted: 0 };
  let discount = 0;
  let discounted = 0;
  for (const ticket of tickets) {
    if (!qualifies(rule, ticket)) continue;
    discounted += 1;
    discount += discountOf(rule, ticket.price);
  }
  return { subtotal, discount, total: subtotal - discount, discounted };
}

/**
 * The refund of part of a discounted order, pro rata: the returned tickets' list prices scaled by
 * what was paid over what they listed at, rounded down, never more than was paid.
 */
export function proRataRefund(returnedListPrice: number, paidTotal: number, discount: number): number {
  const listTotal = paidTotal + discount;
  if (listTotal === 0) return 0;
  return Math.min(paidTotal, Math.floor((returnedListPrice * paidTotal) / listTotal));
}
