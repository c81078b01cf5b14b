import { useEffect, useState } from 'react';
import { api, money } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { ErrorText, formatSeconds, Link, useAction, useCountdown, useLoad } from '../ui.tsx';
import { rangeLabel, type Hall, type Rental } from './rentals.api.ts';
import { Crumbs, PolicyWords, PriceLines } from './rentals.ui.tsx';

const LIVE = new Set(['PENDING', 'CONFIRMED']);

/** A rental's status in words, with the raw status on the element for tests and styles. */
function StatusBadge(props: { status: Rental['status'] }) {
  const { t } = useI18n();
  return (
    <b className={`rent-status ${props.status.toLowerCase()}`} data-testid="rental-status" data-status={props.status}>
      {t[`rentRental_${props.status}`]}
    </b>
  );
}

/**
 * A rental: the hold with its countdown and "Pay", then CONFIRMED once the payment settles (asked
 * every 2 s while it is held, so the page turns by itself after the gateway), cancel with the
 * refund shown before confirming, and the refund after.
 */
export function RentalPage(props: { id: number; query: URLSearchParams }) {
  const { t, locale } = useI18n();
  const [held, setHeld] = useState(true);
  const rental = useLoad(() => api.get('/api/rentals/{id}', { path: { id: props.id } }), [props.id], held ? 2000 : undefined);
  const data = rental.data;
  useEffect(() => {
    if (data) setHeld(data.status === 'PENDING');
  }, [data]);
  const hall = useLoad(
    async () => (data ? api.get('/api/halls/{id}', { path: { id: data.hall_id } }) : undefined),
    [data?.hall_id],
  );
  const left = useCountdown(data?.status === 'PENDING' ? data.expires_at : null);
  const { reload } = rental;
  useEffect(() => {
    if (left === 0) void reload();
  }, [left, reload]);
  const { busy, error, run } = useAction();
  const [leaving, setLeaving] = useState(false);
  const [asking, setAsking] = useState(false);
  const paidBack = props.query.get('payment');
  useEffect(() => {
    document.title = `${t.rentRental} #${props.id} — Sbor`;
  }, [t, props.id]);

  const pay = async () => {
    const ok = await run(async () => {
      const payment = await api.post('/api/rentals/{id}/payments', { path: { id: props.id } });
      window.location.assign(payment.payment_url);
    });
    if (ok) setLeaving(true);
  };
  const cancel = () =>
    run(async () => {
      await api.post('/api/rentals/{id}/cancel', { path: { id: props.id }, body: {} });
      setAsking(false);
      await reload();
    });

  const crumbs = <Crumbs trail={[{ to: '/account/rentals', label: t.rentMine }, { label: `${t.rentRental} #${props.id}` }]} />;
  if (!data)
    return (
      <main>
        {crumbs}
        <ErrorText error={rental.error} />
        {!rental.error && <p className="muted">{t.loading}</p>}
      </main>
    );
  const zone = hall.data?.timezone;
  const refund = data.refund_if_cancelled_now;
  return (
    <main className="rent-page">
      {crumbs}
      <h1>
        {t.rentRental} #{data.id}
        {hall.data && <> · {hall.data.name}</>}
      </h1>
      <section className={`card rent-rental ${data.status.toLowerCase()}`} data-testid="rental">
        <p>
          {t.status}: <StatusBadge status={data.status} />
        </p>
        {zone && (
          <p data-testid="rental-when">
            <b>{rangeLabel(data.starts_at, data.ends_at, zone, locale)}</b> <span className="muted small">({zone})</span>
          </p>
        )}
        {hall.data && (
          <p>
            <Link to={`/halls/${hall.data.id}`}>{hall.data.name}</Link>
          </p>
        )}
        {data.status === 'PENDING' && left !== null && (
          <p className="countdown" data-testid="countdown" role="timer" aria-live="off">
            {t.rentHeldFor}: <b>{formatSeconds(left)}</b>
          </p>
        )}
        {data.status === 'PENDING' && paidBack === 'success' && (
          <p className="muted" role="status">
            {t.rentPaymentChecking}
          </p>
        )}
        {data.status === 'CONFIRMED' && (
          <p className="rent-ok" role="status" data-testid="rental-confirmed">
            {data.paid_offline ? t.rentConfirmedOffline : t.rentConfirmedPaid}
          </p>
        )}
        {data.status === 'EXPIRED' && (
          <p className="error" data-testid="rental-expired">
            {paidBack === 'fail' ? t.rentPaymentFailed : t.rentExpired}
          </p>
        )}
        {data.status === 'CANCELLED' && (
          <p data-testid="rental-refund">
            {data.cancelled_by === 'studio' ? t.rentCancelledByStudio : t.rentCancelledByYou} {t.rentRefund}:{' '}
            <b>{money(data.refund_amount ?? 0, data.currency, locale)}</b>
          </p>
        )}
        <PriceLines quote={data} />
        <div className="inline">
          {data.status === 'PENDING' && (
            <button type="button" className="primary" disabled={busy || leaving} onClick={() => void pay()}>
              {t.pay} {money(data.total, data.currency, locale)}
            </button>
          )}
          {LIVE.has(data.status) && refund !== null && !asking && (
            <button type="button" disabled={busy || leaving} onClick={() => setAsking(true)}>
              {t.rentCancel}
            </button>
          )}
        </div>
        {asking && refund !== null && (
          <div className="rent-confirm" role="alertdialog" aria-labelledby="rent-cancel-q" data-testid="cancel-confirm">
            <p id="rent-cancel-q">
              {data.status === 'PENDING' ? t.rentCancelHold : t.rentCancelRefund}{' '}
              {data.status !== 'PENDING' && <b data-testid="refund-preview">{money(refund, data.currency, locale)}</b>}
            </p>
            <div className="inline">
              <button type="button" className="danger" disabled={busy} onClick={() => void cancel()}>
                {t.rentCancelYes}
              </button>
              <button type="button" disabled={busy} onClick={() => setAsking(false)}>
                {t.rentCancelKeep}
              </button>
            </div>
          </div>
        )}
        <ErrorText error={error} />
      </section>
      {hall.data && LIVE.has(data.status) && (
        <section>
          <h2>{t.rentCancellation}</h2>
          <PolicyWords hall={hall.data} />
        </section>
      )}
    </main>
  );
}

