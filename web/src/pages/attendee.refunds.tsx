import { useState } from 'react';
import { api, money, type Booking } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ErrorText, formatDate, useAction, useLoad } from '../ui.tsx';
import './attendee.css';

/**
 * A paid booking's refunds: return some seats (POST /api/bookings/:id/refunds) or the whole
 * booking (cancelling a paid booking refunds it), both until REFUND_CUTOFF_HOURS before the event;
 * the API's refusal is shown in its words.
 */
export function RefundActions(props: { booking: Booking; onChange: () => Promise<void> }) {
  const { t, locale } = useI18n();
  const { booking } = props;
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const { busy, error } = action;
  const run = async (request: () => Promise<unknown>) => {
    const done = await action.run(request);
    setConfirming(false);
    if (!done) return;
    setPicked(new Set());
    await props.onChange();
  };
  const toggle = (seatId: number) => {
    const next = new Set(picked);
    if (next.has(seatId)) next.delete(seatId);
    else next.add(seatId);
    setPicked(next);
  };
  const pickedAmount = booking.seats.filter((seat) => picked.has(seat.id)).reduce((sum, seat) => sum + seat.price, 0);
  // Returning some seats makes sense only with more than one; the last one is the whole booking.
  const seatByseat = booking.seats.length > 1;
  return (
    <div className="refund-actions stack">
      {seatByseat && (
        <fieldset>
          <legend>{t.refundSeats}</legend>
          {booking.seats.map((seat) => (
            <label key={seat.id} className="check">
              <input type="checkbox" checked={picked.has(seat.id)} onChange={() => toggle(seat.id)} />
              {t.refundPickSeat}: {t.row} {seat.row}, {t.seat} {seat.number} — {money(seat.price, booking.currency, locale)}
            </label>
          ))}
          <button
            type="button"
            disabled={busy || picked.size === 0}
            onClick={() =>
              void run(() =>
                api.post('/api/bookings/{id}/refunds', { path: { id: booking.id }, body: { seat_ids: [...picked] } }),
              )
            }
          >
            {t.refundSeats}
            {picked.size > 0 && ` · ${money(pickedAmount, booking.currency, locale)}`}
          </button>
        </fieldset>
      )}
      {confirming ? (
        <div className="card confirm" role="group" aria-label={t.refundConfirm}>
          <p>
            {t.refundConfirm}: <b>{money(booking.total_amount, booking.currency, locale)}</b>?
          </p>
          <div className="inline">
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() =>
                void run(() =>
                  api.post('/api/bookings/{id}/cancel', {
                    path: { id: booking.id },
                    body: { reason: 'refund requested by the customer' },
                  }),
                )
              }
            >
              {t.refundConfirmYes}
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
              {t.refundKeep}
            </button>
          </div>
        </div>
      ) : (
        <div className="inline">
          <button type="button" disabled={busy} onClick={() => setConfirming(true)}>
            {t.refundRequest}
          </button>
        </div>
      )}
      <ErrorText error={error} />
    </div>
  );
}

/** How long the list keeps asking after the booking changed, for the refund that follows. */
const WATCH_AFTER_CHANGE_MS = 30_000;

/**
 * The booking's refunds with their status: loaded again when the booking changes, and polled
 * every 2 s while one is still PENDING (on its way to the card) or for a while after the booking
 * changed (a refund row is written by the payments module a moment after the cancel or return).
 */
export function RefundList(props: { bookingId: number; version: string }) {
  const { t, locale } = useI18n();
  const [polling, setPolling] = useState(false);
  const [seenVersion, setSeenVersion] = useState(props.version);
  const [watchUntil, setWatchUntil] = useState(0);
  const { data, error } = useLoad(
    () => api.get('/api/bookings/{id}/payments', { path: { id: props.bookingId } }),
    [props.bookingId, props.version],
    polling ? 2000 : undefined,
  );
  // Adjusted while rendering (React's way to follow a value), not in an effect.
  if (seenVersion !== props.version) {
    setSeenVersion(props.version);
    setWatchUntil(Date.now() + WATCH_AFTER_CHANGE_MS);
  }
  const pending = data?.refunds.some((refund) => refund.status === 'PENDING') ?? false;
  const shouldPoll = pending || Date.now() < watchUntil;
  if (shouldPoll !== polling) setPolling(shouldPoll);
  if (!data || data.refunds.length === 0) return <ErrorText error={error} />;
  return (
    <section className="card">
      <h2>{t.refundsTitle}</h2>
      <ErrorText error={error} />
      <ul data-testid="refunds">
        {data.refunds.map((refund) => (
          <li key={refund.id} data-testid="refund">
            {money(refund.amount, refund.currency, locale)} —{' '}
            <b data-testid="refund-status" className={`refund-${refund.status.toLowerCase()}`}>
              {t[`refundStatus${refund.status}`]}
            </b>{' '}
            <span className="muted">{formatDate(refund.completed_at ?? refund.created_at, locale)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
