// The event's waiting room for its team (docs/waiting-room.md): whether it is on, when sales open
// (in the venue's time zone), how fast and how many people are let in, with a line on what each
// setting does; saved through PUT /queue/settings; the room's live numbers refreshed every few seconds.
import { useEffect, useId, useState, type InputHTMLAttributes, type SyntheticEvent } from 'react';
import { api, ApiError, type RequestBody, type Schema } from '../api.ts';
import { useI18n, type Strings } from '../i18n.ts';
import { fill } from '../problems.ts';
import { ErrorText, formatDate, Link, useAction, useLoad } from '../ui.tsx';
import { isoToVenueTime, venueTimeToIso } from './organizer.api.ts';
import './queue.css';

type Room = Schema<'WaitingRoom'>;
type Settings = RequestBody<'/api/events/{id}/queue/settings', 'put'>;
type FailureMode = Room['failure_mode'];

/** The live numbers refresh this often (the room's admission pass runs every second). */
const REFRESH_MS = 3000;

/** What the form holds: what a person types, as typed (an empty limit means "none"). */
interface Draft {
  enabled: boolean;
  onSale: string;
  rate: string;
  cap: string;
  tokenMinutes: string;
  graceSeconds: string;
  failureMode: FailureMode;
}

function draftOf(room: Room | null, timeZone: string): Draft {
  if (!room) {
    // A new room: sales open in an hour, 100 people a minute, the API's own defaults otherwise.
    return {
      enabled: true,
      onSale: isoToVenueTime(new Date(Date.now() + 3_600_000).toISOString(), timeZone),
      rate: '100',
      cap: '',
      tokenMinutes: '15',
      graceSeconds: '300',
      failureMode: 'closed',
    };
  }
  return {
    enabled: room.enabled,
    onSale: isoToVenueTime(room.on_sale_at, timeZone),
    rate: room.rate_per_minute === null ? '' : String(room.rate_per_minute),
    cap: room.max_active === null ? '' : String(room.max_active),
    tokenMinutes: String(room.token_ttl_seconds / 60),
    graceSeconds: String(room.grace_seconds),
    failureMode: room.failure_mode,
  };
}

function settingsOf(draft: Draft, timeZone: string): Settings {
  return {
    enabled: draft.enabled,
    on_sale_at: venueTimeToIso(draft.onSale, timeZone),
    rate_per_minute: draft.rate.trim() === '' ? null : Number(draft.rate),
    max_active: draft.cap.trim() === '' ? null : Number(draft.cap),
    token_ttl_seconds: Math.round(Number(draft.tokenMinutes) * 60),
    grace_seconds: Number(draft.graceSeconds),
    failure_mode: draft.failureMode,
  };
}

/** The number fields: what the draft keeps, the input's bounds (the API's), and its words. */
interface NumberField {
  key: 'rate' | 'cap' | 'tokenMinutes' | 'graceSeconds';
  name: string;
  min: number;
  max: number;
  required: boolean;
  label: keyof Strings;
  hint: keyof Strings;
}
const NUMBERS: readonly NumberField[] = [
  { key: 'rate', name: 'room-rate', min: 1, max: 1_000_000, required: false, label: 'roomRate', hint: 'roomRateHint' },
  { key: 'cap', name: 'room-cap', min: 1, max: 1_000_000, required: false, label: 'roomCap', hint: 'roomCapHint' },
  {
    key: 'tokenMinutes',
    name: 'room-token-minutes',
    min: 1,
    max: 1440,
    required: true,
    label: 'roomTokenMinutes',
    hint: 'roomTokenHint',
  },
  {
    key: 'graceSeconds',
    name: 'room-grace-seconds',
    min: 10,
    max: 86_400,
    required: true,
    label: 'roomGraceSeconds',
    hint: 'roomGraceHint',
  },
];

