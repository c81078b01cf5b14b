import { useState, type SyntheticEvent } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { ErrorText, useAction, useLoad } from '../ui.tsx';
import { timeZones } from './organizer.api.ts';
import { fieldProblems, minutesOf, QUARTER_HOURS, WEEKDAYS, type Hall, type HallBody, type Weekday } from './studio.api.ts';
import { FieldProblem } from './studio.fields.tsx';
import { ClosuresEditor } from './studio.closures.tsx';
import { TariffEditor } from './studio.tariff.tsx';
import { NotOnTeam, StudioTrail, useStudioManager } from './studio.tsx';

type DayMode = 'closed' | 'hours' | 'all';
interface DayForm {
  mode: DayMode;
  open: string;
  close: string;
}

interface HallForm {
  name: string;
  description: string;
  photos: string;
  capacity: string;
  area: string;
  timezone: string;
  hours: Record<Weekday, DayForm>;
  buffer_minutes: string;
  min_minutes: string;
  max_minutes: string;
  min_notice_hours: string;
  horizon_days: string;
  hold_minutes: string;
  full_refund_hours: string;
  partial_refund_percent: string;
  partial_refund_hours: string;
}

const WEEKEND = new Set<Weekday>(['sat', 'sun']);

function newForm(): HallForm {
  return {
    name: '',
    description: '',
    photos: '',
    capacity: '',
    area: '',
    timezone: 'Asia/Almaty',
    hours: Object.fromEntries(
      WEEKDAYS.map((day) => [
        day,
        WEEKEND.has(day) ? { mode: 'hours', open: '10:00', close: '22:00' } : { mode: 'hours', open: '09:00', close: '23:00' },
      ]),
    ) as Record<Weekday, DayForm>,
    buffer_minutes: '15',
    min_minutes: '60',
    max_minutes: '720',
    min_notice_hours: '2',
    horizon_days: '180',
    hold_minutes: '15',
    full_refund_hours: '48',
    partial_refund_percent: '50',
    partial_refund_hours: '24',
  };
}

function formOf(hall: Hall): HallForm {
  return {
    name: hall.name,
    description: hall.description,
    photos: hall.photos.join('\n'),
    capacity: hall.capacity === null ? '' : String(hall.capacity),
    area: hall.area_sq_m === null ? '' : String(hall.area_sq_m),
    timezone: hall.timezone,
    hours: Object.fromEntries(
      WEEKDAYS.map((day) => {
        const hours = hall.opening_hours[day];
        if (!hours) return [day, { mode: 'closed', open: '09:00', close: '23:00' }];
        const all = hours.open === '00:00' && hours.close === '24:00';
        return [day, { mode: all ? 'all' : 'hours', open: hours.open, close: hours.close }];
      }),
    ) as Record<Weekday, DayForm>,
    buffer_minutes: String(hall.buffer_minutes),
    min_minutes: String(hall.min_minutes),
    max_minutes: String(hall.max_minutes),
    min_notice_hours: String(hall.min_notice_minutes / 60),
    horizon_days: String(hall.horizon_days),
    hold_minutes: String(hall.hold_ttl_seconds / 60),
    full_refund_hours: String(hall.cancellation.full_refund_hours),
    partial_refund_percent: String(hall.cancellation.partial_refund_percent),
    partial_refund_hours: String(hall.cancellation.partial_refund_hours),
  };
}

/** Lines of the photos box that are not web addresses (the API would refuse them too). */
function badPhotos(photos: string): string[] {
  return photoList(photos).filter((line) => {
    try {
      return !['http:', 'https:'].includes(new URL(line).protocol);
    } catch {
      return true;
    }
  });
}
const photoList = (photos: string) =>
  photos
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

const numberOrNull = (value: string) => (value.trim() === '' ? null : Number(value));

function bodyOf(form: HallForm): HallBody {
  return {
    name: form.name,
    description: form.description,
    photos: photoList(form.photos),
    capacity: numberOrNull(form.capacity),
    area_sq_m: numberOrNull(form.area),
    timezone: form.timezone,
    opening_hours: Object.fromEntries(
      WEEKDAYS.map((day) => {
        const hours = form.hours[day];
        if (hours.mode === 'closed') return [day, null];
        if (hours.mode === 'all') return [day, { open: '00:00', close: '24:00' }];
        return [day, { open: hours.open, close: hours.close }];
      }),
    ),
    buffer_minutes: Number(form.buffer_minutes),
    min_minutes: Number(form.min_minutes),
    max_minutes: Number(form.max_minutes),
    min_notice_minutes: Math.round(Number(form.min_notice_hours) * 60),
    horizon_days: Number(form.horizon_days),
    hold_ttl_seconds: Math.round(Number(form.hold_minutes) * 60),
    cancellation: {
      full_refund_hours: Number(form.full_refund_hours),
      partial_refund_percent: Number(form.partial_refund_percent),
      partial_refund_hours: Number(form.partial_refund_hours),
    },
  };
}

