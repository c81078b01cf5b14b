import { useState, type SyntheticEvent } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ErrorText, useAction } from '../ui.tsx';
import { venueTimeToIso } from './organizer.api.ts';
import { addDays, type Hall } from './studio.api.ts';
import { ClockSelect } from './studio.hall.tsx';

export interface BlockDraft {
  hallId: number;
  date: string;
  from: string;
  to: string;
}

/** A wall-clock time of a local date in the hall's zone as an instant; 24:00 is the next day's midnight. */
export function hallInstant(date: string, time: string, timeZone: string): string {
  return time === '24:00' ? venueTimeToIso(`${addDays(date, 1)}T00:00`, timeZone) : venueTimeToIso(`${date}T${time}`, timeZone);
}

/** Blocks a hall's time (maintenance, private use): no rental may overlap it. */
export function BlockForm(props: { halls: Hall[]; draft: BlockDraft; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useI18n();
  const [form, setForm] = useState({ ...props.draft, note: '' });
  const { error, busy, run } = useAction();
  const hall = props.halls.find((known) => known.id === form.hallId) ?? props.halls[0];
  const submit = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    if (!hall) return;
    void run(async () => {
      await api.post('/api/halls/{id}/blocks', {
        path: { id: hall.id },
        body: {
          starts_at: hallInstant(form.date, form.from, hall.timezone),
          ends_at: hallInstant(form.date, form.to, hall.timezone),
          note: form.note,
        },
      });
      await props.onDone();
    });
  };
  return (
    <form className="card stack studio-panel" onSubmit={submit} aria-labelledby="block-time">
      <h2 id="block-time">{t.studioBlockTime}</h2>
      <p className="muted small">{t.studioBlockNote}</p>
      <div className="inline">
        <label>
          {t.studioHall}
          <select name="block-hall" value={form.hallId} onChange={(e) => setForm({ ...form, hallId: Number(e.target.value) })}>
            {props.halls.map((known) => (
              <option key={known.id} value={known.id}>
                {known.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.date}
          <input
            type="date"
            name="block-date"
            value={form.date}
            onChange={(e) => setForm({ ...form, date: e.target.value })}
            required
          />
        </label>
        <label>
          {t.studioFrom}
          <ClockSelect name="block-from" label={t.studioFrom} value={form.from} onChange={(from) => setForm({ ...form, from })} />
        </label>
        <label>
          {t.studioTo}
          <ClockSelect name="block-to" label={t.studioTo} value={form.to} onChange={(to) => setForm({ ...form, to })} from={15} />
        </label>
      </div>
      <label>
        {t.studioReason}
        <input name="block-note" value={form.note} maxLength={500} onChange={(e) => setForm({ ...form, note: e.target.value })} />
      </label>
      {hall && <p className="muted small">{t.studioTimesIn.replace('{zone}', hall.timezone)}</p>}
      <ErrorText error={error} />
      <div className="inline">
        <button type="submit" className="primary" disabled={busy}>
          {t.studioBlock}
        </button>
        <button type="button" onClick={props.onClose}>
          {t.close}
        </button>
      </div>
    </form>
  );
}
