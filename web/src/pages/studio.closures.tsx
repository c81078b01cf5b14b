import { useState, type SyntheticEvent } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ErrorText, useAction } from '../ui.tsx';
import { addDays, todayIn, type Hall } from './studio.api.ts';

/** The hall's closures (local dates, both included, with a reason): add and remove. */
export function ClosuresEditor(props: { hall: Hall; onChanged: () => Promise<void> }) {
  const { t } = useI18n();
  const { hall } = props;
  const today = todayIn(hall.timezone);
  const [form, setForm] = useState({ starts_on: addDays(today, 7), ends_on: addDays(today, 7), reason: '' });
  const { error, busy, run } = useAction();
  const add = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void run(async () => {
      await api.post('/api/halls/{id}/closures', { path: { id: hall.id }, body: form });
      setForm({ ...form, reason: '' });
      await props.onChanged();
    });
  };
  const remove = (closureId: number) =>
    run(async () => {
      await api.delete('/api/halls/{id}/closures/{closureId}', { path: { id: hall.id, closureId } });
      await props.onChanged();
    });
  return (
    <section className="card stack" aria-labelledby="closures">
      <h2 id="closures">{t.studioClosures}</h2>
      <p className="muted small">{t.studioClosuresNote}</p>
      {hall.closures.length === 0 && <p className="muted">{t.studioNoClosures}</p>}
      <ul className="studio-extras" data-testid="closures">
        {hall.closures.map((closure) => (
          <li key={closure.id}>
            <b>{closure.starts_on === closure.ends_on ? closure.starts_on : `${closure.starts_on} – ${closure.ends_on}`}</b>
            {closure.reason && ` · ${closure.reason}`}
            <button type="button" className="link danger-text" disabled={busy} onClick={() => void remove(closure.id)}>
              {t.studioReopen}
            </button>
          </li>
        ))}
      </ul>
      <form className="inline" onSubmit={add} aria-label={t.studioAddClosure}>
        <label>
          {t.studioFirstDay}
          <input
            type="date"
            name="closure-from"
            value={form.starts_on}
            onChange={(e) => setForm({ ...form, starts_on: e.target.value })}
            required
          />
        </label>
        <label>
          {t.studioLastDay}
          <input
            type="date"
            name="closure-to"
            value={form.ends_on}
            onChange={(e) => setForm({ ...form, ends_on: e.target.value })}
            required
          />
        </label>
        <label>
          {t.studioReason}
          <input
            name="closure-reason"
            value={form.reason}
            maxLength={500}
            onChange={(e) => setForm({ ...form, reason: e.target.value })}
          />
        </label>
        <button type="submit" disabled={busy}>
          {t.studioAddClosure}
        </button>
      </form>
      <ErrorText error={error} />
    </section>
  );
}