/** A select of the day's quarter hours (the API's grid), 24:00 included for the end. */
export function ClockSelect(props: {
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  from?: number;
}) {
  return (
    <select name={props.name} aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      {QUARTER_HOURS.filter((clock) => minutesOf(clock) >= (props.from ?? 0)).map((clock) => (
        <option key={clock} value={clock}>
          {clock}
        </option>
      ))}
    </select>
  );
}

/**
 * A hall's editor: `/organizer/studio/:slug/halls/new` adds one, `/organizer/studio/:slug/halls/:id` changes
 * it, with its tariff and closures below. The API judges every field; its words stand next to them.
 */
export function HallEditorPage(props: { id?: number; slug: string }) {
  const { t } = useI18n();
  const { id, slug } = props;
  const hall = useLoad(async () => (id ? api.get('/api/halls/{id}', { path: { id } }) : null), [id]);
  const { manager, name } = useStudioManager(slug);
  if (id && !hall.data)
    return (
      <main>
        <StudioTrail slug={slug} name={name} />
        <ErrorText error={hall.error} />
        {!hall.error && <p className="muted">{t.loading}</p>}
      </main>
    );
  const current = hall.data ?? null;
  return (
    <main>
      <StudioTrail slug={slug} name={name}>
        <span>{current ? current.name : t.studioNewHall}</span>
      </StudioTrail>
      <h1>{current ? `${t.studioHall}: ${current.name}` : t.studioNewHall}</h1>
      {manager === undefined && <p className="muted">{t.loading}</p>}
      {manager === false && <NotOnTeam />}
      {manager && (
        <>
          <HallFieldsForm key={current?.id ?? 'new'} hall={current} slug={slug} onSaved={hall.reload} />
          {current && <TariffEditor key={`tariff-${current.id}`} hall={current} onSaved={hall.reload} />}
          {current && <ClosuresEditor hall={current} onChanged={hall.reload} />}
        </>
      )}
    </main>
  );
}

