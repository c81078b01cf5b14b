import { useState, type SyntheticEvent } from 'react';
import { api, money } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ErrorText, formatDate, formatSeconds, useAction, useCountdown, useLoad } from '../ui.tsx';
import { clockOf, wallTime, type Hall, type Rental } from './studio.api.ts';

/**
 * One rental or block for the studio's team, from the calendar: when (in the hall's zone), who,
 * what it costs line by line, its audit; "Confirm paid offline" while it is held, "Cancel (full
 * refund)" while it is live, after a confirm step.
 */
export function RentalPanel(props: {
  rental: Rental;
  hall: Hall;
  slug: string;
  onChanged: () => Promise<void>;
  onClose: () => void;
}) {
  const { t, locale } = useI18n();
  const { hall } = props;
  const detail = useLoad(
    () => api.get('/api/rentals/{id}', { path: { id: props.rental.id } }),
    [props.rental.id, props.rental.status],
  );
  const rental = detail.data ?? { ...props.rental, audit: [] };
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction();
  const left = useCountdown(rental.status === 'PENDING' ? rental.expires_at : null);
  const live = rental.status === 'PENDING' || rental.status === 'CONFIRMED';
  const isBlock = rental.kind === 'block';
  const done = async () => {
    await Promise.all([props.onChanged(), detail.reload()]);
  };
  const confirm = () =>
    action.run(async () => {
      await api.post('/api/rentals/{id}/confirm', { path: { id: rental.id } });
      await done();
    });
  const cancel = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void action.run(async () => {
      await api.post('/api/rentals/{id}/cancel', { path: { id: rental.id }, body: reason ? { reason } : {} });
      setCancelling(false);
      await done();
    });
  };
  /** The audit's statuses are strings (the API's); a known one in words. */
  const statusWord = (status: string) => {
    const key = `studioStatus${status}`;
    return key in t ? t[key as keyof typeof t] : status;
  };
  const start = wallTime(rental.starts_at, hall.timezone);
  const title = isBlock ? t.studioBlocked : `${t.studioRental} #${rental.id}`;
  return (
    <section className="card stack studio-panel" aria-labelledby="rental-detail" data-testid="rental-detail">
      <div className="inline studio-panel-head">
        <h2 id="rental-detail">
          {title} · {hall.name}
        </h2>
        <span className={`studio-badge ${rental.status.toLowerCase()}`} data-testid="rental-status">
          {t[`studioStatus${rental.status}`]}
        </span>
        <span className="spacer" />
        <button type="button" className="link" onClick={props.onClose}>
          {t.close}
        </button>
      </div>
      <p>
        <b>
          {start.date}, {clockOf(rental.starts_at, hall.timezone)}–{clockOf(rental.ends_at, hall.timezone)}
        </b>{' '}
        <span className="muted small">({hall.timezone})</span>
        {rental.buffer_until > rental.ends_at && (
          <span className="muted small">
            {' '}
            · {t.studioBufferUntil} {clockOf(rental.buffer_until, hall.timezone)}
          </span>
        )}
      </p>
      {!isBlock && (
        <p>
          {t.studioRenter}: {t.studioUser} #{rental.user_id}
          {left !== null && left > 0 && (
            <span className="muted">
              {' '}
              · {t.studioHoldEndsIn} {formatSeconds(left)}
            </span>
          )}
          {rental.paid_offline && <span> · {t.studioPaidOffline}</span>}
        </p>
      )}
      {rental.note && (
        <p>
          {t.studioReason}: {rental.note}
        </p>
      )}
      {!isBlock && (
        <table className="table">
          <tbody>
            {rental.lines.map((line, index) => (
              <tr key={index}>
                <td>
                  {line.kind === 'extra' ? `${t.studioExtra}: ` : ''}
                  {line.name}
                  {line.quantity > 1 ? ` × ${line.quantity}` : ''}
                </td>
                <td className="muted small">
                  {line.quarter_hours !== null ? `${line.quarter_hours / 4} ${t.studioHoursShort}` : ''}
                </td>
                <td>{money(line.amount, rental.currency, locale)}</td>
              </tr>
            ))}
            <tr>
              <th>{t.total}</th>
              <td />
              <th data-testid="rental-total">{money(rental.total, rental.currency, locale)}</th>
            </tr>
            {rental.refund_amount !== null && (
              <tr>
                <td>{t.studioRefund}</td>
                <td />
                <td data-testid="rental-refund">{money(rental.refund_amount, rental.currency, locale)}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <ErrorText error={detail.error ?? action.error} />
      {live && !cancelling && (
        <div className="inline">
          {!isBlock && rental.status === 'PENDING' && (
            <button type="button" className="primary" disabled={action.busy} onClick={() => void confirm()}>
              {t.studioConfirmPaid}
            </button>
          )}
          <button type="button" className="danger" onClick={() => setCancelling(true)}>
            {isBlock ? t.studioRemoveBlock : t.studioCancelFull}
          </button>
        </div>
      )}
      {cancelling && (
        <form className="stack org-confirm" onSubmit={cancel} aria-label={t.studioCancelFull}>
          <p role="note">
            {isBlock
              ? t.studioRemoveBlockWarning
              : t.studioCancelWarning.replace(
                  '{amount}',
                  money(rental.status === 'CONFIRMED' ? rental.total : 0, rental.currency, locale),
                )}
          </p>
          <label>
            {t.studioReason}
            <input name="cancel-reason" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
          </label>
          <div className="inline">
            <button type="submit" className="danger" disabled={action.busy}>
              {isBlock ? t.studioRemoveBlock : t.studioConfirmCancel}
            </button>
            <button type="button" onClick={() => setCancelling(false)}>
              {t.studioKeep}
            </button>
          </div>
        </form>
      )}
      {rental.audit.length > 0 && (
        <details>
          <summary>{t.studioAudit}</summary>
          <ol className="studio-audit" data-testid="rental-audit">
            {rental.audit.map((entry, index) => (
              <li key={index}>
                {formatDate(entry.at, locale, hall.timezone)}: {entry.from_status ? `${statusWord(entry.from_status)} → ` : ''}
                {statusWord(entry.to_status)}
                {entry.actor_id !== null ? ` · ${t.studioUser} #${entry.actor_id}` : ''}
                {entry.reason ? ` · ${entry.reason}` : ''}
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
