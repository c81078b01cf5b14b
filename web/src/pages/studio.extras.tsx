import { useState, type SyntheticEvent } from 'react';
import { api, money } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ErrorText, useAction, useLoad } from '../ui.tsx';
import { fieldProblems, toMajor, toMinor, type Extra } from './studio.api.ts';
import { FieldProblem } from './studio.fields.tsx';

interface ExtraForm {
  name: string;
  pricing: Extra['pricing'];
  price: string;
  currency: string;
  stock: string;
}

const NEW_EXTRA: ExtraForm = { name: '', pricing: 'per_hour', price: '', currency: 'KZT', stock: '' };

const formOf = (extra: Extra): ExtraForm => ({
  name: extra.name,
  pricing: extra.pricing,
  price: toMajor(extra.price),
  currency: extra.currency,
  stock: extra.stock === null ? '' : String(extra.stock),
});

/** The API body of a form: the price typed in major units, an empty stock meaning no limit. */
const bodyOf = (form: ExtraForm) => ({
  name: form.name,
  pricing: form.pricing,
  price: toMinor(form.price),
  currency: form.currency.trim().toUpperCase(),
  stock: form.stock.trim() === '' ? null : Number(form.stock),
});

/** The inputs of one extra, for adding or changing it. */
function ExtraFields(props: {
  form: ExtraForm;
  set: (form: ExtraForm) => void;
  prefix: string;
  problems: Record<string, string>;
}) {
  const { t } = useI18n();
  const { form, set, prefix, problems } = props;
  return (
    <>
      <label>
        {t.studioExtraName}
        <input
          name={`${prefix}-name`}
          value={form.name}
          onChange={(e) => set({ ...form, name: e.target.value })}
          maxLength={200}
        />
        <FieldProblem problems={problems} name="name" />
      </label>
      <label>
        {t.studioExtraPricing}
        <select
          name={`${prefix}-pricing`}
          value={form.pricing}
          onChange={(e) => set({ ...form, pricing: e.target.value as Extra['pricing'] })}
        >
          <option value="per_hour">{t.studioPerHourOption}</option>
          <option value="per_rental">{t.studioPerRentalOption}</option>
        </select>
      </label>
      <label>
        {t.studioPrice} ({form.currency})
        <input
          name={`${prefix}-price`}
          className="narrow"
          inputMode="decimal"
          value={form.price}
          onChange={(e) => set({ ...form, price: e.target.value })}
        />
        <FieldProblem problems={problems} name="price" />
      </label>
      <label>
        {t.studioCurrency}
        <input
          name={`${prefix}-currency`}
          className="narrow"
          value={form.currency}
          maxLength={3}
          onChange={(e) => set({ ...form, currency: e.target.value.toUpperCase() })}
        />
        <FieldProblem problems={problems} name="currency" />
      </label>
      <label>
        {t.studioStock}
        <input
          name={`${prefix}-stock`}
          className="narrow"
          inputMode="numeric"
          placeholder={t.studioNoLimit}
          value={form.stock}
          onChange={(e) => set({ ...form, stock: e.target.value })}
        />
        <FieldProblem problems={problems} name="stock" />
      </label>
    </>
  );
}

function ExtraRow(props: { extra: Extra; onChanged: () => Promise<void> }) {
  const { t, locale } = useI18n();
  const { extra } = props;
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState(formOf(extra));
  const action = useAction();
  const save = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void action.run(async () => {
      await api.patch('/api/extras/{id}', { path: { id: extra.id }, body: bodyOf(form) });
      setEditing(false);
      await props.onChanged();
    });
  };
  const archive = () =>
    action.run(async () => {
      await api.delete('/api/extras/{id}', { path: { id: extra.id } });
      await props.onChanged();
    });
  if (editing)
    return (
      <li className="studio-extra">
        <form className="inline" onSubmit={save} aria-label={`${t.studioEditExtra}: ${extra.name}`} noValidate>
          <ExtraFields form={form} set={setForm} prefix={`extra-${extra.id}`} problems={fieldProblems(action.error)} />
          <button type="submit" className="primary" disabled={action.busy}>
            {t.orgSave}
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            {t.studioCancelEdit}
          </button>
        </form>
        <ErrorText error={action.error} />
      </li>
    );
  return (
    <li className="studio-extra" data-testid={`extra-${extra.id}`}>
      <b>{extra.name}</b> — {money(extra.price, extra.currency, locale)}{' '}
      {extra.pricing === 'per_hour' ? t.studioPerHour : t.studioPerRental} ·{' '}
      {extra.stock === null ? t.studioNoLimit : `${t.studioStock}: ${extra.stock}`}
      <span className="inline studio-row-actions">
        <button type="button" className="link" onClick={() => setEditing(true)}>
          {t.studioEdit}
        </button>
        <button type="button" className="link danger-text" disabled={action.busy} onClick={() => void archive()}>
          {t.studioArchive}
        </button>
      </span>
      <ErrorText error={action.error} />
    </li>
  );
}

/** The studio's extras (shared by all its halls): change, archive (live rentals keep theirs), add. */
export function ExtrasEditor(props: { slug: string }) {
  const { t } = useI18n();
  const extras = useLoad(() => api.get('/api/organizers/{slug}/extras', { path: { slug: props.slug } }), [props.slug]);
  const [form, setForm] = useState<ExtraForm>(NEW_EXTRA);
  const action = useAction();
  const add = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void action.run(async () => {
      await api.post('/api/organizers/{slug}/extras', { path: { slug: props.slug }, body: bodyOf(form) });
      setForm(NEW_EXTRA);
      await extras.reload();
    });
  };
  return (
    <section className="card stack" aria-labelledby="studio-extras">
      <h2 id="studio-extras">{t.studioExtras}</h2>
      <p className="muted small">{t.studioExtrasNote}</p>
      <ErrorText error={extras.error} />
      {extras.data?.length === 0 && <p className="muted">{t.studioNoExtras}</p>}
      <ul className="studio-extras" data-testid="studio-extras">
        {extras.data?.map((extra) => (
          <ExtraRow key={`${extra.id}-${extra.price}-${extra.stock}`} extra={extra} onChanged={extras.reload} />
        ))}
      </ul>
      <form className="inline" onSubmit={add} aria-label={t.studioAddExtra} noValidate>
        <ExtraFields form={form} set={setForm} prefix="new-extra" problems={fieldProblems(action.error)} />
        <button type="submit" disabled={action.busy}>
          {t.studioAddExtra}
        </button>
      </form>
      <ErrorText error={action.error} />
    </section>
  );
}