function HallFieldsForm(props: { hall: Hall | null; slug: string; onSaved: () => Promise<void> }) {
  const { t } = useI18n();
  const { hall } = props;
  const [form, setForm] = useState<HallForm>(hall ? formOf(hall) : newForm());
  const [done, setDone] = useState(false);
  const [brokenPhotos, setBrokenPhotos] = useState<string[]>([]);
  const { error, busy, run } = useAction();
  const zones = timeZones();
  const problems = fieldProblems(error);
  const wrongPhotos = badPhotos(form.photos);
  const set = <K extends keyof HallForm>(name: K, value: HallForm[K]) => {
    setDone(false);
    setForm({ ...form, [name]: value });
  };
  const setDay = (day: Weekday, next: Partial<DayForm>) =>
    set('hours', { ...form.hours, [day]: { ...form.hours[day], ...next } });
  const text = (name: Exclude<keyof HallForm, 'hours'>) => ({
    name,
    value: form[name],
    onChange: (e: { target: { value: string } }) => set(name, e.target.value),
  });
  const submit = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    if (wrongPhotos.length > 0) return;
    void run(async () => {
      if (!hall) {
        const created = await api.post('/api/organizers/{slug}/halls', { path: { slug: props.slug }, body: bodyOf(form) });
        navigate(`/organizer/studio/${props.slug}/halls/${created.id}`);
        return;
      }
      await api.patch('/api/halls/{id}', { path: { id: hall.id }, body: bodyOf(form) });
      setDone(true);
      await props.onSaved();
    });
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby="hall-fields" noValidate>
      <h2 id="hall-fields">{t.studioHallDetails}</h2>
      <label>
        {t.studioHallName}
        <input {...text('name')} maxLength={200} />
        <FieldProblem problems={problems} name="name" />
      </label>
      <label>
        {t.orgDescription}
        <textarea {...text('description')} maxLength={5000} />
      </label>
      <label>
        {t.studioPhotos}
        <textarea {...text('photos')} placeholder="https://…" />
        <span className="muted small">{t.studioPhotosNote}</span>
        {wrongPhotos.length > 0 && (
          <span className="field-problem">
            {t.studioNotAnAddress}: {wrongPhotos.join(', ')}
          </span>
        )}
        {brokenPhotos.length > 0 && (
          <span className="field-problem">
            {t.studioPhotoNotLoaded}: {brokenPhotos.join(', ')}
          </span>
        )}
        <FieldProblem problems={problems} name="photos" />
      </label>
      {wrongPhotos.length === 0 && photoList(form.photos).length > 0 && (
        <div className="studio-photos">
          {photoList(form.photos).map((url) => (
            <img
              key={url}
              src={url}
              alt=""
              onError={() => setBrokenPhotos((known) => (known.includes(url) ? known : [...known, url]))}
              onLoad={() => setBrokenPhotos((known) => known.filter((other) => other !== url))}
            />
          ))}
        </div>
      )}
      <div className="org-grid">
        <label>
          {t.studioCapacity}
          <input {...text('capacity')} inputMode="numeric" placeholder="—" />
          <FieldProblem problems={problems} name="capacity" />
        </label>
        <label>
          {t.studioArea}
          <input {...text('area')} inputMode="numeric" placeholder="—" />
          <FieldProblem problems={problems} name="area_sq_m" />
        </label>
        <label>
          {t.studioTimezone}
          <select name="timezone" value={form.timezone} onChange={(e) => set('timezone', e.target.value)}>
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
          <FieldProblem problems={problems} name="timezone" />
        </label>
      </div>
      <fieldset className="studio-hours">
        <legend>{t.studioOpeningHours}</legend>
        <p className="muted small">{t.studioHoursNote}</p>
        {WEEKDAYS.map((day) => {
          const hours = form.hours[day];
          return (
            <div className="inline studio-day" key={day} role="group" aria-label={t[`studioDayLong${day}`]}>
              <span className="studio-day-name">{t[`studioDayLong${day}`]}</span>
              <select
                name={`hours-${day}-mode`}
                aria-label={`${t[`studioDayLong${day}`]}: ${t.studioDayMode}`}
                value={hours.mode}
                onChange={(e) => setDay(day, { mode: e.target.value as DayMode })}
              >
                <option value="closed">{t.studioClosed}</option>
                <option value="hours">{t.studioOpenHours}</option>
                <option value="all">{t.studioAllDay}</option>
              </select>
              {hours.mode === 'hours' && (
                <>
                  <ClockSelect
                    name={`hours-${day}-open`}
                    label={`${t[`studioDayLong${day}`]}: ${t.studioOpens}`}
                    value={hours.open}
                    onChange={(open) => setDay(day, { open })}
                  />
                  <span aria-hidden="true">–</span>
                  <ClockSelect
                    name={`hours-${day}-close`}
                    label={`${t[`studioDayLong${day}`]}: ${t.studioCloses}`}
                    value={hours.close}
                    onChange={(close) => setDay(day, { close })}
                    from={15}
                  />
                </>
              )}
            </div>
          );
        })}
        <FieldProblem problems={problems} name="opening_hours" />
      </fieldset>
      <fieldset>
        <legend>{t.studioRules}</legend>
        <div className="org-grid">
          <label>
            {t.studioBuffer}
            <input {...text('buffer_minutes')} inputMode="numeric" />
            <span className="muted small">{t.studioBufferNote}</span>
            <FieldProblem problems={problems} name="buffer_minutes" />
          </label>
          <label>
            {t.studioMinLength}
            <input {...text('min_minutes')} inputMode="numeric" />
            <FieldProblem problems={problems} name="min_minutes" />
          </label>
          <label>
            {t.studioMaxLength}
            <input {...text('max_minutes')} inputMode="numeric" />
            <FieldProblem problems={problems} name="max_minutes" />
          </label>
          <label>
            {t.studioNotice}
            <input {...text('min_notice_hours')} inputMode="decimal" />
            <FieldProblem problems={problems} name="min_notice_minutes" />
          </label>
          <label>
            {t.studioHorizon}
            <input {...text('horizon_days')} inputMode="numeric" />
            <FieldProblem problems={problems} name="horizon_days" />
          </label>
          <label>
            {t.studioHold}
            <input {...text('hold_minutes')} inputMode="decimal" />
            <span className="muted small">{t.studioHoldNote}</span>
            <FieldProblem problems={problems} name="hold_ttl_seconds" />
          </label>
        </div>
      </fieldset>
      <fieldset>
        <legend>{t.studioCancellation}</legend>
        <div className="inline studio-policy">
          <label>
            {t.studioFullRefundUntil}
            <input {...text('full_refund_hours')} className="narrow" inputMode="numeric" />
          </label>
          <label>
            {t.studioPartialPercent}
            <input {...text('partial_refund_percent')} className="narrow" inputMode="numeric" />
          </label>
          <label>
            {t.studioPartialUntil}
            <input {...text('partial_refund_hours')} className="narrow" inputMode="numeric" />
          </label>
        </div>
        <p className="muted small" data-testid="policy-sentence">
          {t.studioPolicySentence
            .replace('{full}', form.full_refund_hours || '0')
            .replace('{percent}', form.partial_refund_percent || '0')
            .replace('{partial}', form.partial_refund_hours || '0')}
        </p>
        <FieldProblem problems={problems} name="cancellation" />
      </fieldset>
      <ErrorText error={error} />
      {done && (
        <p className="ok-text" role="status">
          {t.orgSaved}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || wrongPhotos.length > 0}>
        {hall ? t.studioSaveHall : t.studioCreateHall}
      </button>
    </form>
  );
}
