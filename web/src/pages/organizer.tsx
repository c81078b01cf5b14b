import { useState, type SyntheticEvent } from 'react';
import { api, money, type Booking, type RequestBody } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { ErrorText, formatDate, formatSeconds, Link, useAction, useCountdown, useLoad } from '../ui.tsx';
import { currentBrand, rememberBrand } from './organizer.api.ts';
import { PromoCodesSection } from './organizer.promo.tsx';
import { ProviderPanel, useSeatOwnership, withheldSeats } from './organizer.provider.tsx';
import { WaitingRoomSection } from './organizer.queue.tsx';
import './organizer.css';

export interface ZoneForm {
  name: string;
  price: string;
  rows: string;
  seats_per_row: string;
}

export const FIRST_ZONE: ZoneForm = { name: 'Партер', price: '5000', rows: '5', seats_per_row: '10' };

/** The seat-layout request from the zone rows of a form (prices typed in major units). */
export function layoutBody(zones: ZoneForm[]): RequestBody<'/api/events/{id}/seat-layout', 'post'> {
  return {
    zones: zones.map((zone) => ({
      name: zone.name,
      price: Math.round(Number(zone.price) * 100),
      rows: Number(zone.rows),
      seats_per_row: Number(zone.seats_per_row),
    })),
  };
}

/** Zones of a seat layout: name, price, rows and seats per row each, and a button to add one. */
export function ZonesFieldset(props: { zones: ZoneForm[]; setZones: (zones: ZoneForm[]) => void }) {
  const { t } = useI18n();
  const { zones, setZones } = props;
  const setZone = (index: number, name: keyof ZoneForm, value: string) =>
    setZones(zones.map((zone, at) => (at === index ? { ...zone, [name]: value } : zone)));
  return (
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
        onClick={() => setZones([...zones, { name: `Zone ${zones.length + 1}`, price: '3000', rows: '5', seats_per_row: '10' }])}
      >
        {t.addZone}
      </button>
    </fieldset>
  );
}

