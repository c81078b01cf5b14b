import { api, type Booking, type Schema } from '../api.ts';
import { useI18n, type Strings } from '../i18n.ts';
import { ErrorText, formatDate, Link, useAction, useLoad } from '../ui.tsx';
import { payBooking } from './attendee.api.ts';

const FAILED = new Set<Schema<'Payment'>['status']>(['REJECTED', 'CANCELLED', 'EXPIRED']);

/**
 * Why a payment failed, in the reader's language. The server says "payment rejected: declined"
 * (its status, then the gateway's words when it gave them); the known words are translated and
 * anything else is shown as the gateway said it.
 */
export function failureWords(reason: string | null, t: Strings): string {
  const detail = reason?.split(': ').slice(1).join(': ') ?? '';
  const known: Record<string, string> = {
    declined: t.failureDeclined,
    'insufficient funds': t.failureInsufficientFunds,
    'unknown to the gateway': t.failureUnknown,
  };
  if (known[detail]) return known[detail];
  if (detail) return detail;
  if (reason?.includes('expired')) return t.failureExpired;
  if (reason?.includes('cancelled')) return t.failureCancelled;
  return t.failureDeclined;
}

/** The newest payment of a booking when it failed: the buyer hears why, on the booking and after the gateway. */
function useLastFailure(bookingId: number | null, version: string) {
  const { data } = useLoad(
    async () =>
      bookingId === null ? undefined : (await api.get('/api/bookings/{id}/payments', { path: { id: bookingId } })).payments,
    [bookingId, version],
  );
  const last = data?.[0];
  return last && FAILED.has(last.status) ? last : undefined;
}

/**
 * On an open booking whose last payment failed: why, and that the seats are still held — the Pay
 * button next to it starts a new payment (a declined card keeps the hold; docs/payments.md).
 */
export function LastPaymentFailure(props: { booking: Booking }) {
  const { t, locale } = useI18n();
  const failed = useLastFailure(props.booking.id, `${props.booking.status}-${props.booking.expires_at ?? ''}`);
  if (!failed || !props.booking.expires_at) return null;
  return (
    <p className="error" data-testid="payment-failure" role="status">
      {t.lastPaymentFailed}: {failureWords(failed.failure_reason, t)}. {t.seatsStillHeld}{' '}
      {formatDate(props.booking.expires_at, locale)}.
    </p>
  );
}

export function PaymentResultPage(props: { orderId: string; outcome: string }) {
  const { t, locale } = useI18n();
  const { data, error } = useLoad(
    () =>
      api.get(props.outcome === 'fail' ? '/api/payments/fail' : '/api/payments/success', { query: { orderId: props.orderId } }),
    [props.orderId, props.outcome],
  );
  const ok = data && ['CONFIRMED', 'AUTHORIZED'].includes(data.status);
  const bookingId = data && !ok ? data.booking_id : null;
  const { data: booking } = useLoad(
    async () => (bookingId === null ? undefined : api.get('/api/bookings/{id}', { path: { id: bookingId } })),
    [bookingId],
  );
  const failed = useLastFailure(bookingId, data?.status ?? '');
  const held = booking && (booking.status === 'CREATED' || booking.status === 'PENDING') && booking.expires_at;
  const { busy, error: payError, run } = useAction();
  return (
    <main>
      <h1>{t.paymentResult}</h1>
      <ErrorText error={error} />
      {!data && !error && <p>{t.paymentChecking}</p>}
      {data && (
        <section className={`card verdict ${ok ? 'ok' : 'bad'}`} data-testid="payment-result">
          <p>
            {ok
              ? t.paymentSucceeded
              : failed
                ? `${t.paymentFailedBecause}: ${failureWords(failed.failure_reason, t)}.`
                : t.paymentFailed}
          </p>
          {held && (
            <p data-testid="payment-retry">
              {t.seatsStillHeld} {formatDate(held, locale)}. {t.payAgainHint}
            </p>
          )}
          <div className="inline">
            {ok && <Link to="/tickets">{t.toTickets}</Link>}
            {held && bookingId !== null && (
              <button type="button" className="primary" disabled={busy} onClick={() => void run(() => payBooking(bookingId))}>
                {t.payAgain}
              </button>
            )}
            {data.booking_id !== null && <Link to={`/bookings/${data.booking_id}`}>{t.toBooking}</Link>}
          </div>
          <ErrorText error={payError} />
        </section>
      )}
    </main>
  );
}
