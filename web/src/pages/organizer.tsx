import { useState, type SyntheticEvent } from 'react';
import { api, money, type Availability, type Booking, type SbEvent, type User } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { ErrorText, formatDate, formatSeconds, Link, useCountdown, useLoad } from '../ui.tsx';

interface ZoneForm {
  name: string;
  price: string;
  rows: string;
  seats_per_row: string;
}

const MY_EVENTS = 'sbor.organizer.events';
const MY_BRAND = 'sbor.organizer.slug';

function myEvents(): number[] {
  try {
    return JSON.parse(localStorage.getItem(MY_EVENTS) ?? '[]') as number[];
  } catch {
    return [];
  }
}

function inAWeek(): string {
  const date = new Date(Date.now() + 7 * 86_400_000);
  date.setMinutes(0, 0, 0);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/**
 * The organizer's page: become an organizer, a brand page, then create a seated event with its
 * zones and publish it in one go. Events made here are remembered in this browser (the API has no
 * "my events" list yet); any event can be opened by its number.
 */
export function OrganizerPage() {
  const { t } = useI18n();
  const me = useLoad(() => api<User>('/api/users/me'), []);
  const [slug, setSlug] = useState(localStorage.getItem(MY_BRAND) ?? '');
  const [brandName, setBrandName] = useState('');
  const [event, setEvent] = useState({ title: '', starts_at: inAWeek(), venue: '', hold_ttl_seconds: '600' });
  const [zones, setZones] = useState<ZoneForm[]>([{ name: 'Партер', price: '5000', rows: '5', seats_per_row: '10' }]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [openId, setOpenId] = useState('');

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const becomeOrganizer = () =>
    run(async () => {
      await api('/api/users/me/become-organizer', { method: 'POST' });
      await me.reload();
    });
  const createBrand = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void run(async () => {
      await api('/api/organizers', { method: 'POST', body: { slug, name: brandName || slug } });
      localStorage.setItem(MY_BRAND, slug);
    });
  };
  const createEvent = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void run(async () => {
      const created = await api<SbEvent>('/api/events', {
        method: 'POST',
        body: {
          organizer: slug,
          title: event.title,
          type: 'concert',
          venue: event.venue,
          starts_at: new Date(event.starts_at).toISOString(),
          hold_ttl_seconds: Number(event.hold_ttl_seconds),
        },
      });
      await api(`/api/events/${created.id}/seat-layout`, {
        method: 'POST',
        body: {
          zones: zones.map((zone) => ({
            name: zone.name,
            price: Math.round(Number(zone.price) * 100),
            rows: Number(zone.rows),
            seats_per_row: Number(zone.seats_per_row),
          })),
        },
      });
      await api(`/api/events/${created.id}/publish`, { method: 'POST' });
      localStorage.setItem(MY_EVENTS, JSON.stringify([created.id, ...myEvents()]));
      localStorage.setItem(MY_BRAND, slug);
      navigate(`/organizer/events/${created.id}`);
    });
  };
  const setZone = (index: number, name: keyof ZoneForm, value: string) =>
    setZones(zones.map((zone, at) => (at === index ? { ...zone, [name]: value } : zone)));

  const isOrganizer = me.data && ['organizer', 'admin'].includes(me.data.role);
  return (
    <main>
      <h1>{t.orgTitle}</h1>
      <ErrorText error={me.error} />
      {me.data && !isOrganizer && (
        <button type="button" className="primary" disabled={busy} onClick={() => void becomeOrganizer()}>
          {t.becomeOrganizer}
        </button>
      )}
      {isOrganizer && (
        <>
          <section className="card">
            <h2>{t.myEvents}</h2>
            <ul>
              {myEvents().map((id) => (
                <li key={id}>
                  <Link to={`/organizer/events/${id}`}>#{id}</Link>
                </li>
              ))}
            </ul>
            <form
              className="inline"
              onSubmit={(submitted) => {
                submitted.preventDefault();
                navigate(`/organizer/events/${openId}`);
              }}
            >
              <label>
                {t.eventId}
                <input
                  className="narrow"
                  inputMode="numeric"
                  value={openId}
                  onChange={(e) => setOpenId(e.target.value)}
                  required
                />
              </label>
              <button type="submit">{t.openEvent}</button>
            </form>
          </section>
          <form className="card stack" onSubmit={createBrand}>
            <h2>{t.createBrand}</h2>
            <label>
              {t.brandSlug}
              <input
                name="slug"
                value={slug}
                onChange={(e) => setSlug(e.target.value)}
                pattern="[a-z0-9]+(-[a-z0-9]+)*"
                required
              />
            </label>
            <label>
              {t.brandName}
              <input name="brand" value={brandName} onChange={(e) => setBrandName(e.target.value)} />
            </label>
            <button type="submit" disabled={busy}>
              {t.createBrand}
            </button>
          </form>
          <form className="card stack" onSubmit={createEvent} aria-labelledby="new-event">
            <h2 id="new-event">{t.newEvent}</h2>
            <label>
              {t.brandSlug}
              <input name="organizer" value={slug} onChange={(e) => setSlug(e.target.value)} required />
            </label>
            <label>
              {t.title}
              <input name="title" value={event.title} onChange={(e) => setEvent({ ...event, title: e.target.value })} required />
            </label>
            <div className="inline">
              <label>
                {t.startsAt}
                <input
                  type="datetime-local"
                  name="starts_at"
                  value={event.starts_at}
                  onChange={(e) => setEvent({ ...event, starts_at: e.target.value })}
                  required
                />
              </label>
              <label>
                {t.holdTtl}
                <input
                  type="number"
                  name="hold_ttl_seconds"
                  min={1}
                  className="narrow"
                  value={event.hold_ttl_seconds}
                  onChange={(e) => setEvent({ ...event, hold_ttl_seconds: e.target.value })}
                  required
                />
              </label>
            </div>
            <label>
              {t.venue}
              <input name="venue" value={event.venue} onChange={(e) => setEvent({ ...event, venue: e.target.value })} />
            </label>
            <fieldset>
              <legend>{t.zones}</legend>
              {zones.map((zone, index) => (
                <div className="inline zone" key={index}>
                  <label>
                    {t.zoneName}
                    <input
                      name={`zone-${index}-name`}
                      value={zone.name}
                      onChange={(e) => setZone(index, 'name', e.target.value)}
                      required
                    />
                  </label>
                  <label>
                    {t.price}
                    <input
                      type="number"
                      min={0}
                      className="narrow"
                      name={`zone-${index}-price`}
                      value={zone.price}
                      onChange={(e) => setZone(index, 'price', e.target.value)}
                      required
                    />
                  </label>
                  <label>
                    {t.rows}
                    <input
                      type="number"
                      min={1}
                      className="narrow"
                      name={`zone-${index}-rows`}
                      value={zone.rows}
                      onChange={(e) => setZone(index, 'rows', e.target.value)}
                      required
                    />
                  </label>
                  <label>
                    {t.seatsPerRow}
                    <input
                      type="number"
                      min={1}
                      className="narrow"
                      name={`zone-${index}-seats`}
                      value={zone.seats_per_row}
                      onChange={(e) => setZone(index, 'seats_per_row', e.target.value)}
                      required
                    />
                  </label>
                </div>
              ))}
              <button
                type="button"
                onClick={() =>
                  setZones([...zones, { name: `Zone ${zones.length + 1}`, price: '3000', rows: '5', seats_per_row: '10' }])
                }
              >
                {t.addZone}
              </button>
            </fieldset>
            <ErrorText error={error} />
            <button type="submit" className="primary" disabled={busy}>
              {t.createAndPublish}
            </button>
          </form>
        </>
      )}
    </main>
  );
}

