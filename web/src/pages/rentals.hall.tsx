import { useEffect, useMemo, useState } from 'react';
import { api, money } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ErrorText, useLoad } from '../ui.tsx';
import {
  addDays,
  dayLabel,
  isDate,
  localDateOf,
  mondayOf,
  parseExtras,
  QUARTER_MS,
  rangeLabel,
  studioOf,
  todayIn,
  WEEKDAY_KEYS,
  type ExtraChoice,
  type Hall,
  type HallAvailability,
} from './rentals.api.ts';
import { BookingPanel } from './rentals.book.tsx';
import { GridLegend, WeekGrid, type Selection } from './rentals.grid.tsx';
import { Crumbs, PolicyWords, useNarrow } from './rentals.ui.tsx';

/** Availability is asked again this often, and whenever the tab comes back into view. */
const REFRESH_MS = 15_000;

/** What the renter chose, kept in the address so signing in (or a reload) brings it back. */
function readChoice(query: URLSearchParams) {
  const from = Date.parse(query.get('from') ?? '');
  const to = Date.parse(query.get('to') ?? '');
  const selection = Number.isFinite(from) && Number.isFinite(to) && from < to ? { from, to } : null;
  return { week: query.get('week'), day: query.get('day'), selection, extras: parseExtras(query.get('extras')) };
}

function writeChoice(week: string, day: string, selection: Selection | null, extras: ExtraChoice) {
  const query = new URLSearchParams({ week, day });
  if (selection) {
    query.set('from', new Date(selection.from).toISOString());
    query.set('to', new Date(selection.to).toISOString());
  }
  const list = Object.entries(extras)
    .filter(([, quantity]) => quantity > 0)
    .map(([id, quantity]) => `${id}:${quantity}`);
  if (list.length) query.set('extras', list.join(','));
  window.history.replaceState(null, '', `${window.location.pathname}?${query.toString()}`);
}

/** Why the selection cannot be booked as it is, before asking the server (which judges anyway). */
function selectionProblem(selection: Selection, availability: HallAvailability, hall: Hall): string | null {
  const status = new Map<number, string>();
  for (const day of availability.days) for (const slot of day.slots) status.set(Date.parse(slot.starts_at), slot.status);
  for (let at = selection.from; at < selection.to; at += QUARTER_MS) {
    const found = status.get(at);
    if (found === undefined) return 'rentPickClosed';
    if (found !== 'free') return 'rentPickTaken';
  }
  const minutes = (selection.to - selection.from) / 60_000;
  if (minutes < hall.min_minutes || minutes > hall.max_minutes) return 'rentPickLength';
  return null;
}

