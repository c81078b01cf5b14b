import { percentOf } from './rentals.pricing.ts';

/** A hall's cancellation policy for renters: full refund until N hours before, a percentage until M, nothing after. */
export interface CancellationPolicy {
  full_refund_hours: number;
  partial_refund_hours: number;
  partial_refund_percent: number;
}

/**
 * What a renter gets back for cancelling a paid rental at `now` (milliseconds). Exactly N hours
 * before still counts as "until N hours before". A rental cancelled by the studio is refunded in
 * full (not here); an unpaid hold has nothing to refund.
 */
export function renterRefund(policy: CancellationPolicy, paid: number, startsAt: number, now: number): number {
  const hoursBefore = (startsAt - now) / 3_600_000;
  if (hoursBefore < 0) return 0;
  if (hoursBefore >= policy.full_refund_hours) return paid;
  if (hoursBefore >= policy.partial_refund_hours) return percentOf(paid, policy.partial_refund_percent);
  return 0;
}

/**
 * What cancelling the rental at `now` would give back, as `cancel` would decide it: for its renter
 * the policy (nothing for an unpaid hold; null once it has started, when it is no longer theirs to
 * cancel), for the studio all that was paid; null when it is not live. Shown before the renter
 * confirms, so the refund is never a surprise.
 */
export function refundIfCancelledNow(
  rental: { status: string; total: number; starts_at: Date },
  policy: CancellationPolicy,
  byRenter: boolean,
  now: number,
): number | null {
  if (rental.status !== 'PENDING' && rental.status !== 'CONFIRMED') return null;
  const paid = rental.status === 'CONFIRMED' ? rental.total : 0;
  if (!byRenter) return paid;
  if (rental.starts_at.getTime() <= now) return null;
  return renterRefund(policy, paid, rental.starts_at.getTime(), now);
}