export function inAWeek(): string {
  const date = new Date(Date.now() + 7 * 86_400_000);
  date.setMinutes(0, 0, 0);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/**
 * The organizer's page: become an organizer, a brand page, the current brand's events (all
 * statuses, from the API), a draft flow or a seated event with its zones published in one go. The
 * brands to choose from are the ones the user is on the team of; the current one is remembered.
 */
export function OrganizerPage() {
  const { t, locale } = useI18n();
  const me = useLoad(() => api.get('/api/users/me'), []);
  const [slug, setSlug] = useState(currentBrand());
  const [brand, setBrand] = useState(currentBrand());
  const [brandInput, setBrandInput] = useState(currentBrand());
  const [brandName, setBrandName] = useState('');
  const [event, setEvent] = useState({ title: '', starts_at: inAWeek(), venue: '', hold_ttl_seconds: '600' });
  const [zones, setZones] = useState<ZoneForm[]>([FIRST_ZONE]);
  const { error, busy, run } = useAction();
  const [openId, setOpenId] = useState('');
  const brands = useLoad(() => api.get('/api/users/me/organizers'), [me.data?.role]);
  const events = useLoad(async () => (brand ? api.get('/api/organizers/{slug}/events', { path: { slug: brand } }) : []), [brand]);
  const chooseBrand = (next: string) => {
    rememberBrand(next);
    setBrand(next);
    setBrandInput(next);
  };
  const becomeOrganizer = () =>
    run(async () => {
      await api.post('/api/users/me/become-organizer');
      await me.reload();
    });
  const createBrand = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void run(async () => {
      await api.post('/api/organizers', { body: { slug, name: brandName || slug } });
      chooseBrand(slug);
      await brands.reload();
    });
  };
  const createEvent = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void run(async () => {
      const created = await api.post('/api/events', {
        body: {
          organizer: slug,
          title: event.title,
          type: 'concert',
          venue: event.venue,
          starts_at: new Date(event.starts_at).toISOString(),
          // The time was typed in this browser's zone: the event keeps that zone.
          timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
          hold_ttl_seconds: Number(event.hold_ttl_seconds),
        },
      });
      const path = { id: created.id };
      await api.post('/api/events/{id}/seat-layout', { path, body: layoutBody(zones) });
      await api.post('/api/events/{id}/publish', { path });
      rememberBrand(slug);
      navigate(`/organizer/events/${created.id}`);
    });
  };

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
          <section className="card" aria-labelledby="my-events">
            <h2 id="my-events">{t.myEvents}</h2>
            <form
              className="inline"
              onSubmit={(submitted) => {
                submitted.preventDefault();
                chooseBrand(brandInput.trim());
              }}
            >
              <label>
                {t.orgCurrentBrand}
                <input
                  name="current-brand"
                  list="known-brands"
                  value={brandInput}
                  onChange={(e) => setBrandInput(e.target.value)}
                  pattern="[a-z0-9]+(-[a-z0-9]+)*"
                  required
                />
                <datalist id="known-brands">
                  {brands.data?.map((known) => (
                    <option key={known.slug} value={known.slug}>
                      {known.name}
                    </option>
                  ))}
                </datalist>
              </label>
              <button type="submit">{t.orgOpenBrand}</button>
            </form>
            {brands.data && brands.data.length > 0 && (
              <p className="inline" data-testid="my-brands">
                {t.orgBrandsNote}
                {brands.data.map((known) => (
                  <button
                    type="button"
                    className={known.slug === brand ? 'link current' : 'link'}
                    key={known.slug}
                    onClick={() => chooseBrand(known.slug)}
                  >
                    {known.name} ({t[`orgRole${known.role}`]})
                  </button>
                ))}
              </p>
            )}
            {brand && (
              <p className="inline">
                <Link to={`/organizer/brands/${brand}`}>{t.orgEditBrand}</Link>
                <Link to={`/o/${brand}`}>{t.orgPublicPage}</Link>
                <Link to={`/organizer/events/new?brand=${brand}`}>{t.orgNewDraft}</Link>
                {/* The studio side: halls, tariffs, extras and the rentals calendar (studio*.tsx). */}
                <Link to={`/organizer/studio/${brand}`}>{t.studioHalls}</Link>
              </p>
            )}
            <ErrorText error={events.error} />
            {events.data && events.data.length === 0 && <p className="muted">{t.orgNoEvents}</p>}
            {events.data && events.data.length > 0 && (
              <div className="table-wrap">
                <table className="table" data-testid="my-events">
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>{t.orgEventEditor}</th>
                      <th>{t.status}</th>
                      <th>{t.date}</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {events.data.map((summary) => (
                      <tr key={summary.id}>
                        <td>{summary.id}</td>
                        <td>
                          <Link to={`/organizer/events/${summary.id}`}>{summary.title}</Link>
                        </td>
                        <td>
                          <EventStatusBadge status={summary.status} />
                        </td>
                        <td>{formatDate(summary.starts_at, locale, summary.timezone)}</td>
                        <td>
                          {summary.status === 'DRAFT' && <Link to={`/organizer/events/${summary.id}/edit`}>{t.orgEdit}</Link>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
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
            <ZonesFieldset zones={zones} setZones={setZones} />
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

const STATUSES = ['CREATED', 'PENDING', 'CONFIRMED', 'CANCELLED', 'EXPIRED'] as const satisfies readonly Booking['status'][];

/** An event's status in words, with a class to colour it. */
export function EventStatusBadge(props: { status: string }) {
  const { t } = useI18n();
  const key = `orgEventStatus${props.status}`;
  return (
    <span className={`event-status ${props.status.toLowerCase()}`} data-testid="event-status">
      {key in t ? t[key as keyof typeof t] : props.status}
    </span>
  );
}

/**
 * One event for its team: status with publish / cancel (after a confirm step) and an edit link,
 * live counters and sales by zone, check-in statistics, and the bookings with a box-office confirm.
 */
export function OrganizerEventPage(props: { id: number }) {
  const { t, locale } = useI18n();
  const [status, setStatus] = useState<Booking['status'] | ''>('');
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction();
  const path = { id: props.id };
  const event = useLoad(() => api.get('/api/events/{id}', { path }), [props.id], 5000);
  const availability = useLoad(() => api.get('/api/events/{id}/availability', { path }), [props.id], 2000);
  const bookings = useLoad(
    () => api.get('/api/events/{id}/bookings', { path, query: { pageSize: 200, status: status || undefined } }),
    [props.id, status],
    3000,
  );
  const checkins = useLoad(() => api.get('/api/events/{id}/checkin-stats', { path }), [props.id], 3000);
  const ownership = useSeatOwnership(props.id);
  const withheld = withheldSeats(ownership);
  const currency = bookings.data?.[0]?.currency ?? 'KZT';
  const current = event.data;
  const publish = () =>
    action.run(async () => {
      await api.post('/api/events/{id}/publish', { path });
      await event.reload();
    });
  const cancel = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void action.run(async () => {
      await api.post('/api/events/{id}/cancel', { path, body: reason ? { reason } : {} });
      setCancelling(false);
      await Promise.all([event.reload(), bookings.reload(), availability.reload()]);
    });
  };
  const confirmPaid = (bookingId: number) =>
    action.run(async () => {
      await api.post('/api/bookings/{id}/confirm', { path: { id: bookingId } });
      await Promise.all([bookings.reload(), availability.reload()]);
    });
  return (
    <main>
      <h1>{current?.title ?? `#${props.id}`}</h1>
      {current && (
        <p className="muted">
          <EventStatusBadge status={current.status} /> · {formatDate(current.starts_at, locale, current.timezone)} ·{' '}
          <Link to={`/events/${props.id}`}>{t.seatMap}</Link>
        </p>
      )}
      {current && (
        <div className="inline org-actions">
          {(current.status === 'DRAFT' || current.status === 'PUBLISHED') && (
            <Link to={`/organizer/events/${props.id}/edit`}>{t.orgEdit}</Link>
          )}
          {current.status === 'DRAFT' && (
            <button type="button" className="primary" disabled={action.busy} onClick={() => void publish()}>
              {t.orgPublish}
            </button>
          )}
          {(current.status === 'DRAFT' || current.status === 'PUBLISHED') && !cancelling && (
            <button type="button" className="danger" onClick={() => setCancelling(true)}>
              {t.orgCancelEvent}
            </button>
          )}
        </div>
      )}
      {cancelling && (
        <form className="card stack org-confirm" onSubmit={cancel} aria-labelledby="cancel-event">
          <h2 id="cancel-event">{t.orgCancelEvent}</h2>
          <p role="note">{t.orgCancelWarning}</p>
          <label>
            {t.orgCancelReason}
            <textarea name="reason" value={reason} maxLength={1000} onChange={(e) => setReason(e.target.value)} />
          </label>
          <div className="inline">
            <button type="submit" className="danger" disabled={action.busy}>
              {t.orgConfirmCancel}
            </button>
            <button type="button" onClick={() => setCancelling(false)}>
              {t.orgKeepEvent}
            </button>
          </div>
        </form>
      )}
      <ErrorText error={action.error} />
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
            <b data-testid="counter-sold">{Math.max(0, availability.data.sold - withheld)}</b>
          </div>
          {withheld > 0 && (
            <div>
              <span>{t.orgNotSoldHere}</span>
              <b data-testid="counter-not-here">{withheld}</b>
            </div>
          )}
          {availability.data.revenue !== undefined && (
            <div>
              <span>{t.revenue}</span>
              <b>{money(availability.data.revenue, currency, locale)}</b>
            </div>
          )}
        </section>
      )}
      {withheld > 0 && <p className="muted small">{t.orgSoldHereNote}</p>}
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
      {current && current.status !== 'CANCELLED' && availability.data && availability.data.total > 0 && (
        <ProviderPanel eventId={props.id} ownership={ownership} onSaved={() => void availability.reload()} />
      )}
      {current && current.status !== 'CANCELLED' && (
        <PromoCodesSection eventId={props.id} timeZone={current.timezone} currency={currency} />
      )}
      {current && current.status !== 'CANCELLED' && <WaitingRoomSection eventId={props.id} timeZone={current.timezone} />}
      <section aria-labelledby="checkins" data-testid="checkin-stats">
        <h2 id="checkins">{t.orgCheckins}</h2>
        <ErrorText error={checkins.error} />
        {checkins.data && (
          <>
            <div className="counters" aria-live="polite">
              <div>
                <span>{t.orgCheckedIn}</span>
                <b data-testid="checked-in">{checkins.data.checked_in}</b>
              </div>
              <div>
                <span>{t.orgIssued}</span>
                <b data-testid="issued">{checkins.data.issued}</b>
              </div>
              {checkins.data.conflicts > 0 && (
                <div>
                  <span>{t.orgConflicts}</span>
                  <b>{checkins.data.conflicts}</b>
                </div>
              )}
            </div>
            {checkins.data.per_gate.length === 0 ? (
              <p className="muted">{t.orgNoCheckins}</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th>{t.orgGate}</th>
                    <th>{t.orgCheckedIn}</th>
                    <th>{t.orgConflicts}</th>
                  </tr>
                </thead>
                <tbody>
                  {checkins.data.per_gate.map((gate) => (
                    <tr key={gate.gate}>
                      <td>{gate.gate}</td>
                      <td>{gate.checked_in}</td>
                      <td>{gate.conflicts}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </section>
      <h2>{t.bookings}</h2>
      <label>
        {t.filter}{' '}
        <select value={status} onChange={(e) => setStatus(e.target.value as Booking['status'] | '')} name="status">
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
              <th>{t.orgBoxOffice}</th>
            </tr>
          </thead>
          <tbody>
            {bookings.data?.map((booking) => (
              <BookingRow
                key={booking.id}
                booking={booking}
                busy={action.busy}
                onConfirm={current?.status === 'PUBLISHED' ? () => void confirmPaid(booking.id) : undefined}
              />
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}

function BookingRow(props: { booking: Booking; busy: boolean; onConfirm: (() => void) | undefined }) {
  const { t, locale } = useI18n();
  const { booking } = props;
  const open = booking.status === 'CREATED' || booking.status === 'PENDING';
  const left = useCountdown(open ? booking.expires_at : null);
  return (
    <tr data-testid={`booking-${booking.id}`}>
      <td>{booking.id}</td>
      <td>{t[`status${booking.status}`]}</td>
      <td>{left !== null ? formatSeconds(left) : '—'}</td>
      <td>{booking.user_id}</td>
      <td>{booking.seats.map((seat) => `${seat.row}-${seat.number}`).join(', ') || booking.quantity}</td>
      <td>{money(booking.total_amount, booking.currency, locale)}</td>
      <td>{formatDate(booking.created_at, locale)}</td>
      <td>
        {open && left !== 0 && props.onConfirm && (
          <button type="button" disabled={props.busy} onClick={props.onConfirm}>
            {t.orgConfirmPaid}
          </button>
        )}
      </td>
    </tr>
  );
}