const STATUSES = ['CREATED', 'PENDING', 'CONFIRMED', 'CANCELLED', 'EXPIRED'] as const;

export function OrganizerEventPage(props: { id: number }) {
  const { t, locale } = useI18n();
  const [status, setStatus] = useState('');
  const event = useLoad(() => api<SbEvent>(`/api/events/${props.id}`), [props.id]);
  const availability = useLoad(() => api<Availability>(`/api/events/${props.id}/availability`), [props.id], 2000);
  const bookings = useLoad(
    () => api<Booking[]>(`/api/events/${props.id}/bookings?pageSize=200${status ? `&status=${status}` : ''}`),
    [props.id, status],
    3000,
  );
  const currency = bookings.data?.[0]?.currency ?? 'KZT';
  return (
    <main>
      <h1>{event.data?.title ?? `#${props.id}`}</h1>
      {event.data && (
        <p className="muted">
          {event.data.status} · {formatDate(event.data.starts_at, locale, event.data.timezone)} ·{' '}
          <Link to={`/events/${props.id}`}>{t.seatMap}</Link>
        </p>
      )}
      <ErrorText error={event.error ?? availability.error} />
      {availability.data && (
        <section className="counters" aria-live="polite" data-testid="counters">
          <div>
            <span>{t.free}</span>
            <b data-testid="counter-free">{availability.data.free}</b>
          </div>
          <div>
            <span>{t.held}</span>
            <b data-testid="counter-held">{availability.data.held}</b>
          </div>
          <div>
            <span>{t.sold}</span>
            <b data-testid="counter-sold">{availability.data.sold}</b>
          </div>
          <div>
            <span>{t.revenue}</span>
            <b>{money(availability.data.revenue, currency, locale)}</b>
          </div>
        </section>
      )}
      {availability.data && availability.data.zones.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>{t.zoneName}</th>
              <th>{t.free}</th>
              <th>{t.held}</th>
              <th>{t.sold}</th>
            </tr>
          </thead>
          <tbody>
            {availability.data.zones.map((zone) => (
              <tr key={zone.zone_id}>
                <td>{zone.name}</td>
                <td>{zone.free}</td>
                <td>{zone.held}</td>
                <td>{zone.sold}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t.bookings}</h2>
      <label>
        {t.filter}{' '}
        <select value={status} onChange={(e) => setStatus(e.target.value)} name="status">
          <option value="">{t.all}</option>
          {STATUSES.map((value) => (
            <option key={value} value={value}>
              {t[`status${value}`]}
            </option>
          ))}
        </select>
      </label>
      <ErrorText error={bookings.error} />
      <div className="table-wrap">
        <table className="table" data-testid="bookings-table">
          <thead>
            <tr>
              <th>#</th>
              <th>{t.status}</th>
              <th>{t.expiresIn}</th>
              <th>{t.user}</th>
              <th>{t.seats}</th>
              <th>{t.total}</th>
              <th>{t.created}</th>
            </tr>
          </thead>
          <tbody>
            {bookings.data?.map((booking) => (
              <BookingRow key={booking.id} booking={booking} />
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}

function BookingRow(props: { booking: Booking }) {
  const { t, locale } = useI18n();
  const { booking } = props;
  const open = booking.status === 'CREATED' || booking.status === 'PENDING';
  const left = useCountdown(open ? booking.expires_at : null);
  return (
    <tr>
      <td>{booking.id}</td>
      <td>{t[`status${booking.status}`]}</td>
      <td>{left !== null ? formatSeconds(left) : '—'}</td>
      <td>{booking.user_id}</td>
      <td>{booking.seats.map((seat) => `${seat.row}-${seat.number}`).join(', ') || booking.quantity}</td>
      <td>{money(booking.total_amount, booking.currency, locale)}</td>
      <td>{formatDate(booking.created_at, locale)}</td>
    </tr>
  );
}