/** A labelled input with the sentence that says what it does under it (its description, for screen readers). */
function Field(props: {
  label: string;
  hint: string;
  input: InputHTMLAttributes<HTMLInputElement>;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const hint = `${id}-hint`;
  return (
    <div className="room-field">
      <label htmlFor={id}>{props.label}</label>
      <input id={id} aria-describedby={hint} {...props.input} onChange={(e) => props.onChange(e.target.value)} />
      <small className="muted" id={hint}>
        {props.hint}
      </small>
    </div>
  );
}

export function WaitingRoomSection(props: { eventId: number; timeZone: string }) {
  const { t, locale } = useI18n();
  const path = { id: props.eventId };
  const room = useLoad(() => api.get('/api/events/{id}/queue/settings', { path }), [props.eventId], REFRESH_MS);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();

  // The form starts from the first answer; later refreshes only move the live numbers, never what
  // the organizer is typing.
  useEffect(() => {
    if (draft === null && room.data !== undefined) setDraft(draftOf(room.data, props.timeZone));
  }, [room.data, draft, props.timeZone]);

  // A scanner of the team may open the event page but not the room: the section is left out.
  if (room.error instanceof ApiError && room.error.status === 403) return null;

  const change = (part: Partial<Draft>) => {
    if (draft) setDraft({ ...draft, ...part });
    setSaved(false);
  };
  const save = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    if (!draft) return;
    void action.run(async () => {
      const answer = await api.put('/api/events/{id}/queue/settings', { path, body: settingsOf(draft, props.timeZone) });
      setDraft(draftOf(answer, props.timeZone));
      setSaved(true);
      await room.reload();
    });
  };

  const current = room.data;
  const state = current === undefined ? null : current === null ? 'none' : current.enabled ? 'on' : 'off';
  const queuePage = `/events/${props.eventId}/queue`;
  return (
    <section className="card stack room" aria-labelledby="waiting-room" data-testid="waiting-room">
      <h2 id="waiting-room">{t.roomTitle}</h2>
      <p className="muted small">{t.roomIntro}</p>
      <ErrorText error={room.error} />
      {state && (
        <p data-testid="room-state" data-state={state}>
          <span className={`room-badge room-${state}`}>{t[`roomState_${state}`]}</span>{' '}
          {current && (
            <span>
              {fill(current.shuffled_at ? t.roomOpenedAt : t.roomOpensAt, {
                time: formatDate(current.on_sale_at, locale, props.timeZone),
              })}
            </span>
          )}
        </p>
      )}
      {current && (
        <>
          <dl className="room-numbers" data-testid="room-numbers" aria-live="polite">
            {(['pre_queue', 'waiting', 'active', 'admitted', 'admitted_last_minute'] as const).map((name) => (
              <div key={name} className="room-number">
                <dt>{t[`roomNumber_${name}`]}</dt>
                <dd data-testid={`room-${name}`}>{current[name]}</dd>
              </div>
            ))}
          </dl>
          <p className="muted small">
            {t.roomNumbersNote} <Link to={queuePage}>{t.roomPublicPage}</Link>
          </p>
        </>
      )}
      {draft && (
        <form className="stack" onSubmit={save} aria-labelledby="waiting-room">
          <label className="check">
            <input
              type="checkbox"
              name="room-enabled"
              checked={draft.enabled}
              onChange={(e) => change({ enabled: e.target.checked })}
            />
            {t.roomEnabled}
          </label>
          <p className="muted small">{t.roomEnabledHint}</p>
          <div className="room-fields">
            <Field
              label={t.roomOnSale}
              hint={fill(t.roomOnSaleHint, { zone: props.timeZone })}
              input={{ name: 'room-on-sale', type: 'datetime-local', required: true, value: draft.onSale }}
              onChange={(onSale) => change({ onSale })}
            />
            {NUMBERS.map((field) => (
              <Field
                key={field.key}
                label={t[field.label]}
                hint={t[field.hint]}
                input={{
                  name: field.name,
                  type: 'number',
                  min: field.min,
                  max: field.max,
                  required: field.required,
                  value: draft[field.key],
                }}
                onChange={(value) => change({ [field.key]: value })}
              />
            ))}
          </div>
          <fieldset className="stack room-failure">
            <legend>{t.roomFailure}</legend>
            {(['closed', 'open'] as const).map((mode) => (
              <label key={mode} className="check">
                <input
                  type="radio"
                  name="room-failure-mode"
                  value={mode}
                  checked={draft.failureMode === mode}
                  onChange={() => change({ failureMode: mode })}
                />
                <span>
                  <b>{t[`roomFailure_${mode}`]}</b> — {t[`roomFailureHint_${mode}`]}
                </span>
              </label>
            ))}
          </fieldset>
          <ErrorText error={action.error} />
          <div className="inline">
            <button type="submit" className="primary" disabled={action.busy}>
              {current ? t.roomSave : t.roomCreate}
            </button>
            {saved && (
              <span className="ok" role="status">
                {t.roomSaved}
              </span>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
