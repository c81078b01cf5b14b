import { useRef } from 'react';
import { api, ApiError, money, signedIn } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { ErrorText, useAction, useLoad } from '../ui.tsx';
import { durationLabel, extrasParam, rangeLabel, type ExtraChoice, type Hall } from './rentals.api.ts';
import type { Selection } from './rentals.grid.tsx';
import { PriceLines } from './rentals.ui.tsx';

/**
 * The chosen time, the extras, the price before booking, and "Book". The quote is the server's
 * (GET /api/halls/:id/quote); the booking is a hold (POST /api/rentals) made once per choice,
 * however often the button is pressed (one Idempotency-Key per choice).
 */
export function BookingPanel(props: {
  hall: Hall;
  studioSlug: string | undefined;
  selection: Selection | null;
  /** Why the selection cannot be booked as it is (checked in the browser), or null. */
  problem: string | null;
  extras: ExtraChoice;
  onExtras: (extras: ExtraChoice) => void;
  onClear: () => void;
  /** The slot was taken meanwhile: the grid asks again. */
  onTaken: () => void;
}) {
  const { t, locale } = useI18n();
  const { hall, selection, extras } = props;
  const catalog = useLoad(
    async () => (props.studioSlug ? api.get('/api/organizers/{slug}/extras', { path: { slug: props.studioSlug } }) : []),
    [props.studioSlug],
  );
  const wanted = extrasParam(extras);
  const ready = selection && !props.problem;
  const quote = useLoad(
    async () =>
      ready
        ? api.get('/api/halls/{id}/quote', {
            path: { id: hall.id },
            query: {
              starts_at: new Date(selection.from).toISOString(),
              ends_at: new Date(selection.to).toISOString(),
              extras: wanted,
            },
          })
        : undefined,
    [hall.id, ready, selection?.from, selection?.to, wanted],
  );
  const keys = useRef(new Map<string, string>());
  const { busy, error, run } = useAction();

  const book = () => {
    if (!selection) return;
    if (!signedIn()) {
      navigate(`/signin?next=${encodeURIComponent(`${window.location.pathname}${window.location.search}`)}`);
      return;
    }
    const choice = `${selection.from}-${selection.to}-${wanted ?? ''}`;
    const key = keys.current.get(choice) ?? crypto.randomUUID();
    keys.current.set(choice, key);
    void run(async () => {
      try {
        const rental = await api.post('/api/rentals', {
          header: { 'idempotency-key': key },
          body: {
            hall_id: hall.id,
            starts_at: new Date(selection.from).toISOString(),
            ends_at: new Date(selection.to).toISOString(),
            extras: Object.entries(extras)
              .filter(([, quantity]) => quantity > 0)
              .map(([id, quantity]) => ({ extra_id: Number(id), quantity })),
          },
        });
        navigate(`/rentals/${rental.id}`);
      } catch (caught) {
        if (caught instanceof ApiError && caught.status === 409) props.onTaken();
        throw caught;
      }
    });
  };

  const setQuantity = (id: number, quantity: number) =>
    props.onExtras({ ...extras, [id]: Math.max(0, Math.min(100, Math.floor(quantity) || 0)) });
  const currency = hall.tariff?.currency;
  return (
    <section className="card rent-panel" id="rent-panel" aria-labelledby="rent-choice" data-testid="booking-panel">
      <h2 id="rent-choice">{t.rentYourChoice}</h2>
      {!selection ? (
        <p className="muted">{t.rentNothingPicked}</p>
      ) : (
        <p data-testid="selection">
          <b>{rangeLabel(new Date(selection.from).toISOString(), new Date(selection.to).toISOString(), hall.timezone, locale)}</b>{' '}
          <span className="muted">
            ({durationLabel((selection.to - selection.from) / 60_000, t.rentHoursShort, t.rentMinutesShort)})
          </span>{' '}
          <button type="button" className="link" onClick={props.onClear}>
            {t.rentClear}
          </button>
        </p>
      )}
      {props.problem && (
        <p className="error" role="alert" data-testid="selection-problem">
          {props.problem.replace('{min}', String(hall.min_minutes)).replace('{max}', String(hall.max_minutes))}
        </p>
      )}
      {(catalog.data?.length ?? 0) > 0 && (
        <fieldset className="rent-extras">
          <legend>{t.rentExtras}</legend>
          {catalog.data?.map((extra) => {
            const quantity = extras[extra.id] ?? 0;
            const price = `${money(extra.price, extra.currency, locale)}${extra.pricing === 'per_hour' ? t.rentPerHour : ` ${t.rentPerRental}`}`;
            // A quantity only where more than one can be had (no stock limit, or more than one in stock).
            const counted = extra.stock === null || extra.stock > 1;
            return (
              <div key={extra.id} className="rent-extra">
                <label className="rent-extra-name">
                  <input
                    type="checkbox"
                    checked={quantity > 0}
                    onChange={(event) => setQuantity(extra.id, event.target.checked ? 1 : 0)}
                  />
                  <span>
                    <b>{extra.name}</b> — {price}
                    {extra.description && <span className="muted small"> · {extra.description}</span>}
                    {extra.stock !== null && (
                      <span className="muted small">
                        {' '}
                        · {t.rentStock}: {extra.stock}
                      </span>
                    )}
                  </span>
                </label>
                {counted && quantity > 0 && (
                  <label className="rent-qty">
                    {t.quantity}
                    <input
                      type="number"
                      min={1}
                      max={extra.stock ?? 100}
                      value={quantity}
                      className="narrow"
                      onChange={(event) => setQuantity(extra.id, Number(event.target.value))}
                    />
                  </label>
                )}
              </div>
            );
          })}
        </fieldset>
      )}
      {ready && (
        <div aria-live="polite" data-testid="quote">
          <ErrorText error={quote.error} />
          {quote.data ? <PriceLines quote={quote.data} /> : !quote.error && <p className="muted">{t.rentQuoting}</p>}
        </div>
      )}
      {!hall.tariff && <p className="muted">{t.rentNotPriced}</p>}
      <div className="inline">
        <button
          type="button"
          className="primary"
          disabled={!ready || busy || !quote.data || !currency}
          onClick={book}
          data-testid="book"
        >
          {signedIn() ? t.rentBook : t.rentSignInToBook}
        </button>
        {ready && (
          <span className="muted small">{t.rentHoldHint.replace('{m}', String(Math.round(hall.hold_ttl_seconds / 60)))}</span>
        )}
      </div>
      <ErrorText error={error} />
    </section>
  );
}
