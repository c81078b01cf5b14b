import { useEffect, useState, type SyntheticEvent } from 'react';
import { api, ApiError, type Answer, type RequestBody } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ErrorText, formatDate, useAction, useLoad } from '../ui.tsx';

type Mode = Answer<'/api/events/{id}/seat-ownership'>['mode'];
type Saga = Answer<'/api/events/{id}/provider-sagas'>[number];

/** The modes in the order offered, each with its one-sentence explanation; a record, so a mode the API adds does not compile until this follows. */
const MODE_NOTES: Record<Mode, 'orgModeOwnNote' | 'orgModeProviderNote' | 'orgModeAllotmentNote'> = {
  own: 'orgModeOwnNote',
  provider: 'orgModeProviderNote',
  allotment: 'orgModeAllotmentNote',
};
const MODES = Object.keys(MODE_NOTES) as Mode[];

/** "3 min" style age of the mirror, in the page's language. */
function age(seconds: number | null, locale: string): string {
  if (seconds === null) return '—';
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'always', style: 'short' });
  if (seconds < 90) return format.format(-seconds, 'second');
  if (seconds < 90 * 60) return format.format(-Math.round(seconds / 60), 'minute');
  return format.format(-Math.round(seconds / 3600), 'hour');
}

/** Who sells the event's seats (read every 10 s); the dashboard's counters need its withheld seats too. */
export function useSeatOwnership(eventId: number) {
  return useLoad(() => api.get('/api/events/{id}/seat-ownership', { path: { id: eventId } }), [eventId], 10_000);
}
type SeatOwnership = ReturnType<typeof useSeatOwnership>;

/** Seats an allotment keeps out of sale (SOLD with no booking: the availability counts them sold). */
export function withheldSeats(ownership: SeatOwnership): number {
  return ownership.data?.withheld_seats ?? 0;
}

/**
 * "Seats & provider" on the organizer's event page (owners and managers; hidden from scanners,
 * whom the API refuses): who sells the seats, a form to change it, and for provider and allotment
 * events the provider's state with the event's sagas — the parked ones listed with a Retry.
 */
export function ProviderPanel(props: { eventId: number; ownership: SeatOwnership; onSaved: () => void }) {
  const { t } = useI18n();
  const { ownership } = props;
  const current = ownership.data;
  if (ownership.error instanceof ApiError && ownership.error.status === 403) return null;
  return (
    <section className="card stack org-provider" aria-labelledby="provider-panel" data-testid="provider-panel">
      <h2 id="provider-panel">{t.orgSeatsProvider}</h2>
      <ErrorText error={ownership.error} />
      {current && (
        <>
          <p data-testid="provider-mode">
            <b>{t[`orgMode_${current.mode}`]}</b> — {t[MODE_NOTES[current.mode]]}
            {current.linked_seats > 0 && ` ${t.orgLinkedSeats}: ${current.linked_seats}.`}
            {current.withheld_seats > 0 && ` ${t.orgWithheldSeats}: ${current.withheld_seats}.`}
          </p>
          {current.mode !== 'own' && <ProviderState eventId={props.eventId} />}
          {/* Open while the event is ours (nothing else to show); folded once the provider has a state to show. */}
          <details className="org-mode-change" open={current.mode === 'own'}>
            <summary>{t.orgChangeMode}</summary>
            <OwnershipForm
              eventId={props.eventId}
              current={current}
              onSaved={() => {
                void ownership.reload();
                props.onSaved();
              }}
            />
          </details>
        </>
      )}
    </section>
  );
}

