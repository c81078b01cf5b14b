import { useEffect, useRef, useState } from 'react';
import { api, ApiError, type Schema } from '../api.ts';
import { useI18n, type Strings } from '../i18n.ts';
import { rememberQueueToken } from '../queue-token.ts';
import { navigate } from '../router.ts';
import { ErrorText, formatDate, formatSeconds, Link, useCountdown, useLoad } from '../ui.tsx';
import './queue.css';

type Place = Schema<'QueuePlace'>;

/** How long the "your turn" screen shows before the buyer is taken to ticket selection. */
const ADMITTED_PAUSE_MS = 2500;

function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}

function waitWords(t: Strings, seconds: number | null): string {
  if (seconds === null) return t.queueEtaUnknown;
  if (seconds < 60) return t.queueLessThanMinute;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return fill(t.queueMinutes, { n: minutes });
  return fill(t.queueHours, { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/**
 * The waiting room (docs/waiting-room.md): joins on arrival (coming back keeps the place within
 * the grace period), then polls every few seconds — polling is what keeps the place. Admitted, it
 * stores the token for the booking requests and takes the buyer to the event's tickets and seats.
 */
export function QueuePage(props: { id: number }) {
  const { t, locale } = useI18n();
  const [place, setPlace] = useState<Place | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [noRoom, setNoRoom] = useState(false);
  const joined = useRef(false);
  const event = useLoad(() => api.get('/api/events/{id}', { path: { id: props.id } }), [props.id]);

  const join = async () => {
    try {
      setPlace(await api.post('/api/events/{id}/queue', { path: { id: props.id } }));
      setError(null);
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'no-waiting-room') setNoRoom(true);
      else setError(caught);
    }
  };
  useEffect(() => {
    if (joined.current) return;
    joined.current = true;
    void join();
  }, [props.id]);
  useEffect(() => {
    if (!place || place.status === 'admitted' || place.status === 'expired' || place.status === 'lapsed') return;
    const refresh = async () => {
      try {
        setPlace(await api.get('/api/events/{id}/queue', { path: { id: props.id } }));
        setError(null);
      } catch (caught) {
        setError(caught);
        setPlace({ ...place }); // try again after the same pause
      }
    };
    const timer = window.setTimeout(() => void refresh(), place.poll_after_seconds * 1000);
    return () => window.clearTimeout(timer);
  }, [place, props.id]);
  useEffect(() => {
    if (place?.status !== 'admitted' || !place.token || !place.token_expires_at) return;
    rememberQueueToken(place.token, place.token_expires_at);
    const timer = window.setTimeout(() => navigate(`/events/${props.id}`), ADMITTED_PAUSE_MS);
    return () => window.clearTimeout(timer);
  }, [place, props.id]);
  const untilOpen = useCountdown(place?.status === 'pre-queue' ? place.on_sale_at : null);

  const title = event.data?.title;
  return (
    <main className="queue-page">
      <p className="muted queue-kicker">{t.queueTitle}</p>
      {title && <h1 className="queue-event">{title}</h1>}
      <ErrorText error={error} />
      {noRoom && (
        <section className="card queue-card" role="status">
          <p>{t.queueNoRoom}</p>
          <Link to={`/events/${props.id}`}>{t.queueBackToEvent}</Link>
        </section>
      )}
      {!place && !noRoom && !error && <p className="muted">{t.queueJoining}</p>}
      {place && <PlaceCard place={place} untilOpen={untilOpen} locale={locale} t={t} eventId={props.id} rejoin={join} />}
    </main>
  );
}

function PlaceCard(props: {
  place: Place;
  untilOpen: number | null;
  locale: string;
  t: Strings;
  eventId: number;
  rejoin: () => Promise<void>;
}) {
  const { place, t, locale } = props;
  const percent = Math.round(place.progress * 100);
  if (place.status === 'pre-queue') {
    return (
      <section className="card queue-card" data-testid="queue-state" data-status={place.status} aria-live="polite">
        <h2>{t.queuePreQueueHead}</h2>
        <p>{fill(t.queuePreQueueNote, { time: place.on_sale_at ? formatDate(place.on_sale_at, locale) : '' })}</p>
        <p className="queue-figure">
          <span className="muted">{t.queueOpensIn}</span>
          <b data-testid="queue-opens-in">{formatSeconds(props.untilOpen ?? 0)}</b>
        </p>
        <p className="muted queue-footnote">{t.queueUpdated}</p>
      </section>
    );
  }
  if (place.status === 'waiting') {
    const minutes = Math.round(place.token_ttl_seconds / 60);
    return (
      <section className="card queue-card" data-testid="queue-state" data-status={place.status} aria-live="polite">
        <h2>{t.queueWaitingHead}</h2>
        <div className="queue-figures">
          <p className="queue-figure">
            <span className="muted">{t.queuePosition}</span>
            <b data-testid="queue-position">{place.position}</b>
          </p>
          <p className="queue-figure">
            <span className="muted">{t.queueAhead}</span>
            <b data-testid="queue-ahead">{place.ahead}</b>
          </p>
          <p className="queue-figure">
            <span className="muted">{t.queueEta}</span>
            <b data-testid="queue-eta">{waitWords(t, place.eta_seconds)}</b>
          </p>
        </div>
        <div
          className="queue-progress"
          role="progressbar"
          aria-label={t.queueProgress}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
        >
          <div className="queue-progress-bar" style={{ width: `${Math.max(percent, 2)}%` }} />
        </div>
        <p>{fill(t.queueWaitingNote, { minutes })}</p>
        <p className="muted queue-footnote">{t.queueUpdated}</p>
      </section>
    );
  }
  if (place.status === 'admitted') {
    return (
      <section
        className="card queue-card queue-admitted"
        data-testid="queue-state"
        data-status={place.status}
        aria-live="assertive"
      >
        <h2>{t.queueAdmittedHead}</h2>
        <div
          className="queue-progress"
          role="progressbar"
          aria-label={t.queueProgress}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={100}
        >
          <div className="queue-progress-bar" style={{ width: '100%' }} />
        </div>
        <p>{fill(t.queueAdmittedNote, { time: place.token_expires_at ? formatDate(place.token_expires_at, locale) : '' })}</p>
        <button type="button" className="primary" onClick={() => navigate(`/events/${props.eventId}`)}>
          {t.queueGoToTickets}
        </button>
      </section>
    );
  }
  const lapsed = place.status === 'lapsed';
  return (
    <section className="card queue-card" data-testid="queue-state" data-status={place.status} aria-live="polite">
      <h2>{lapsed ? t.queueLapsedHead : place.status === 'expired' ? t.queueExpiredHead : t.queueTitle}</h2>
      <p>{lapsed ? t.queueLapsedNote : t.queueExpiredNote}</p>
      <button type="button" className="primary" onClick={() => void props.rejoin()}>
        {t.queueJoinAgain}
      </button>
    </section>
  );
}
