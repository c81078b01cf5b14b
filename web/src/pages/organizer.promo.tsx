// The event's promo codes for its team (docs/promo-codes.md): the list with each rule in words,
// one code or a batch at once (the batch shown to copy or download), changes and switching off.
import { useState, type SyntheticEvent } from 'react';
import { api, ApiError, money, type RequestBody, type Schema } from '../api.ts';
import { useI18n, type Strings } from '../i18n.ts';
import { fill } from '../problems.ts';
import { ErrorText, formatDate, useAction, useLoad } from '../ui.tsx';
import { isoToVenueTime, venueTimeToIso } from './organizer.api.ts';
import './promo.css';

type PromoCode = Schema<'PromoCode'>;
type Rule = RequestBody<'/api/events/{id}/promo-codes', 'post'>;
type Kind = Rule['discount_kind'];
type TypeName = { id: number; name: string; hidden: boolean };

const KINDS: Record<Kind, true> = { percent: true, fixed: true, price: true };

/** The rule in words: "25 % off for VIP", "each ticket 500.00 ₸ for all tickets". */
export function ruleInWords(code: PromoCode, types: TypeName[], currency: string, t: Strings, locale: string): string {
  const value = code.discount_kind === 'percent' ? String(code.discount_value) : money(code.discount_value, currency, locale);
  // A fixed 0 code takes nothing off: it is there to unlock hidden tickets (decision record 0034).
  const template =
    code.discount_kind === 'fixed' && code.discount_value === 0
      ? t.promoRuleNothing
      : { percent: t.promoRulePercent, fixed: t.promoRuleFixed, price: t.promoRulePrice }[code.discount_kind];
  const names = (code.ticket_type_ids ?? []).map((id) => types.find((type) => type.id === id)?.name ?? `#${id}`);
  const zones = (code.zone_ids ?? []).map((id) => `#${id}`);
  const limited = [...names, ...zones];
  return `${fill(template, { value })} · ${limited.length > 0 ? `${t.promoFor} ${limited.join(', ')}` : t.promoForAll}`;
}

