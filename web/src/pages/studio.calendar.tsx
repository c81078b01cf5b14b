import { useEffect, useState, type MouseEvent } from 'react';
import { api, money } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { ErrorText, useLoad } from '../ui.tsx';
import { addDays, minutesOf, mondayOf, todayIn, wallTime, WEEKDAYS, type Hall, type Rental } from './studio.api.ts';
import { BlockForm, type BlockDraft } from './studio.block.tsx';
import { RentalPanel } from './studio.rental.tsx';
import { NotOnTeam, StudioTrail, useStudioManager } from './studio.tsx';

/** Pixels per hour of the grid. */
const HOUR_PX = 44;
const PHONE = '(max-width: 700px)';

function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(PHONE).matches);
  useEffect(() => {
    const query = window.matchMedia(PHONE);
    const listener = () => setNarrow(query.matches);
    query.addEventListener('change', listener);
    return () => query.removeEventListener('change', listener);
  }, []);
  return narrow;
}

const weekdayOf = (date: string) => WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7] ?? 'mon';

/**
 * The hours the grid shows for a hall: from its earliest opening to its latest closing (whole
 * hours), days open all day aside — they would stretch every week to 24 hours — and widened to
 * whatever the week's rentals and blocks cover.
 */
function hourRange(hall: Hall, rentals: Rental[], days: string[]): [number, number] {
  const spans = WEEKDAYS.flatMap((day) => {
    const hours = hall.opening_hours[day];
    if (!hours || (hours.open === '00:00' && hours.close === '24:00')) return [];
    return [[minutesOf(hours.open), minutesOf(hours.close)] as const];
  });
  for (const rental of rentals)
    for (const date of days) {
      const part = onDate(rental.starts_at, rental.buffer_until, date, hall.timezone);
      if (part) spans.push(part);
    }
  if (spans.length === 0) return [0, 24];
  return [Math.floor(Math.min(...spans.map(([from]) => from)) / 60), Math.ceil(Math.max(...spans.map(([, to]) => to)) / 60)];
}

/** The part of [from, to) that falls on the local `date`, in minutes since its midnight; null when none. */
function onDate(from: string, to: string, date: string, timeZone: string): [number, number] | null {
  const start = wallTime(from, timeZone);
  const end = wallTime(to, timeZone);
  if (start.date > date || end.date < date) return null;
  const top = start.date === date ? start.minutes : 0;
  const bottom = end.date === date ? end.minutes : 1440;
  return bottom > top ? [top, bottom] : null;
}

const clock = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const LIVE = new Set<Rental['status']>(['PENDING', 'CONFIRMED', 'COMPLETED']);
/** Rentals whose buffer still keeps the hall free (the exclusion constraint's statuses). */
const OCCUPYING = new Set<Rental['status']>(['PENDING', 'CONFIRMED']);

/**
 * A studio's week across all its halls (`/organizer/studio/:slug/calendar?week=YYYY-MM-DD`): each
 * hall's days in its own time zone, rentals by status, blocks, buffers after rentals, closed hours
 * and closures. A rental opens its detail with the team's actions; a click on free time starts a
 * block there. At phone width: one hall and one day at a time.
 */