/** The renter's rentals, latest first, with the hall's name and local time. */
export function MyRentalsPage() {
  const { t, locale } = useI18n();
  const rentals = useLoad(() => api.get('/api/rentals'), [], 10_000);
  const hallIds = [...new Set((rentals.data ?? []).map((rental) => rental.hall_id))].slice(0, 50);
  const halls = useLoad(async () => {
    const list = await Promise.all(hallIds.map((id) => api.get('/api/halls/{id}', { path: { id } }).catch(() => undefined)));
    return new Map(list.filter((hall): hall is Hall => !!hall).map((hall) => [hall.id, hall]));
  }, [hallIds.join(',')]);
  useEffect(() => {
    document.title = `${t.rentMine} — Sbor`;
  }, [t]);
  return (
    <main>
      <Crumbs trail={[{ to: '/studios', label: t.rentStudios }, { label: t.rentMine }]} />
      <h1>{t.rentMine}</h1>
      <ErrorText error={rentals.error} />
      {!rentals.data && !rentals.error && <p className="muted">{t.loading}</p>}
      {rentals.data?.length === 0 && (
        <p>
          {t.rentNoRentals} <Link to="/studios">{t.rentNav}</Link>
        </p>
      )}
      <ul className="cards" data-testid="my-rentals">
        {rentals.data?.map((rental) => {
          const hall = halls.data?.get(rental.hall_id);
          return (
            <li key={rental.id} className="card row" data-testid="my-rental">
              <Link to={`/rentals/${rental.id}`}>{hall?.name ?? `${t.rentRental} #${rental.id}`}</Link>
              <span>{hall ? rangeLabel(rental.starts_at, rental.ends_at, hall.timezone, locale) : ''}</span>
              <StatusBadge status={rental.status} />
              <span>
                {money(rental.total, rental.currency, locale)}
                {rental.status === 'CANCELLED' && rental.refund_amount !== null && (
                  <span className="muted small">
                    {' '}
                    · {t.rentRefund} {money(rental.refund_amount, rental.currency, locale)}
                  </span>
                )}
              </span>
            </li>
          );
        })}
      </ul>
    </main>
  );
}

/**
 * Back from the gateway with a rental's order: settle it (the success or fail URL asks the
 * gateway) and go on to the rental, which shows the outcome and keeps asking until it settles.
 */
export function RentalPaymentReturn(props: { orderId: string; outcome: string }) {
  const { t } = useI18n();
  const { data, error } = useLoad(
    () =>
      api.get(props.outcome === 'fail' ? '/api/payments/fail' : '/api/payments/success', { query: { orderId: props.orderId } }),
    [props.orderId, props.outcome],
  );
  useEffect(() => {
    if (data?.order_kind === 'rental' && data.order_ref !== undefined)
      navigate(`/rentals/${data.order_ref}?payment=${props.outcome === 'fail' ? 'fail' : 'success'}`);
  }, [data, props.outcome]);
  return (
    <main>
      <h1>{t.paymentResult}</h1>
      <ErrorText error={error} />
      {!error && <p className="muted">{t.paymentChecking}</p>}
    </main>
  );
}

/** The id of a rental's gateway order (`rental-<id>-<hex>`), or null for any other order. */
export function rentalOfOrder(orderId: string | null): boolean {
  return !!orderId && /^rental-\d+-/.test(orderId);
}