function validInWords(code: PromoCode, t: Strings, locale: string, timeZone: string): string {
  if (!code.valid_from && !code.valid_until) return t.promoAnyTime;
  return [
    code.valid_from && `${t.promoFrom} ${formatDate(code.valid_from, locale, timeZone)}`,
    code.valid_until && `${t.promoUntil} ${formatDate(code.valid_until, locale, timeZone)}`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** A form's minor units from what a person types in major units ("12.50" → 1250). */
const minor = (typed: string) => Math.round(Number(typed) * 100);

interface Draft {
  mode: 'one' | 'bulk';
  code: string;
  prefix: string;
  count: string;
  kind: Kind;
  value: string;
  maxUses: string;
  from: string;
  until: string;
  types: number[];
}

const EMPTY: Draft = {
  mode: 'one',
  code: '',
  prefix: '',
  count: '20',
  kind: 'percent',
  value: '10',
  maxUses: '100',
  from: '',
  until: '',
  types: [],
};

export function PromoCodesSection(props: { eventId: number; timeZone: string; currency: string }) {
  const { t, locale } = useI18n();
  const path = { id: props.eventId };
  const codes = useLoad(() => api.get('/api/events/{id}/promo-codes', { path }), [props.eventId]);
  const types = useLoad(() => api.get('/api/events/{id}/ticket-types', { path }), [props.eventId]);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [generated, setGenerated] = useState<string[]>([]);
  const [editing, setEditing] = useState<number | null>(null);
  const action = useAction();
  const typeNames: TypeName[] = types.data ?? [];
  const currency = types.data?.[0]?.currency ?? props.currency;

  const create = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void action.run(async () => {
      const rule = {
        discount_kind: draft.kind,
        discount_value: draft.kind === 'percent' ? Number(draft.value) : minor(draft.value),
        max_uses: Number(draft.maxUses),
        ...(draft.types.length > 0 ? { ticket_type_ids: draft.types } : {}),
        ...(draft.from ? { valid_from: venueTimeToIso(draft.from, props.timeZone) } : {}),
        ...(draft.until ? { valid_until: venueTimeToIso(draft.until, props.timeZone) } : {}),
      };
      if (draft.mode === 'one') {
        await api.post('/api/events/{id}/promo-codes', { path, body: { code: draft.code, ...rule } });
        setGenerated([]);
      } else {
        const made = await api.post('/api/events/{id}/promo-codes/bulk', {
          path,
          body: { prefix: draft.prefix, count: Number(draft.count), ...rule },
        });
        setGenerated(made.map((code) => code.code));
      }
      setDraft({ ...draft, code: '' });
      await codes.reload();
    });
  };
  const change = (id: number, body: RequestBody<'/api/promo-codes/{id}', 'patch'>) =>
    action.run(async () => {
      await api.patch('/api/promo-codes/{id}', { path: { id }, body });
      await codes.reload();
    });

  // A scanner of the team may open the event page but not its codes: the section is left out.
  if (codes.error instanceof ApiError && codes.error.status === 403) return null;
  return (
    <section className="card stack promo" aria-labelledby="promo-codes" data-testid="promo-codes">
      <h2 id="promo-codes">{t.promoCodes}</h2>
      <ErrorText error={codes.error} />
      {codes.data?.length === 0 && <p className="muted">{t.promoNone}</p>}
      {codes.data && codes.data.length > 0 && (
        <div className="table-wrap">
          <table className="table promo-table" data-testid="promo-table">
            <thead>
              <tr>
                <th>{t.promoCodeText}</th>
                <th>{t.promoRule}</th>
                <th>{t.promoUses}</th>
                <th>{t.promoValid}</th>
                <th>{t.promoState}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {codes.data.map((code) => (
                <PromoRow
                  key={code.id}
                  code={code}
                  rule={ruleInWords(code, typeNames, currency, t, locale)}
                  valid={validInWords(code, t, locale, props.timeZone)}
                  timeZone={props.timeZone}
                  editing={editing === code.id}
                  busy={action.busy}
                  onEdit={(open) => setEditing(open ? code.id : null)}
                  onChange={async (body) => {
                    if (await change(code.id, body)) setEditing(null);
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorText error={action.error} />
      <form className="stack promo-form" onSubmit={create} aria-labelledby="promo-new">
        <h3 id="promo-new">{t.promoNew}</h3>
        <div className="inline" role="radiogroup" aria-label={t.promoNew}>
          {(['one', 'bulk'] as const).map((mode) => (
            <label key={mode} className="check">
              <input type="radio" name="promo-mode" checked={draft.mode === mode} onChange={() => setDraft({ ...draft, mode })} />
              {mode === 'one' ? t.promoOne : t.promoBulk}
            </label>
          ))}
        </div>
        <div className="inline">
          {draft.mode === 'one' ? (
            <label>
              {t.promoCodeText}
              <input
                name="promo-code"
                value={draft.code}
                required
                pattern="[A-Za-z0-9_\-]{3,32}"
                title={t.promoCodeHint}
                autoCapitalize="characters"
                onChange={(e) => setDraft({ ...draft, code: e.target.value })}
              />
            </label>
          ) : (
            <>
              <label>
                {t.promoPrefix}
                <input
                  name="promo-prefix"
                  value={draft.prefix}
                  pattern="[A-Za-z0-9_\-]{0,16}"
                  maxLength={16}
                  className="narrow"
                  onChange={(e) => setDraft({ ...draft, prefix: e.target.value })}
                />
              </label>
              <label>
                {t.promoCount}
                <input
                  name="promo-count"
                  type="number"
                  min={1}
                  max={1000}
                  required
                  className="narrow"
                  value={draft.count}
                  onChange={(e) => setDraft({ ...draft, count: e.target.value })}
                />
              </label>
            </>
          )}
          <label>
            {t.promoKind}
            <select name="promo-kind" value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value as Kind })}>
              {(Object.keys(KINDS) as Kind[]).map((kind) => (
                <option key={kind} value={kind}>
                  {t[`promoKind_${kind}`]}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t.promoValue}
            {draft.kind !== 'percent' && ` (${currency})`}
            <input
              name="promo-value"
              type="number"
              min={draft.kind === 'percent' ? 1 : 0}
              max={draft.kind === 'percent' ? 100 : undefined}
              step={draft.kind === 'percent' ? 1 : 0.01}
              required
              className="narrow"
              value={draft.value}
              onChange={(e) => setDraft({ ...draft, value: e.target.value })}
            />
          </label>
          <label>
            {t.promoMaxUses}
            <input
              name="promo-max-uses"
              type="number"
              min={1}
              max={1000000}
              required
              className="narrow"
              value={draft.maxUses}
              onChange={(e) => setDraft({ ...draft, maxUses: e.target.value })}
            />
          </label>
          <label>
            {t.promoValidFrom}
            <input
              name="promo-from"
              type="datetime-local"
              value={draft.from}
              onChange={(e) => setDraft({ ...draft, from: e.target.value })}
            />
          </label>
          <label>
            {t.promoValidUntil}
            <input
              name="promo-until"
              type="datetime-local"
              value={draft.until}
              onChange={(e) => setDraft({ ...draft, until: e.target.value })}
            />
          </label>
        </div>
        <p className="muted small">{fill(t.promoTimesNote, { zone: props.timeZone })}</p>
        {typeNames.length > 0 && (
          <fieldset className="promo-types">
            <legend>{t.promoLimitTypes}</legend>
            {typeNames.map((type) => (
              <label key={type.id} className="check">
                <input
                  type="checkbox"
                  name="promo-type"
                  value={type.id}
                  checked={draft.types.includes(type.id)}
                  onChange={(e) =>
                    setDraft({
                      ...draft,
                      types: e.target.checked ? [...draft.types, type.id] : draft.types.filter((id) => id !== type.id),
                    })
                  }
                />
                {type.name}
                {type.hidden && <span className="badge">{t.promoHiddenMark}</span>}
              </label>
            ))}
            {typeNames.some((type) => type.hidden) && <p className="muted small">{t.promoHiddenNote}</p>}
          </fieldset>
        )}
        <div>
          <button type="submit" className="primary" disabled={action.busy}>
            {draft.mode === 'one' ? t.promoCreate : t.promoGenerate}
          </button>
        </div>
      </form>
      {generated.length > 0 && <GeneratedCodes codes={generated} eventId={props.eventId} />}
    </section>
  );
}

function PromoRow(props: {
  code: PromoCode;
  rule: string;
  valid: string;
  timeZone: string;
  editing: boolean;
  busy: boolean;
  onEdit: (open: boolean) => void;
  onChange: (body: RequestBody<'/api/promo-codes/{id}', 'patch'>) => Promise<void>;
}) {
  const { t } = useI18n();
  const { code } = props;
  const local = (iso: string | null) => (iso ? isoToVenueTime(iso, props.timeZone) : '');
  const [maxUses, setMaxUses] = useState(String(code.max_uses));
  const [from, setFrom] = useState(local(code.valid_from));
  const [until, setUntil] = useState(local(code.valid_until));
  const save = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void props.onChange({
      max_uses: Number(maxUses),
      valid_from: from ? venueTimeToIso(from, props.timeZone) : null,
      valid_until: until ? venueTimeToIso(until, props.timeZone) : null,
    });
  };
  return (
    <>
      <tr data-testid="promo-row" data-code={code.code}>
        <td>
          <code>{code.code}</code>
        </td>
        <td>{props.rule}</td>
        <td data-testid="promo-uses">
          {code.uses} / {code.max_uses}
        </td>
        <td>{props.valid}</td>
        <td data-testid="promo-state">
          {code.active ? t.promoActive : t.promoInactive}
          {' · '}
          <span className={code.usable ? 'ok' : 'muted'}>{code.usable ? t.promoUsable : t.promoNotUsable}</span>
        </td>
        <td className="promo-actions">
          <button type="button" className="link" onClick={() => props.onEdit(!props.editing)} aria-expanded={props.editing}>
            {t.promoEdit}
          </button>
          <button
            type="button"
            className="link"
            disabled={props.busy}
            onClick={() => void props.onChange({ active: !code.active })}
          >
            {code.active ? t.promoDeactivate : t.promoActivate}
          </button>
        </td>
      </tr>
      {props.editing && (
        <tr>
          <td colSpan={6}>
            <form className="inline" onSubmit={save} aria-label={`${t.promoEdit} ${code.code}`}>
              <label>
                {t.promoMaxUses}
                <input
                  name="edit-max-uses"
                  type="number"
                  min={1}
                  max={1000000}
                  required
                  className="narrow"
                  value={maxUses}
                  onChange={(e) => setMaxUses(e.target.value)}
                />
              </label>
              <label>
                {t.promoValidFrom}
                <input name="edit-from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
              </label>
              <label>
                {t.promoValidUntil}
                <input name="edit-until" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
              </label>
              <button type="submit" className="primary" disabled={props.busy}>
                {t.promoSave}
              </button>
              <button type="button" onClick={() => props.onEdit(false)}>
                {t.promoClose}
              </button>
            </form>
          </td>
        </tr>
      )}
    </>
  );
}

/** A batch just made: every code, to copy at once or download as a text file (one per line). */
function GeneratedCodes(props: { codes: string[]; eventId: number }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const text = `${props.codes.join('\n')}\n`;
  const href = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
  const copy = async () => {
    await navigator.clipboard.writeText(text).catch(() => undefined);
    setCopied(true);
  };
  return (
    <div className="stack" data-testid="promo-generated">
      <h3>{fill(t.promoGenerated, { count: props.codes.length })}</h3>
      <textarea readOnly rows={Math.min(8, props.codes.length)} value={text} aria-label={t.promoCodes} className="promo-batch" />
      <div className="inline">
        <button type="button" onClick={() => void copy()}>
          {copied ? t.promoCopied : t.promoCopy}
        </button>
        <a className="button" href={href} download={`promo-codes-event-${props.eventId}.txt`}>
          {t.promoDownload}
        </a>
      </div>
    </div>
  );
}
