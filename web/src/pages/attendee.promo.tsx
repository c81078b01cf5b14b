// The buyer's promo code (docs/promo-codes.md): one field on the event page, remembered in the
// address as `?code=` (a link an organizer hands out opens with the code and its hidden tickets),
// sent with the booking; the booking page shows what it took off.
import { useState, type SyntheticEvent } from 'react';
import { money, type Booking } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { fill } from '../problems.ts';
import { useLocation } from '../router.ts';
import './promo.css';

const CODE = /^[A-Za-z0-9_-]{3,32}$/;

/** The code in the page's address, if it is one the API would take; setting it rewrites the address. */
export function usePromoCode(): [string, (code: string) => void] {
  const { query } = useLocation();
  const fromAddress = (query.get('code') ?? '').trim().toUpperCase();
  const [code, setCode] = useState(CODE.test(fromAddress) ? fromAddress : '');
  const change = (next: string) => {
    setCode(next);
    const url = new URL(window.location.href);
    if (next) url.searchParams.set('code', next);
    else url.searchParams.delete('code');
    window.history.replaceState(null, '', url);
  };
  return [code, change];
}

export function PromoCodeField(props: { code: string; onChange: (code: string) => void }) {
  const { t } = useI18n();
  const [typed, setTyped] = useState(props.code);
  const apply = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    props.onChange(typed.trim().toUpperCase());
  };
  return (
    <section className="card stack" data-testid="promo-field">
      <form className="promo-field" onSubmit={apply}>
        <label>
          {t.promoCode}
          <input
            name="promo-code"
            value={typed}
            placeholder={t.promoCodePlaceholder}
            pattern="[A-Za-z0-9_\-]{3,32}"
            maxLength={32}
            autoCapitalize="characters"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setTyped(e.target.value)}
          />
        </label>
        <button type="submit">{t.promoApply}</button>
        {props.code && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setTyped('');
              props.onChange('');
            }}
          >
            {t.promoRemove}
          </button>
        )}
      </form>
      {props.code && (
        <p className="muted" data-testid="promo-applied" aria-live="polite">
          {fill(t.promoApplied, { code: props.code })}
        </p>
      )}
    </section>
  );
}

/** Subtotal, the code's discount and the total, when a code took something off (or was used). */
export function PriceBreakdown(props: { booking: Booking }) {
  const { t, locale } = useI18n();
  const { booking } = props;
  const amount = (value: number) => money(value, booking.currency, locale);
  if (!booking.promo_code && booking.discount_amount === 0)
    return (
      <p>
        {t.total}: <b data-testid="booking-total">{amount(booking.total_amount)}</b>
      </p>
    );
  return (
    <dl className="breakdown" data-testid="price-breakdown">
      <dt>{t.promoSubtotal}</dt>
      <dd data-testid="booking-subtotal">{amount(booking.subtotal_amount)}</dd>
      <dt>
        {t.promoDiscount}
        {booking.promo_code && (
          <>
            {' '}
            (<code data-testid="booking-promo">{booking.promo_code}</code>)
          </>
        )}
      </dt>
      <dd className="discount" data-testid="booking-discount">
        −{amount(booking.discount_amount)}
      </dd>
      <dt className="total">{t.total}</dt>
      <dd className="total" data-testid="booking-total">
        {amount(booking.total_amount)}
      </dd>
    </dl>
  );
}