export function HallPage(props: { id: number; query: URLSearchParams }) {
  const { t, locale } = useI18n();
  // Read once: the page keeps the address in step with the choice from then on.
  const [initial] = useState(() => readChoice(props.query));
  const hall = useLoad(() => api.get('/api/halls/{id}', { path: { id: props.id } }), [props.id]);
  const zone = hall.data?.timezone;
  const studio = useLoad(async () => (hall.data ? studioOf(hall.data.organizer_id) : undefined), [hall.data?.organizer_id]);
  const today = zone ? todayIn(zone) : null;
  const [week, setWeek] = useState<string | null>(isDate(initial.week) ? mondayOf(initial.week) : null);
  const [day, setDay] = useState<string | null>(isDate(initial.day) ? initial.day : null);
  const [selection, setSelection] = useState<Selection | null>(initial.selection);
  const [extras, setExtras] = useState<ExtraChoice>(initial.extras);
  const narrow = useNarrow();
  const shownWeek = week ?? (today ? mondayOf(today) : null);
  const dates = useMemo(() => (shownWeek ? WEEKDAY_KEYS.map((_, index) => addDays(shownWeek, index)) : []), [shownWeek]);
  // The day shown on a phone: the one picked, else the selection's, else today's, else Monday.
  const selectedDay = selection && zone ? localDateOf(selection.from, zone) : null;
  const shownDay =
    [day, selectedDay, today].find((candidate): candidate is string => !!candidate && dates.includes(candidate)) ??
    dates[0] ??
    '';

  const availability = useLoad(
    async () =>
      shownWeek
        ? api.get('/api/halls/{id}/availability', {
            path: { id: props.id },
            query: { from: shownWeek, to: addDays(shownWeek, 6) },
          })
        : undefined,
    [props.id, shownWeek],
    REFRESH_MS,
  );
  const { reload } = availability;
  useEffect(() => {
    const again = () => {
      if (document.visibilityState === 'visible') void reload();
    };
    window.addEventListener('focus', again);
    document.addEventListener('visibilitychange', again);
    return () => {
      window.removeEventListener('focus', again);
      document.removeEventListener('visibilitychange', again);
    };
  }, [reload]);
  useEffect(() => {
    if (shownWeek) writeChoice(shownWeek, shownDay, selection, extras);
  }, [shownWeek, shownDay, selection, extras]);
  useEffect(() => {
    if (hall.data) document.title = `${hall.data.name} — Sbor`;
  }, [hall.data]);

  const data = hall.data;
  if (!data)
    return (
      <main>
        <ErrorText error={hall.error} />
        {!hall.error && <p className="muted">{t.loading}</p>}
      </main>
    );
  const problem = selection && availability.data ? selectionProblem(selection, availability.data, data) : null;
  const goWeek = (delta: number) => {
    if (!shownWeek) return;
    setWeek(addDays(shownWeek, 7 * delta));
    setDay(null);
  };
  const fromPrice = data.tariff?.bands.reduce((low, band) => Math.min(low, band.price_per_hour), Infinity);
  return (
    <main className="rent-page">
      <Crumbs
        trail={[
          { to: '/studios', label: t.rentStudios },
          ...(studio.data ? [{ to: `/studios/${studio.data.slug}`, label: studio.data.name }] : []),
          { label: data.name },
        ]}
      />
      <h1>{data.name}</h1>
      <div className="rent-hall-top">
        <HallFacts hall={data} />
        {data.photos.length > 0 && (
          <div className="rent-photos">
            {data.photos.map((photo) => (
              <img key={photo} src={photo} alt={data.name} loading="lazy" />
            ))}
          </div>
        )}
      </div>

      <div className="rent-book-layout">
        <section aria-labelledby="rent-when">
          <h2 id="rent-when">{t.rentPickTime}</h2>
          <p className="muted small">
            {t.rentTimesIn} <b data-testid="hall-zone">{data.timezone}</b>. {narrow ? t.rentHowToPickPhone : t.rentHowToPick}
            {fromPrice !== undefined && Number.isFinite(fromPrice) && data.tariff && (
              <>
                {' '}
                · {t.rentFrom} {money(fromPrice, data.tariff.currency, locale)}
                {t.rentPerHour}
              </>
            )}
          </p>
          <div className="rent-weekbar">
            <button type="button" onClick={() => goWeek(-1)} disabled={!!today && !!shownWeek && shownWeek <= mondayOf(today)}>
              ← {t.rentPrevWeek}
            </button>
            <b data-testid="week-label">
              {dates[0] && dayLabel(dates[0], locale)} – {dates[6] && dayLabel(dates[6], locale)}
            </b>
            <button type="button" onClick={() => goWeek(1)}>
              {t.rentNextWeek} →
            </button>
          </div>
          {narrow && (
            <div className="rent-daypicker" role="tablist" aria-label={t.rentDay}>
              {dates.map((date) => (
                <button
                  type="button"
                  role="tab"
                  key={date}
                  aria-selected={date === shownDay}
                  className={date === shownDay ? 'on' : ''}
                  onClick={() => setDay(date)}
                >
                  {dayLabel(date, locale)}
                </button>
              ))}
            </div>
          )}
          <GridLegend />
          <ErrorText error={availability.error} />
          {availability.data ? (
            <WeekGrid
              availability={availability.data}
              timeZone={data.timezone}
              dates={narrow ? [shownDay] : dates}
              selection={selection}
              onSelect={setSelection}
            />
          ) : (
            !availability.error && <p className="muted">{t.loading}</p>
          )}
        </section>

        <BookingPanel
          hall={data}
          studioSlug={studio.data?.slug}
          selection={selection}
          problem={problem ? t[problem as keyof typeof t] : null}
          extras={extras}
          onExtras={setExtras}
          onClear={() => setSelection(null)}
          onTaken={() => void reload()}
        />
      </div>
      {narrow && selection && (
        <div className="rent-phone-bar" data-testid="phone-bar">
          <b>{rangeLabel(new Date(selection.from).toISOString(), new Date(selection.to).toISOString(), data.timezone, locale)}</b>
          <button type="button" onClick={() => document.getElementById('rent-panel')?.scrollIntoView({ behavior: 'smooth' })}>
            {t.rentToPanel} ↓
          </button>
        </div>
      )}

      <HallRules hall={data} />
    </main>
  );
}