function OwnershipForm(props: { eventId: number; current: Answer<'/api/events/{id}/seat-ownership'>; onSaved: () => void }) {
  const { t } = useI18n();
  const action = useAction();
  const block = props.current.block && 'from_row' in props.current.block ? props.current.block : null;
  const [mode, setMode] = useState<Mode>(props.current.mode);
  const [fromRow, setFromRow] = useState(String(block?.from_row ?? 1));
  const [toRow, setToRow] = useState(String(block?.to_row ?? 1));
  // A mode set elsewhere (another tab, the configuration) shows once it is read again.
  useEffect(() => setMode(props.current.mode), [props.current.mode]);
  const submit = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    const body: RequestBody<'/api/events/{id}/seat-ownership', 'put'> =
      mode === 'allotment' ? { mode, block: { from_row: Number(fromRow), to_row: Number(toRow) } } : { mode };
    void action.run(async () => {
      await api.put('/api/events/{id}/seat-ownership', { path: { id: props.eventId }, body });
      props.onSaved();
    });
  };
  return (
    <form className="stack" onSubmit={submit} aria-label={t.orgChangeMode}>
      <fieldset className="org-plain stack">
        <legend>{t.orgWhoSells}</legend>
        {MODES.map((value) => (
          <label key={value} className="org-mode">
            <input type="radio" name="mode" value={value} checked={mode === value} onChange={() => setMode(value)} />
            <span>
              <b>{t[`orgMode_${value}`]}</b>
              <br />
              <span className="muted small">{t[MODE_NOTES[value]]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {mode === 'allotment' && (
        <div className="inline">
          <label>
            {t.orgBlockFrom}
            <input name="from_row" type="number" min={1} required value={fromRow} onChange={(e) => setFromRow(e.target.value)} />
          </label>
          <label>
            {t.orgBlockTo}
            <input name="to_row" type="number" min={1} required value={toRow} onChange={(e) => setToRow(e.target.value)} />
          </label>
        </div>
      )}
      <div>
        <button type="submit" className="primary" disabled={action.busy}>
          {action.busy ? t.orgModeSaving : t.orgSaveMode}
        </button>
      </div>
      <ErrorText error={action.error} />
    </form>
  );
}

function ProviderState(props: { eventId: number }) {
  const { t, locale } = useI18n();
  const path = { id: props.eventId };
  const action = useAction();
  const status = useLoad(() => api.get('/api/events/{id}/provider-status', { path }), [props.eventId], 3000);
  const parked = useLoad(
    () => api.get('/api/events/{id}/provider-sagas', { path, query: { state: 'parked', limit: 100 } }),
    [props.eventId],
    3000,
  );
  const retry = (saga: Saga) =>
    action.run(async () => {
      await api.post('/api/events/{id}/provider-sagas/{bookingId}/retry', {
        path: { id: props.eventId, bookingId: saga.booking_id },
      });
      await Promise.all([status.reload(), parked.reload()]);
    });
  const state = status.data;
  return (
    <div className="stack" data-testid="provider-state">
      <h3>{t.orgProviderState}</h3>
      <ErrorText error={status.error ?? parked.error} />
      {state && (
        <dl className="org-facts">
          <dt>{t.orgBreaker}</dt>
          <dd data-testid="provider-breaker" className={`breaker-${state.breaker}`}>
            {t[`orgBreaker_${state.breaker}`]}
          </dd>
          <dt>{t.orgMirror}</dt>
          <dd>
            {state.mirror.places} {t.orgPlaces} · {t.orgMirrorAge} {age(state.mirror.age_seconds, locale)}
          </dd>
          <dt>{t.orgLastPreload}</dt>
          <dd>{state.mirror.preloaded_at ? formatDate(state.mirror.preloaded_at, locale) : t.orgNever}</dd>
          <dt>{t.orgLastReconcile}</dt>
          <dd>{state.mirror.reconciled_at ? formatDate(state.mirror.reconciled_at, locale) : t.orgNever}</dd>
        </dl>
      )}
      {state && (
        <div className="counters" aria-live="polite" data-testid="saga-counts">
          <div>
            <span>{t.orgSagasPending}</span>
            <b data-testid="sagas-pending">{state.sagas.pending}</b>
          </div>
          <div>
            <span>{t.orgSagasDone}</span>
            <b data-testid="sagas-done">{state.sagas.done}</b>
          </div>
          <div className={state.sagas.parked > 0 ? 'attention' : undefined}>
            <span>{t.orgSagasParked}</span>
            <b data-testid="sagas-parked">{state.sagas.parked}</b>
          </div>
        </div>
      )}
      <p className="muted small">{t.orgSagasNote}</p>
      <ErrorText error={action.error} />
      {parked.data && parked.data.length > 0 && (
        <section aria-labelledby="parked-sagas" className="stack">
          <h4 id="parked-sagas">{t.orgParkedSagas}</h4>
          <ul className="org-parked" data-testid="parked-sagas">
            {parked.data.map((saga) => (
              <li key={saga.booking_id} className="card" data-testid={`parked-${saga.booking_id}`}>
                <div className="org-parked-head">
                  <b>
                    {t.booking} #{saga.booking_id} · {t[`orgGoal_${saga.goal}`]}
                  </b>
                  <button type="button" disabled={action.busy} onClick={() => void retry(saga)}>
                    {t.orgRetry}
                  </button>
                </div>
                <p>{saga.parked_reason ? parkedWords(saga.parked_reason, t) : '—'}</p>
                <p className="muted small">
                  {t.orgAttempts}: {saga.attempts}
                  {saga.last_error && (
                    <>
                      {' · '}
                      {t.orgLastError}: <code>{saga.last_error}</code>
                    </>
                  )}
                </p>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

const PARKED_WORDS = {
  'gave-up': 'orgParked_gaveUp',
  'seats-gone': 'orgParked_seatsGone',
  'place-unknown': 'orgParked_placeUnknown',
  'seat-not-linked': 'orgParked_seatNotLinked',
} as const;

/** A parked reason in words; one the app does not know yet is shown as the API says it. */
function parkedWords(reason: string, t: ReturnType<typeof useI18n>['t']): string {
  return reason in PARKED_WORDS ? t[PARKED_WORDS[reason as keyof typeof PARKED_WORDS]] : reason;
}
