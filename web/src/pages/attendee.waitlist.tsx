import { api, signedIn } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { ErrorText, formatDate, formatSeconds, Link, useAction, useCountdown, useLoad } from '../ui.tsx';
import { isLive, payBooking, type WaitlistEntry } from './attendee.api.ts';
import './attendee.css';

/** My waitlist entries, polled (offers arrive while the page is open). */
export function useMyWaitlist(every: number) {
  return useLoad(() => (signedIn() ? api.get('/api/waitlist', { query: { limit: 200 } }) : Promise.resolve([])), [], every);
}

/** "Join the waitlist" for a sold-out ticket type (ticketTypeId) or the seats of a seated event. */
export function JoinWaitlistButton(props: { eventId: number; ticketTypeId?: number; quantity: number; onJoined: () => void }) {
  const { t } = useI18n();
  const { busy, error, run } = useAction();
  const join = () =>
    run(async () => {
      if (!signedIn()) {
        navigate(`/signin?next=/events/${props.eventId}`);
        return;
      }
      await api.post('/api/events/{id}/waitlist', {
        path: { id: props.eventId },
        body: { quantity: props.quantity, ...(props.ticketTypeId !== undefined ? { ticket_type_id: props.ticketTypeId } : {}) },
      });
      props.onJoined();
    });
  return (
    <>
      <button type="button" disabled={busy || props.quantity < 1} onClick={() => void join()}>
        {t.wlJoin}
      </button>
      <ErrorText error={error} />
    </>
  );
}

/** One entry: status, place in the queue, or the offer with its countdown, Claim and Leave. */
function EntryCard(props: { entry: WaitlistEntry; title?: string; onChange: () => void }) {
  const { t, locale } = useI18n();
  const { entry } = props;
  const left = useCountdown(entry.status === 'OFFERED' ? entry.offer_expires_at : null);
  const { busy, error, run } = useAction();
  const offered = entry.status === 'OFFERED' && entry.booking_id !== null && left !== 0;
  const leave = () =>
    run(async () => {
      await api.delete('/api/waitlist/{id}', { path: { id: entry.id } });
      props.onChange();
    });
  const claim = () =>
    run(async () => {
      if (entry.booking_id !== null) await payBooking(entry.booking_id);
    });
  return (
    <li className={`card waitlist-entry${offered ? ' offer' : ''}`} data-testid="waitlist-entry">
      <div className="row-between">
        {props.title !== undefined && (
          <Link to={`/events/${entry.event_id}`}>
            <b>{props.title}</b>
          </Link>
        )}
        <span className="pill" data-testid="waitlist-status">
          {t[`wlStatus${entry.status}`]}
        </span>
      </div>
      <p className="muted">
        {entry.ticket_type_id === null ? t.wlSeats : t.quantity}: {entry.quantity} · {formatDate(entry.created_at, locale)}
      </p>
      {entry.status === 'WAITING' && entry.position !== null && (
        <p>
          {t.wlPlace}: <b data-testid="waitlist-position">{entry.position}</b>
        </p>
      )}
      {offered && (
        <>
          <p>
            <b>{t.wlOffer}.</b>{' '}
            <span className="countdown" data-testid="offer-countdown" role="timer" aria-live="off">
              {t.wlOfferLeft}: <b>{formatSeconds(left ?? 0)}</b>
            </span>
          </p>
        </>
      )}
      {isLive(entry) && (
        <div className="inline">
          {offered && (
            <button type="button" className="primary" disabled={busy} onClick={() => void claim()}>
              {t.wlClaim}
            </button>
          )}
          <button type="button" disabled={busy} onClick={() => void leave()}>
            {t.wlLeave}
          </button>
          {offered && <Link to={`/bookings/${String(entry.booking_id)}`}>{t.toBooking}</Link>}
        </div>
      )}
      <ErrorText error={error} />
    </li>
  );
}

/** On the event page: my live entries for this event, if any. */
export function MyEventWaitlist(props: { eventId: number; entries: WaitlistEntry[] | undefined; onChange: () => void }) {
  const { t } = useI18n();
  const mine = props.entries?.filter((entry) => entry.event_id === props.eventId && isLive(entry)) ?? [];
  if (mine.length === 0) return null;
  return (
    <section aria-label={t.wlTitle}>
      <p>
        {t.wlJoined} <Link to="/waitlist">{t.wlOpenList}</Link>
      </p>
      <ul className="cards">
        {mine.map((entry) => (
          <EntryCard key={entry.id} entry={entry} onChange={props.onChange} />
        ))}
      </ul>
    </section>
  );
}

export function WaitlistPage() {
  const { t } = useI18n();
  const entries = useMyWaitlist(3000);
  const eventIds = [...new Set(entries.data?.map((entry) => entry.event_id) ?? [])].sort((a, b) => a - b);
  const titles = useLoad(async () => {
    const events = await Promise.all(eventIds.map((id) => api.get('/api/events/{id}', { path: { id } }).catch(() => null)));
    return new Map(events.flatMap((event) => (event ? [[event.id, event.title] as const] : [])));
  }, [eventIds.join(',')]);
  return (
    <main>
      <h1>{t.wlTitle}</h1>
      <ErrorText error={entries.error} />
      {entries.data === undefined ? (
        <p>{t.loading}</p>
      ) : entries.data.length === 0 ? (
        <p>{t.wlEmpty}</p>
      ) : (
        <ul className="cards">
          {entries.data.map((entry) => (
            <EntryCard
              key={entry.id}
              entry={entry}
              title={titles.data?.get(entry.event_id) ?? `#${entry.event_id}`}
              onChange={() => void entries.reload()}
            />
          ))}
        </ul>
      )}
    </main>
  );
}
