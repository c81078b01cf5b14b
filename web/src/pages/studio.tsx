import type { ReactNode } from 'react';
import { api, money } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { match } from '../router.ts';
import { ErrorText, Link, useLoad } from '../ui.tsx';
import { StudioCalendarPage } from './studio.calendar.tsx';
import { ExtrasEditor } from './studio.extras.tsx';
import { HallEditorPage } from './studio.hall.tsx';
import { WEEKDAYS, type Hall } from './studio.api.ts';
import { rememberBrand } from './organizer.api.ts';
import './organizer.css';
import './studio.css';

/** The studio pages' routes (all under /organizer, so they need a signed-in user); null for other paths. */
export function studioPage(path: string, query: URLSearchParams): ReactNode {
  let params = match('/organizer/studio/:slug', path);
  if (params) return <StudioPage key={params.slug} slug={params.slug ?? ''} />;
  params = match('/organizer/studio/:slug/halls/new', path);
  if (params) return <HallEditorPage key={`new-${params.slug}`} slug={params.slug ?? ''} />;
  params = match('/organizer/studio/:slug/calendar', path);
  if (params) return <StudioCalendarPage key={params.slug} slug={params.slug ?? ''} week={query.get('week') ?? ''} />;
  params = match('/organizer/studio/:slug/halls/:id', path);
  if (params) return <HallEditorPage key={params.id} id={Number(params.id)} slug={params.slug ?? ''} />;
  return null;
}

/** Whether the signed-in user runs the studio (owner or manager of its team, or an admin); undefined while loading. */
export function useStudioManager(slug: string): { manager: boolean | undefined; name: string | undefined } {
  const me = useLoad(() => api.get('/api/users/me'), []);
  const brands = useLoad(() => api.get('/api/users/me/organizers'), []);
  const brand = brands.data?.find((known) => known.slug === slug);
  if (!me.data || !brands.data) return { manager: undefined, name: undefined };
  return {
    manager: me.data.role === 'admin' || brand?.role === 'owner' || brand?.role === 'manager',
    name: brand?.name,
  };
}

/** The trail above every studio page: organizer → studio → (this page). */
export function StudioTrail(props: { slug: string; name?: string; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <nav className="inline studio-trail" aria-label={t.studioTrail}>
      <Link to="/organizer">{t.orgTitle}</Link>
      <span aria-hidden="true">›</span>
      <Link to={`/organizer/studio/${props.slug}`}>
        {t.studioHalls}
        {props.name ? `: ${props.name}` : ''}
      </Link>
      {props.children && <span aria-hidden="true">›</span>}
      {props.children}
    </nav>
  );
}

/** Said instead of an editor to someone who is not on the studio's team. */
export function NotOnTeam() {
  const { t } = useI18n();
  return (
    <p className="error" role="alert">
      {t.studioNotOnTeam}
    </p>
  );
}

/** Opening hours in one line: "Mon–Fri 09:00–23:00, Sat all day, Sun closed". */
export function hoursSummary(hall: Hall, t: ReturnType<typeof useI18n>['t']): string {
  const words = WEEKDAYS.map((day) => {
    const hours = hall.opening_hours[day];
    if (!hours) return t.studioClosed;
    if (hours.open === '00:00' && hours.close === '24:00') return t.studioAllDay;
    return `${hours.open}–${hours.close}`;
  });
  const parts: string[] = [];
  let start = 0;
  for (let index = 1; index <= WEEKDAYS.length; index++) {
    if (index < WEEKDAYS.length && words[index] === words[start]) continue;
    const first = t[`studioDay${WEEKDAYS[start] ?? 'mon'}`];
    const last = t[`studioDay${WEEKDAYS[index - 1] ?? 'sun'}`];
    parts.push(`${start === index - 1 ? first : `${first}–${last}`} ${words[start]}`);
    start = index;
  }
  return parts.join(', ');
}

/** A studio's halls and extras for its team: the way into each hall's editor, the calendar, and adding halls. */
export function StudioPage(props: { slug: string }) {
  const { t, locale } = useI18n();
  const { manager, name } = useStudioManager(props.slug);
  const halls = useLoad(async () => {
    const loaded = await api.get('/api/organizers/{slug}/halls', { path: { slug: props.slug } });
    rememberBrand(props.slug);
    return loaded;
  }, [props.slug]);
  return (
    <main>
      <StudioTrail slug={props.slug} name={name} />
      <h1>
        {t.studioHalls}: {name ?? props.slug}
      </h1>
      {manager === false && <NotOnTeam />}
      {manager && (
        <p className="inline">
          <Link to={`/organizer/studio/${props.slug}/calendar`} className="button-link primary">
            {t.studioCalendar}
          </Link>
          <Link to={`/organizer/studio/${props.slug}/halls/new`} className="button-link">
            + {t.studioAddHall}
          </Link>
        </p>
      )}
      <section className="card" aria-labelledby="studio-halls">
        <h2 id="studio-halls">{t.studioHallList}</h2>
        <ErrorText error={halls.error} />
        {!halls.data && !halls.error && <p className="muted">{t.loading}</p>}
        {halls.data?.length === 0 && <p className="muted">{t.studioNoHalls}</p>}
        {halls.data && halls.data.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="studio-halls">
              <thead>
                <tr>
                  <th>{t.studioHallName}</th>
                  <th>{t.studioOpeningHours}</th>
                  <th>{t.studioPrices}</th>
                  <th>{t.studioClosures}</th>
                </tr>
              </thead>
              <tbody>
                {halls.data.map((hall) => (
                  <tr key={hall.id}>
                    <td>
                      {manager ? <Link to={`/organizer/studio/${props.slug}/halls/${hall.id}`}>{hall.name}</Link> : hall.name}
                      <div className="muted small">{hall.timezone}</div>
                    </td>
                    <td>{hoursSummary(hall, t)}</td>
                    <td>
                      {hall.tariff ? (
                        hall.tariff.bands
                          .map(
                            (band) =>
                              `${band.name}: ${money(band.price_per_hour, hall.tariff?.currency ?? 'KZT', locale)}${t.studioPerHour}`,
                          )
                          .join('; ')
                      ) : (
                        <span className="warn-text">{t.studioNoTariff}</span>
                      )}
                    </td>
                    <td>
                      {hall.closures.length === 0 ? '—' : hall.closures.map((c) => `${c.starts_on}–${c.ends_on}`).join(', ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {manager && <ExtrasEditor slug={props.slug} />}
    </main>
  );
}
