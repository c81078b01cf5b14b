import { useEffect, useState, type ReactNode } from 'react';
import { money } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { Link } from '../ui.tsx';
import type { Hall, Quote } from './rentals.api.ts';
import './rentals.css';

/** Where you are: links back up the way you came (Studios › Свет › Белый зал). */
export function Crumbs(props: { trail: { to?: string; label: string }[] }) {
  const { t } = useI18n();
  return (
    <nav className="rent-crumbs" aria-label={t.rentBreadcrumb}>
      <ol>
        {props.trail.map((step, index) => (
          <li key={index} aria-current={index === props.trail.length - 1 ? 'page' : undefined}>
            {step.to ? <Link to={step.to}>{step.label}</Link> : step.label}
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** A loading line, or the error, until there is something to show. */
export function Pending(props: { error: unknown; children?: ReactNode }) {
  const { t } = useI18n();
  return props.error ? <>{props.children}</> : <p className="muted">{t.loading}</p>;
}

/** True on a narrow screen (a phone): the grid shows one day at a time there. */
export function useNarrow(query = '(max-width: 640px)'): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const listener = () => setNarrow(list.matches);
    list.addEventListener('change', listener);
    return () => list.removeEventListener('change', listener);
  }, [query]);
  return narrow;
}

/** The price lines of a quote or a rental: bands, the minimum charge, extras, and the total. */
export function PriceLines(props: { quote: Pick<Quote, 'lines' | 'total' | 'currency'> }) {
  const { t, locale } = useI18n();
  const { lines, currency } = props.quote;
  return (
    <table className="rent-lines" data-testid="price-lines">
      <tbody>
        {lines.map((line, index) => (
          <tr key={index}>
            <td>
              {line.kind === 'minimum' ? t.rentMinimumLine : line.name}
              <span className="muted small">
                {' '}
                {line.quarter_hours !== null && `${line.quarter_hours / 4} ${t.rentHoursShort}`}
                {line.quantity > 1 && ` × ${line.quantity}`}
                {line.kind !== 'minimum' &&
                  ` · ${money(line.unit_price, currency, locale)}${line.quarter_hours !== null ? t.rentPerHour : ''}`}
              </span>
            </td>
            <td className="num">{money(line.amount, currency, locale)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th>{t.total}</th>
          <th className="num" data-testid="quote-total">
            {money(props.quote.total, currency, locale)}
          </th>
        </tr>
      </tfoot>
    </table>
  );
}

/** The hall's cancellation policy in words. */
export function PolicyWords(props: { hall: Pick<Hall, 'cancellation'> }) {
  const { t } = useI18n();
  const { full_refund_hours: full, partial_refund_hours: partial, partial_refund_percent: percent } = props.hall.cancellation;
  const parts = [full > 0 ? t.rentPolicyFull.replace('{h}', String(full)) : t.rentPolicyFullStart];
  if (percent > 0 && partial < full)
    parts.push(t.rentPolicyPartial.replace('{p}', String(percent)).replace('{h}', String(partial)));
  if (full > 0) parts.push(t.rentPolicyNone);
  return <p data-testid="policy">{parts.filter(Boolean).join('; ')}.</p>;
}
