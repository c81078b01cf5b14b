import { useEffect, useState } from 'react';
import { api, signedIn, type EventSummary } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { ErrorText, formatDate, Link, useAction, useLoad } from '../ui.tsx';
import { favoriteIds, onFavoritesChange, setFavorite } from './attendee.api.ts';
import { SaleBadge } from './attendee.sale.tsx';
import './attendee.css';

/** The signed-in user's favourite ids (null while loading or signed out), kept live. */
export function useFavoriteIds(): Set<number> | null {
  const [, setTick] = useState(0);
  useEffect(() => onFavoritesChange(() => setTick((tick) => tick + 1)), []);
  return favoriteIds();
}

/** A star that adds the event to favourites or takes it out (signed-out users go to sign in). */
export function FavoriteButton(props: { eventId: number; title?: string }) {
  const { t } = useI18n();
  const ids = useFavoriteIds();
  const { busy, error, run } = useAction();
  const on = ids?.has(props.eventId) ?? false;
  const toggle = async () => {
    if (!signedIn()) {
      navigate(`/signin?next=${encodeURIComponent(window.location.pathname)}`);
      return;
    }
    await run(() => setFavorite(props.eventId, !on));
  };
  const label = on ? t.favRemove : t.favAdd;
  return (
    <span className="fav">
      <button
        type="button"
        className={`fav-button${on ? ' on' : ''}`}
        aria-pressed={on}
        aria-label={props.title ? `${label}: ${props.title}` : label}
        title={label}
        disabled={busy || (signedIn() && ids === null)}
        onClick={() => void toggle()}
      >
        <span aria-hidden="true">{on ? '★' : '☆'}</span>
      </button>
      <ErrorText error={error} />
    </span>
  );
}

/** An event in a list: title (and its state when not on sale), when, where, and its favourite star. */
export function EventCard(props: { event: EventSummary }) {
  const { locale } = useI18n();
  const { event } = props;
  return (
    <li className="card row event-card" data-testid="event-card">
      <span className="stack-tight">
        <span className="row-between">
          <Link to={`/events/${event.id}`}>
            <b>{event.title}</b>
          </Link>
          <SaleBadge event={event} />
        </span>
        <span className="muted">
          {formatDate(event.starts_at, locale, event.timezone)} · {event.venue} · {event.type}
        </span>
      </span>
      <FavoriteButton eventId={event.id} title={event.title} />
    </li>
  );
}

/** Events as cards: "loading" before they arrive, `empty` when there are none. */
export function EventList(props: { events: EventSummary[] | undefined; empty: string }) {
  const { t } = useI18n();
  if (props.events === undefined) return <p>{t.loading}</p>;
  if (props.events.length === 0) return <p>{props.empty}</p>;
  return (
    <ul className="cards">
      {props.events.map((event) => (
        <EventCard key={event.id} event={event} />
      ))}
    </ul>
  );
}

export function FavoritesPage() {
  const { t } = useI18n();
  const ids = useFavoriteIds();
  const { data, error } = useLoad(() => api.get('/api/users/me/favorites'), []);
  // A star taken off here takes the card away at once.
  const shown = data?.filter((event) => ids === null || ids.has(event.id));
  return (
    <main>
      <h1>{t.favTitle}</h1>
      <ErrorText error={error} />
      <EventList events={shown} empty={t.favEmpty} />
    </main>
  );
}