export function StudioCalendarPage(props: { slug: string; week: string }) {
  const { t, locale } = useI18n();
  const { manager, name } = useStudioManager(props.slug);
  const narrow = useNarrow();
  const halls = useLoad(() => api.get('/api/organizers/{slug}/halls', { path: { slug: props.slug } }), [props.slug]);
  const zone = halls.data?.[0]?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const today = todayIn(zone);
  const monday = mondayOf(/^\d{4}-\d{2}-\d{2}$/.test(props.week) ? props.week : today);
  const days = Array.from({ length: 7 }, (_, index) => addDays(monday, index));
  const [hallId, setHallId] = useState<number | 'all'>('all');
  // At phone width one day shows: the one the link named, else today, else Monday.
  const [dayIndex, setDayIndex] = useState(
    days.includes(props.week) ? days.indexOf(props.week) : Math.max(0, days.indexOf(today)),
  );
  const [showCancelled, setShowCancelled] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  const [draft, setDraft] = useState<BlockDraft | null>(null);
  const rentals = useLoad(
    async () => {
      if (!halls.data || manager !== true) return new Map<number, Rental[]>();
      const lists = await Promise.all(
        halls.data.map((hall) =>
          api.get('/api/halls/{id}/rentals', { path: { id: hall.id }, query: { from: monday, to: addDays(monday, 6) } }),
        ),
      );
      return new Map(halls.data.map((hall, index) => [hall.id, lists[index] ?? []]));
    },
    [halls.data, monday, manager],
    15_000,
  );
  const hallsShown = (halls.data ?? []).filter((hall) =>
    narrow ? hall.id === (hallId === 'all' ? halls.data?.[0]?.id : hallId) : hallId === 'all' || hall.id === hallId,
  );
  const daysShown = narrow ? [days[dayIndex] ?? monday] : days;
  const selectedRental =
    selected === null ? undefined : [...(rentals.data?.values() ?? [])].flat().find((rental) => rental.id === selected);
  const selectedHall = halls.data?.find((hall) => hall.id === selectedRental?.hall_id);
  const goWeek = (date: string) => navigate(`/organizer/studio/${props.slug}/calendar?week=${date}`);
  const dayLabel = (date: string) =>
    new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
      new Date(`${date}T00:00:00Z`),
    );
  return (
    <main className="studio-calendar-page">
      <StudioTrail slug={props.slug} name={name}>
        <span>{t.studioCalendar}</span>
      </StudioTrail>
      <h1>
        {t.studioCalendar}: {dayLabel(monday)} – {dayLabel(addDays(monday, 6))}
      </h1>
      {manager === false && <NotOnTeam />}
      <ErrorText error={halls.error ?? rentals.error} />
      {manager && halls.data?.length === 0 && <p className="muted">{t.studioNoHalls}</p>}
      {manager && halls.data && halls.data.length > 0 && (
        <>
          <div className="inline studio-toolbar">
            <button type="button" onClick={() => goWeek(addDays(monday, -7))} aria-label={t.studioPrevWeek}>
              ←
            </button>
            <button type="button" onClick={() => goWeek(today)}>
              {t.studioThisWeek}
            </button>
            <button type="button" onClick={() => goWeek(addDays(monday, 7))} aria-label={t.studioNextWeek}>
              →
            </button>
            <label>
              <span className="sr-only">{t.studioHall}</span>
              <select
                name="calendar-hall"
                aria-label={t.studioHall}
                value={String(hallId)}
                onChange={(e) => setHallId(e.target.value === 'all' ? 'all' : Number(e.target.value))}
              >
                {!narrow && <option value="all">{t.studioAllHalls}</option>}
                {halls.data.map((hall) => (
                  <option key={hall.id} value={hall.id}>
                    {hall.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="org-check">
              <input type="checkbox" checked={showCancelled} onChange={(e) => setShowCancelled(e.target.checked)} />
              {t.studioShowCancelled}
            </label>
            <button
              type="button"
              className="primary"
              onClick={() =>
                setDraft({
                  hallId: hallsShown[0]?.id ?? halls.data?.[0]?.id ?? 0,
                  date: daysShown[0] ?? monday,
                  from: '10:00',
                  to: '11:00',
                })
              }
            >
              {t.studioBlockTime}
            </button>
          </div>
          {narrow && (
            <div className="studio-day-tabs" role="tablist" aria-label={t.date}>
              {days.map((date, index) => (
                <button
                  key={date}
                  type="button"
                  role="tab"
                  aria-selected={index === dayIndex}
                  className={index === dayIndex ? 'current' : ''}
                  onClick={() => setDayIndex(index)}
                >
                  {dayLabel(date)}
                </button>
              ))}
            </div>
          )}
          <Legend />
          {draft && (
            <BlockForm
              halls={halls.data}
              draft={draft}
              onClose={() => setDraft(null)}
              onDone={async () => {
                setDraft(null);
                await rentals.reload();
              }}
            />
          )}
          {selectedRental && selectedHall && (
            <RentalPanel
              key={selectedRental.id}
              rental={selectedRental}
              hall={selectedHall}
              slug={props.slug}
              onChanged={rentals.reload}
              onClose={() => setSelected(null)}
            />
          )}
          {!rentals.data && !rentals.error && <p className="muted">{t.loading}</p>}
          {hallsShown.map((hall) => (
            <HallWeek
              key={hall.id}
              hall={hall}
              days={daysShown}
              dayLabel={dayLabel}
              today={today}
              rentals={(rentals.data?.get(hall.id) ?? []).filter((rental) => showCancelled || LIVE.has(rental.status))}
              onPick={(rental) => setSelected(rental.id)}
              onFree={(date, minutes) =>
                setDraft({ hallId: hall.id, date, from: clock(minutes), to: clock(Math.min(1440, minutes + 60)) })
              }
            />
          ))}
        </>
      )}
    </main>
  );
}

function Legend() {
  const { t } = useI18n();
  return (
    <p className="studio-legend" aria-label={t.studioLegend}>
      <span className="studio-item pending">{t.studioStatusPENDING}</span>
      <span className="studio-item confirmed">{t.studioStatusCONFIRMED}</span>
      <span className="studio-item completed">{t.studioStatusCOMPLETED}</span>
      <span className="studio-item cancelled">{t.studioStatusCANCELLED}</span>
      <span className="studio-item block">{t.studioBlocked}</span>
      <span className="studio-item buffer">{t.studioBufferShort}</span>
      <span className="studio-item closed-sample">{t.studioClosed}</span>
    </p>
  );
}

function HallWeek(props: {
  hall: Hall;
  days: string[];
  dayLabel: (date: string) => string;
  today: string;
  rentals: Rental[];
  onPick: (rental: Rental) => void;
  onFree: (date: string, minutes: number) => void;
}) {
  const { t, locale } = useI18n();
  const { hall } = props;
  const [first, last] = hourRange(hall, props.rentals, props.days);
  const height = (last - first) * HOUR_PX;
  const y = (minutes: number) => ((Math.min(Math.max(minutes, first * 60), last * 60) - first * 60) / 60) * HOUR_PX;
  const clickFree = (date: string) => (event: MouseEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) return;
    const offset = event.nativeEvent.offsetY;
    props.onFree(date, first * 60 + Math.floor(((offset / HOUR_PX) * 60) / 15) * 15);
  };
  return (
    <section className="card studio-hall-week" aria-label={hall.name} data-testid={`calendar-hall-${hall.id}`}>
      <h2>
        {hall.name} <span className="muted small">· {t.studioTimesIn.replace('{zone}', hall.timezone)}</span>
      </h2>
      <div className="studio-grid" style={{ gridTemplateColumns: `3.2rem repeat(${props.days.length}, minmax(0, 1fr))` }}>
        <div />
        {props.days.map((date) => (
          <div key={date} className={date === props.today ? 'studio-day-head today' : 'studio-day-head'}>
            {props.dayLabel(date)}
          </div>
        ))}
        <div className="studio-hours-axis" style={{ height }}>
          {Array.from({ length: last - first }, (_, index) => (
            <span key={index} style={{ top: index * HOUR_PX }}>
              {clock((first + index) * 60)}
            </span>
          ))}
        </div>
        {props.days.map((date) => {
          const hours = hall.opening_hours[weekdayOf(date)];
          const closure = hall.closures.find((c) => c.starts_on <= date && date <= c.ends_on);
          return (
            <div
              key={date}
              className="studio-day-column"
              style={{ height, backgroundSize: `100% ${HOUR_PX}px` }}
              onClick={clickFree(date)}
              data-date={date}
              title={t.studioClickToBlock}
            >
              {!hours && <div className="studio-closed" style={{ top: 0, height }} />}
              {hours && minutesOf(hours.open) > first * 60 && (
                <div className="studio-closed" style={{ top: 0, height: y(minutesOf(hours.open)) }} />
              )}
              {hours && minutesOf(hours.close) < last * 60 && (
                <div
                  className="studio-closed"
                  style={{ top: y(minutesOf(hours.close)), height: height - y(minutesOf(hours.close)) }}
                />
              )}
              {closure && (
                <div className="studio-closed closure" style={{ top: 0, height }}>
                  {t.studioClosed}
                  {closure.reason ? `: ${closure.reason}` : ''}
                </div>
              )}
              {props.rentals.map((rental) => {
                const buffer =
                  OCCUPYING.has(rental.status) && rental.buffer_until > rental.ends_at
                    ? onDate(rental.ends_at, rental.buffer_until, date, hall.timezone)
                    : null;
                const part = onDate(rental.starts_at, rental.ends_at, date, hall.timezone);
                return [
                  buffer && (
                    <div
                      key={`buffer-${rental.id}`}
                      className="studio-item buffer"
                      style={{ top: y(buffer[0]), height: y(buffer[1]) - y(buffer[0]) }}
                      title={t.studioBufferShort}
                    />
                  ),
                  part && (
                    <button
                      type="button"
                      key={rental.id}
                      className={`studio-item ${rental.kind === 'block' ? 'block' : rental.status.toLowerCase()}`}
                      style={{ top: y(part[0]), height: Math.max(18, y(part[1]) - y(part[0])) }}
                      onClick={() => props.onPick(rental)}
                      data-testid={`calendar-rental-${rental.id}`}
                    >
                      <b>
                        {clock(part[0])}–{part[1] === 1440 ? '24:00' : clock(part[1])}
                      </b>{' '}
                      {rental.kind === 'block'
                        ? `${t.studioBlocked}${rental.note ? `: ${rental.note}` : ''}`
                        : `#${rental.id} · ${t[`studioStatus${rental.status}`]} · ${money(rental.total, rental.currency, locale)}`}
                    </button>
                  ),
                ];
              })}
            </div>
          );
        })}
      </div>
    </section>
  );
}