function HallFacts(props: { hall: Hall }) {
  const { t } = useI18n();
  const hall = props.hall;
  return (
    <div className="rent-facts">
      {hall.description && <p>{hall.description}</p>}
      <ul className="rent-chips">
        {hall.capacity !== null && (
          <li>
            {t.rentCapacity}: {hall.capacity}
          </li>
        )}
        {hall.area_sq_m !== null && <li>{hall.area_sq_m} m²</li>}
        <li>
          {t.rentMinLength}: {hall.min_minutes} {t.rentMinutesShort}
        </li>
        {hall.buffer_minutes > 0 && (
          <li>
            {t.rentBuffer}: {hall.buffer_minutes} {t.rentMinutesShort}
          </li>
        )}
      </ul>
    </div>
  );
}

/** Opening hours, the tariff in words and the policy: what a renter reads before paying. */
function HallRules(props: { hall: Hall }) {
  const { t, locale } = useI18n();
  const { hall } = props;
  const dayName = (key: string) => t[`rentDay_${key}` as keyof typeof t];
  const currency = hall.tariff?.currency ?? '';
  return (
    <section className="rent-rules" aria-labelledby="rent-rules">
      <h2 id="rent-rules">{t.rentRules}</h2>
      <div className="rent-rules-grid">
        <div>
          <h3>{t.rentHours}</h3>
          <ul className="plain" data-testid="opening-hours">
            {WEEKDAY_KEYS.map((key) => {
              const hours = hall.opening_hours[key];
              return (
                <li key={key}>
                  <span className="rent-dayname">{dayName(key)}</span>{' '}
                  {hours ? `${hours.open}–${hours.close}` : <span className="muted">{t.rentClosed}</span>}
                </li>
              );
            })}
          </ul>
          <p className="muted small">
            {t.rentTimesIn} {hall.timezone}
          </p>
        </div>
        <div>
          <h3>{t.rentPrices}</h3>
          {hall.tariff ? (
            <ul className="plain" data-testid="tariff">
              {hall.tariff.bands.map((band, index) => (
                <li key={index}>
                  <b>{band.name}</b>: {band.days.map(dayName).join(', ')}, {band.from}–{band.to} —{' '}
                  {money(band.price_per_hour, currency, locale)}
                  {t.rentPerHour}
                </li>
              ))}
              {hall.tariff.minimum_charge > 0 && (
                <li>
                  {t.rentMinimumCharge}: {money(hall.tariff.minimum_charge, hall.tariff.currency, locale)}
                </li>
              )}
              {hall.tariff.holidays.map((holiday) => (
                <li key={holiday.date} className="muted">
                  {holiday.date}: {t.rentHolidayPriced} «{holiday.band}»
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t.rentNotPriced}</p>
          )}
        </div>
        <div>
          <h3>{t.rentCancellation}</h3>
          <PolicyWords hall={hall} />
          {hall.closures.length > 0 && (
            <>
              <h3>{t.rentClosures}</h3>
              <ul className="plain">
                {hall.closures.map((closure) => (
                  <li key={closure.id}>
                    {closure.starts_on} – {closure.ends_on}
                    {closure.reason && ` (${closure.reason})`}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </div>
    </section>
  );
}
