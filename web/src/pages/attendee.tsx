import { useEffect, useState, type SyntheticEvent } from 'react';
import { api, ApiError, EVENT_TYPES, money, signedIn, type EventType, type RequestBody } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { SeatMap, type PickedSeat } from '../SeatMap.tsx';
import { ErrorText, formatDate, formatSeconds, Link, useAction, useCountdown, useLoad } from '../ui.tsx';
import { payBooking } from './attendee.api.ts';
import { EventList, FavoriteButton } from './attendee.favorites.tsx';
import { LastPaymentFailure } from './attendee.payment.tsx';
import { PriceBreakdown, PromoCodeField, usePromoCode } from './attendee.promo.tsx';
import { RefundActions, RefundList } from './attendee.refunds.tsx';
import { saleStateOf, SaleNotice, ticketWindowOf } from './attendee.sale.tsx';
import { JoinWaitlistButton, MyEventWaitlist, useMyWaitlist } from './attendee.waitlist.tsx';

export function EventsPage() {
  const { t } = useI18n();
  const [query, setQuery] = useState('');
  const [date, setDate] = useState('');
  const [type, setType] = useState<EventType | ''>('');
  const [submitted, setSubmitted] = useState<{ query: string; date: string; type: EventType | '' }>({
    query: '',
    date: '',
    type: '',
  });
  const { data, error } = useLoad(
    () =>
      api.get('/api/events', {
        query: { query: submitted.query || undefined, date: submitted.date || undefined, type: submitted.type || undefined },
      }),
    [submitted],
  );
  const onSubmit = (event: SyntheticEvent) => {
    event.preventDefault();
    setSubmitted({ query, date, type });
  };
  return (
    <main>
      <h1>{t.events}</h1>
      <form className="filters" role="search" onSubmit={onSubmit}>
        <label>
          {t.search}
          <input type="search" value={query} placeholder={t.searchPlaceholder} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <label>
          {t.date}
          <input type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        </label>
        <label>
          {t.type}
          <select value={type} onChange={(e) => setType(e.target.value as EventType | '')}>
            <option value="">{t.any}</option>
            {EVENT_TYPES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t.search}</button>
      </form>
      <ErrorText error={error} />
      <EventList events={data} empty={t.noEvents} />
    </main>
  );
}

function QuantityInput(props: { value: number; onChange: (value: number) => void }) {
  const { t } = useI18n();
  return (
    <label>
      {t.quantity}
      <input
        type="number"
        min={1}
        max={10}
        value={props.value}
        onChange={(e) => props.onChange(Number(e.target.value))}
        className="narrow"
      />
    </label>
  );
}

export function EventPage(props: { id: number }) {
  const { t, locale } = useI18n();
  const path = { id: props.id };
  const event = useLoad(() => api.get('/api/events/{id}', { path }), [props.id]);
  const [code, setCode] = usePromoCode();
  // With a code, the hidden ticket types it unlocks are listed too (decision record 0034).
  const types = useLoad(
    () => api.get('/api/events/{id}/ticket-types', { path, query: { code: code || undefined } }),
    [props.id, code],
    5000,
  );
  const waitlist = useMyWaitlist(5000);
  const [picked, setPicked] = useState(new Map<number, PickedSeat>());
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const [quantity, setQuantity] = useState(1);
  // Whether the event has seats: the seat map answers with zones.
  const [seated, setSeated] = useState<boolean | null>(null);
  useEffect(() => {
    api
      .get('/api/events/{id}/seat-map', { path: { id: props.id }, query: { from_row: 1, to_row: 1 } })
      .then((map) => setSeated(map.zones.length > 0))
      .catch(() => setSeated(false));
  }, [props.id]);
  // Tickets, seats and the waitlist only while the event is on sale; otherwise its state is said.
  const sale = event.data ? saleStateOf(event.data) : null;
  const selling = sale === 'on-sale';
  // A seated hall with nothing free offers its waitlist.
  const hall = useLoad(
    () => (seated && selling ? api.get('/api/events/{id}/availability', { path }) : Promise.resolve(null)),
    [props.id, seated, selling],
    5000,
  );
  const [waitQuantity, setWaitQuantity] = useState(1);
  const joined = () => void waitlist.reload();

  const toggle = (seat: PickedSeat) => {
    setNotice(null);
    setPicked((current) => {
      const next = new Map(current);
      if (next.has(seat.id)) next.delete(seat.id);
      else next.set(seat.id, seat);
      return next;
    });
  };
  const book = async (body: Omit<RequestBody<'/api/bookings', 'post'>, 'event_id'>) => {
    if (!signedIn()) {
      navigate(`/signin?next=${encodeURIComponent(`/events/${props.id}${code ? `?code=${code}` : ''}`)}`);
      return;
    }
    await run(async () => {
      try {
        const booking = await api.post('/api/bookings', {
          body: { event_id: props.id, ...body, ...(code ? { promo_code: code } : {}) },
        });
        navigate(`/bookings/${booking.id}`);
      } catch (caught) {
        // The event sells through its waiting room: queue first, the queue page brings the buyer back.
        if (caught instanceof ApiError && caught.code === 'queue-required') navigate(`/events/${props.id}/queue`);
        else throw caught;
      }
    });
  };
  const total = [...picked.values()].reduce((sum, seat) => sum + seat.price, 0);
  const currency = [...picked.values()][0]?.currency ?? 'KZT';

  return (
    <main>
      <ErrorText error={event.error} />
      {event.data && (
        <header className="event-head">
          <div className="event-title-row">
            <h1>{event.data.title}</h1>
            <FavoriteButton eventId={props.id} />
          </div>
          <p className="muted">
            {formatDate(event.data.starts_at, locale, event.data.timezone)} · {event.data.venue} {event.data.address}
          </p>
          {event.data.organizer_slug && (
            <p>
              <Link to={`/o/${event.data.organizer_slug}`}>{t.orgByOrganizer}</Link>
            </p>
          )}
          {event.data.description && <p>{event.data.description}</p>}
        </header>
      )}
      <MyEventWaitlist eventId={props.id} entries={waitlist.data} onChange={joined} />
      {sale && sale !== 'on-sale' && <SaleNotice state={sale} />}
      {selling && <PromoCodeField code={code} onChange={setCode} />}
      {selling && code && types.data && !types.data.some((type) => type.hidden) && (
        <p className="muted small" data-testid="promo-unlocks-none">
          {t.promoUnlockedNone}
        </p>
      )}
      {selling && types.data && types.data.length > 0 && (
        <section>
          <h2>{t.ticketTypes}</h2>
          <ul className="cards">
            {types.data.map((type) => {
              const sales = ticketWindowOf(type);
              return (
                <li key={type.id} className={type.hidden ? 'card row unlocked' : 'card row'} data-testid="ticket-type">
                  <span>
                    <b>{type.name}</b> · {money(type.price, type.currency, locale)}
                    {type.hidden && (
                      <span className="badge" data-testid="unlocked">
                        {t.promoUnlocked}
                      </span>
                    )}
                    {sales === 'open' && (
                      <>
                        {' · '}
                        <span data-testid="available">
                          {t.left}: {type.available}
                        </span>
                      </>
                    )}
                  </span>
                  {sales === 'not-yet' && type.sales_start && (
                    <span className="muted" data-testid="ticket-window">
                      {t.saleFrom} {formatDate(type.sales_start, locale, event.data?.timezone)}
                    </span>
                  )}
                  {sales === 'closed' && (
                    <span className="muted" data-testid="ticket-window">
                      {t.saleClosed}
                    </span>
                  )}
                  {sales === 'open' && (
                    <span className="inline">
                      <QuantityInput value={quantity} onChange={setQuantity} />
                      {type.available >= quantity ? (
                        <button type="button" disabled={busy} onClick={() => void book({ ticket_type_id: type.id, quantity })}>
                          {t.buy}
                        </button>
                      ) : (
                        <>
                          {type.available < 1 && <span className="soldout">{t.wlSoldOut}</span>}
                          {/* The waitlist knows no codes: a hidden type offers none (decision record 0034). */}
                          {!type.hidden && (
                            <JoinWaitlistButton eventId={props.id} ticketTypeId={type.id} quantity={quantity} onJoined={joined} />
                          )}
                        </>
                      )}
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}
      {seated && selling && hall.data?.free === 0 && (
        <section className="card" data-testid="hall-waitlist">
          <p>
            <span className="soldout">{t.wlSoldOut}.</span> {t.wlHallSoldOut}
          </p>
          <div className="inline">
            <QuantityInput value={waitQuantity} onChange={setWaitQuantity} />
            <JoinWaitlistButton eventId={props.id} quantity={waitQuantity} onJoined={joined} />
          </div>
        </section>
      )}
      {/* A draft's team sees its hall as buyers will, to check it before publishing; nothing is picked. */}
      {seated && sale === 'draft' && (
        <section>
          <h2>{t.seatMap}</h2>
          <SeatMap eventId={props.id} picked={picked} onToggle={() => undefined} onTaken={() => undefined} />
        </section>
      )}
      {seated && selling && (
        <section>
          <h2>{t.seatMap}</h2>
          <SeatMap
            eventId={props.id}
            picked={picked}
            onToggle={toggle}
            onTaken={(why) => setNotice(why === 'not-sold-here' ? t.seatNotSoldHere : t.seatTaken)}
          />
          <div className="picked" aria-live="polite">
            <h3>{t.selectedSeats}</h3>
            {picked.size === 0 ? (
              <p className="muted">{t.noSeatsSelected}</p>
            ) : (
              <ul data-testid="picked-seats">
                {[...picked.values()].map((seat) => (
                  <li key={seat.id}>
                    {seat.zone}: {t.row} {seat.row}, {t.seat} {seat.number} — {money(seat.price, seat.currency, locale)}{' '}
                    <button
                      type="button"
                      className="link"
                      onClick={() => toggle(seat)}
                      aria-label={`${t.close} ${seat.row}-${seat.number}`}
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {notice && <p className="error">{notice}</p>}
            <button
              type="button"
              className="primary"
              disabled={busy || picked.size === 0}
              onClick={() => void book({ seat_ids: [...picked.keys()] })}
            >
              {t.book}
              {picked.size > 0 && ` · ${money(total, currency, locale)}`}
            </button>
            {!signedIn() && <p className="muted">{t.signInToBook}</p>}
          </div>
        </section>
      )}
      <ErrorText error={error} />
    </main>
  );
}

export function BookingPage(props: { id: number }) {
  const { t, locale } = useI18n();
  const {
    data: booking,
    error,
    reload,
  } = useLoad(() => api.get('/api/bookings/{id}', { path: { id: props.id } }), [props.id], 2000);
  const left = useCountdown(booking?.expires_at);
  const { busy, error: actionError, run } = useAction();
  // On the way to the payment page: the buttons stay off until it opens.
  const [leaving, setLeaving] = useState(false);
  const open = booking?.status === 'CREATED' || booking?.status === 'PENDING';
  // The hold passed on this screen: ask again at once so the seats vanish.
  useEffect(() => {
    if (open && left === 0) void reload();
  }, [open, left, reload]);

  const pay = async () => {
    if (await run(() => payBooking(props.id))) setLeaving(true);
  };
  const cancel = () =>
    run(async () => {
      await api.post('/api/bookings/{id}/cancel', { path: { id: props.id } });
      await reload();
    });
  const gone = booking?.status === 'EXPIRED' || booking?.status === 'CANCELLED';
  return (
    <main>
      <h1>
        {t.booking} #{props.id}
      </h1>
      <ErrorText error={error} />
      {booking && (
        <section className="card">
          <p>
            {t.status}: <b data-testid="booking-status">{t[`status${booking.status}`]}</b>
          </p>
          {open && left !== null && (
            <p className="countdown" data-testid="countdown" role="timer" aria-live="off">
              {t.timeLeft}: <b>{formatSeconds(left)}</b>
            </p>
          )}
          {booking.status === 'EXPIRED' && (
            <p className="error" data-testid="hold-expired">
              {t.holdExpired}
            </p>
          )}
          {!gone && (
            <ul data-testid="booking-seats">
              {booking.seats.map((seat) => (
                <li key={seat.id}>
                  {t.row} {seat.row}, {t.seat} {seat.number} — {money(seat.price, booking.currency, locale)}
                </li>
              ))}
              {booking.seats.length === 0 && (
                <li>
                  {t.quantity}: {booking.quantity}
                </li>
              )}
            </ul>
          )}
          <PriceBreakdown booking={booking} />
          {open && <LastPaymentFailure booking={booking} />}
          <div className="inline">
            {open && (
              <button type="button" className="primary" disabled={busy || leaving} onClick={() => void pay()}>
                {t.pay}
              </button>
            )}
            {open && (
              <button type="button" disabled={busy || leaving} onClick={() => void cancel()}>
                {t.cancel}
              </button>
            )}
            {booking.status === 'CONFIRMED' && <Link to="/tickets">{t.toTickets}</Link>}
          </div>
          <ErrorText error={actionError} />
          {booking.status === 'CONFIRMED' && <RefundActions booking={booking} onChange={reload} />}
        </section>
      )}
      {booking && <RefundList bookingId={props.id} version={`${booking.status}-${booking.total_amount}`} />}
    </main>
  );
}

export function MyBookingsPage() {
  const { t, locale } = useI18n();
  const { data, error } = useLoad(() => api.get('/api/bookings', { query: { limit: 100 } }), [], 5000);
  return (
    <main>
      <h1>{t.myBookings}</h1>
      <ErrorText error={error} />
      {data?.length === 0 && <p>{t.noBookings}</p>}
      <ul className="cards">
        {data?.map((booking) => (
          <li key={booking.id} className="card row">
            <Link to={`/bookings/${booking.id}`}>
              {t.booking} #{booking.id}
            </Link>
            <span>{t[`status${booking.status}`]}</span>
            <span>{money(booking.total_amount, booking.currency, locale)}</span>
            <span className="muted">{formatDate(booking.created_at, locale)}</span>
          </li>
        ))}
      </ul>
    </main>
  );
}

export function MyTicketsPage() {
  const { t, locale } = useI18n();
  const { data, error } = useLoad(() => api.get('/api/tickets', { query: { pageSize: 100 } }), [], 5000);
  return (
    <main>
      <h1>{t.myTickets}</h1>
      <ErrorText error={error} />
      {data?.length === 0 && <p>{t.noTickets}</p>}
      <ul className="tickets">
        {data?.map((ticket) => (
          <li key={ticket.id} className="card ticket" data-testid="ticket">
            <QrImage ticketId={ticket.id} alt={`${t.qrAlt} ${ticket.id}`} />
            <div>
              <b>{ticket.event?.title}</b>
              {ticket.event && <p className="muted">{formatDate(ticket.event.starts_at, locale, ticket.event.timezone)}</p>}
              {ticket.seat && (
                <p>
                  {ticket.seat.zone} · {t.row} {ticket.seat.row}, {t.seat} {ticket.seat.number}
                </p>
              )}
              {ticket.ticket_type && <p>{ticket.ticket_type.name}</p>}
              <p className="muted">
                {ticket.status}
                {ticket.used_at && ` · ${t.used} ${formatDate(ticket.used_at, locale)}`}
              </p>
              <code className="code" data-testid="ticket-code">
                {ticket.code}
              </code>
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}

/** The ticket's QR (the endpoint needs the bearer token, so an <img src> alone cannot load it). */
function QrImage(props: { ticketId: number; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let objectUrl: string | null = null;
    api
      .get('/api/tickets/{id}/qr', { path: { id: props.ticketId }, query: { format: 'svg' } })
      .then((svg) => {
        objectUrl = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
        setUrl(objectUrl);
      })
      .catch(() => setUrl(null));
    return () => {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [props.ticketId]);
  return url ? <img src={url} alt={props.alt} width={180} height={180} data-testid="qr" /> : <div className="qr-placeholder" />;
}
