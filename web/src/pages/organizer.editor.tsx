import { useState, type SyntheticEvent } from 'react';
import { api, EVENT_TYPES, isEventType, money, type EventType, type RequestBody, type SbEvent } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { ErrorText, Link, useAction, useLoad } from '../ui.tsx';
import { currentBrand, isoToVenueTime, rememberBrand, timeZones, venueTimeToIso } from './organizer.api.ts';
import { EventStatusBadge, FIRST_ZONE, inAWeek, layoutBody, ZonesFieldset, type ZoneForm } from './organizer.tsx';
import './organizer.css';
import './promo.css';

/** An event's fields as POST /api/events takes them (the brand aside). */
type EventFields = Omit<RequestBody<'/api/events', 'post'>, 'organizer'>;

interface EventForm {
  title: string;
  type: EventType;
  description: string;
  venue: string;
  address: string;
  timezone: string;
  starts: string;
  ends: string;
  hold_ttl_seconds: string;
  max_tickets_per_order: string;
  max_tickets_per_user: string;
  one_active_booking_per_user: boolean;
  contact_required: boolean;
}

const DEFAULT_ZONE = 'Asia/Almaty';

function newForm(): EventForm {
  return {
    title: '',
    type: 'concert',
    description: '',
    venue: '',
    address: '',
    timezone: DEFAULT_ZONE,
    starts: `${inAWeek().slice(0, 10)}T19:00`,
    ends: '',
    hold_ttl_seconds: '900',
    max_tickets_per_order: '10',
    max_tickets_per_user: '',
    one_active_booking_per_user: true,
    contact_required: false,
  };
}

function formOf(event: SbEvent): EventForm {
  return {
    title: event.title,
    // A type the catalog no longer offers (an old import) shows as "other", and is sent only if changed.
    type: isEventType(event.type) ? event.type : 'other',
    description: event.description,
    venue: event.venue,
    address: event.address,
    timezone: event.timezone,
    starts: isoToVenueTime(event.starts_at, event.timezone),
    ends: event.ends_at ? isoToVenueTime(event.ends_at, event.timezone) : '',
    hold_ttl_seconds: String(event.hold_ttl_seconds),
    max_tickets_per_order: String(event.policy.max_tickets_per_order),
    max_tickets_per_user: event.policy.max_tickets_per_user === null ? '' : String(event.policy.max_tickets_per_user),
    one_active_booking_per_user: event.policy.one_active_booking_per_user,
    contact_required: event.policy.contact_required,
  };
}

/** The request body a form stands for (times at the venue become instants). */
function bodyOf(form: EventForm): EventFields {
  return {
    title: form.title,
    type: form.type,
    description: form.description,
    venue: form.venue,
    address: form.address,
    timezone: form.timezone,
    starts_at: venueTimeToIso(form.starts, form.timezone),
    ends_at: form.ends ? venueTimeToIso(form.ends, form.timezone) : null,
    hold_ttl_seconds: Number(form.hold_ttl_seconds),
    policy: {
      max_tickets_per_order: Number(form.max_tickets_per_order),
      max_tickets_per_user: form.max_tickets_per_user ? Number(form.max_tickets_per_user) : null,
      one_active_booking_per_user: form.one_active_booking_per_user,
      contact_required: form.contact_required,
    },
  };
}

/** Only the fields that changed: a published event refuses any change but description and images. */
function changedFields(before: EventForm, after: EventForm): Partial<EventFields> {
  const was: Partial<Record<string, unknown>> = bodyOf(before);
  // Some of bodyOf(after)'s own entries, so of its type (TypeScript takes the record's unknowns as it is).
  return Object.fromEntries(
    Object.entries(bodyOf(after)).filter(([key, value]) => JSON.stringify(was[key]) !== JSON.stringify(value)),
  );
}

/**
 * Creates a draft (`/organizer/events/new?brand=`) or edits one (`/organizer/events/:id/edit`):
 * the event's fields with its time zone and policies, then what is on sale (ticket types or a seat
 * layout by zones), then Publish. The API decides what may still change; its refusal is shown.
 */
export function EventEditorPage(props: { id?: number; brand?: string }) {
  const { t } = useI18n();
  const { id } = props;
  const event = useLoad(async () => (id ? api.get('/api/events/{id}', { path: { id } }) : null), [id]);
  if (id && !event.data)
    return (
      <main>
        <ErrorText error={event.error} />
        {!event.error && <p className="muted">{t.loading}</p>}
      </main>
    );
  const current = event.data ?? null;
  return (
    <main>
      <h1>{current ? current.title : t.orgNewEventTitle}</h1>
      <p className="inline">
        <Link to="/organizer">← {t.orgTitle}</Link>
        {current && (
          <>
            <EventStatusBadge status={current.status} />
            <Link to={`/organizer/events/${current.id}`}>{t.orgToDashboard}</Link>
          </>
        )}
      </p>
      <EventFieldsForm key={current?.id ?? 'new'} event={current} brand={props.brand ?? currentBrand()} onSaved={event.reload} />
      {current && (current.status === 'DRAFT' || current.status === 'PUBLISHED') && (
        <Inventory event={current} onPublished={event.reload} />
      )}
    </main>
  );
}

function EventFieldsForm(props: { event: SbEvent | null; brand: string; onSaved: () => Promise<void> }) {
  const { t } = useI18n();
  const { event } = props;
  const [form, setForm] = useState<EventForm>(event ? formOf(event) : newForm());
  const [saved, setSaved] = useState<EventForm | null>(event ? formOf(event) : null);
  const [brand, setBrand] = useState(props.brand);
  const [done, setDone] = useState(false);
  const { error, busy, run } = useAction();
  const zones = timeZones();
  const closed = event !== null && event.status !== 'DRAFT' && event.status !== 'PUBLISHED';
  const set = <K extends keyof EventForm>(name: K, value: EventForm[K]) => {
    setDone(false);
    setForm({ ...form, [name]: value });
  };
  const text = (name: 'title' | 'venue' | 'address' | 'hold_ttl_seconds' | 'max_tickets_per_order' | 'max_tickets_per_user') => ({
    name,
    value: form[name],
    onChange: (e: { target: { value: string } }) => set(name, e.target.value),
  });
  const submit = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void run(async () => {
      if (!event) {
        const created = await api.post('/api/events', { body: { organizer: brand, ...bodyOf(form) } });
        rememberBrand(brand);
        navigate(`/organizer/events/${created.id}/edit`);
        return;
      }
      const changes = saved ? changedFields(saved, form) : bodyOf(form);
      if (Object.keys(changes).length > 0) await api.put('/api/events/{id}', { path: { id: event.id }, body: changes });
      setSaved(form);
      setDone(true);
      await props.onSaved();
    });
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby="event-fields">
      <h2 id="event-fields">{t.orgEventEditor}</h2>
      {event?.status === 'PUBLISHED' && <p className="muted">{t.orgPublishedNote}</p>}
      {closed && <p className="muted">{t.orgClosedNote}</p>}
      <fieldset disabled={closed} className="stack org-plain">
        {!event && (
          <label>
            {t.brandSlug}
            <input
              name="organizer"
              value={brand}
              onChange={(e) => setBrand(e.target.value)}
              pattern="[a-z0-9]+(-[a-z0-9]+)*"
              required
            />
          </label>
        )}
        <label>
          {t.orgEventTitle}
          <input {...text('title')} required maxLength={300} />
        </label>
        <label>
          {t.orgEventType}
          <select name="type" value={form.type} onChange={(e) => set('type', e.target.value as EventType)}>
            {EVENT_TYPES.map((type) => (
              <option key={type} value={type}>
                {t[`orgType${type}`]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.orgDescription}
          <textarea
            name="description"
            value={form.description}
            maxLength={20_000}
            onChange={(e) => set('description', e.target.value)}
          />
        </label>
        <div className="org-grid">
          <label>
            {t.orgVenue}
            <input {...text('venue')} maxLength={300} />
          </label>
          <label>
            {t.orgAddress}
            <input {...text('address')} maxLength={500} />
          </label>
          <label>
            {t.orgStartsLocal}
            <input
              type="datetime-local"
              name="starts"
              value={form.starts}
              onChange={(e) => set('starts', e.target.value)}
              required
            />
          </label>
          <label>
            {t.orgEndsLocal}
            <input type="datetime-local" name="ends" value={form.ends} onChange={(e) => set('ends', e.target.value)} />
          </label>
          <label>
            {t.orgTimezone}
            <select name="timezone" value={form.timezone} onChange={(e) => set('timezone', e.target.value)}>
              {(zones.includes(form.timezone) ? zones : [form.timezone, ...zones]).map((zone) => (
                <option key={zone} value={zone}>
                  {zone}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t.orgPaymentTtl}
            <input {...text('hold_ttl_seconds')} type="number" min={1} max={86_400} required />
          </label>
        </div>
        <fieldset className="stack">
          <legend>{t.orgPolicies}</legend>
          <div className="org-grid">
            <label>
              {t.orgMaxPerOrder}
              <input {...text('max_tickets_per_order')} type="number" min={1} max={1000} required />
            </label>
            <label>
              {t.orgMaxPerUser}
              <input {...text('max_tickets_per_user')} type="number" min={1} max={100_000} />
            </label>
          </div>
          <label className="org-check">
            <input
              type="checkbox"
              name="one_active_booking_per_user"
              checked={form.one_active_booking_per_user}
              onChange={(e) => set('one_active_booking_per_user', e.target.checked)}
            />
            {t.orgOneActive}
          </label>
          <label className="org-check">
            <input
              type="checkbox"
              name="contact_required"
              checked={form.contact_required}
              onChange={(e) => set('contact_required', e.target.checked)}
            />
            {t.orgContactRequired}
          </label>
        </fieldset>
        <ErrorText error={error} />
        {done && (
          <p role="status" className="muted">
            {t.orgSaved}
          </p>
        )}
        <div>
          <button type="submit" className="primary" disabled={busy}>
            {event ? t.orgSaveChanges : t.orgCreateDraft}
          </button>
        </div>
      </fieldset>
    </form>
  );
}

/** Ticket types and the seat layout of an event, and Publish while it is a draft. */
function Inventory(props: { event: SbEvent; onPublished: () => Promise<void> }) {
  const { t, locale } = useI18n();
  const { event } = props;
  const path = { id: event.id };
  const types = useLoad(() => api.get('/api/events/{id}/ticket-types', { path }), [event.id]);
  const hall = useLoad(() => api.get('/api/events/{id}/seat-map', { path, query: { from_row: 1, to_row: 1 } }), [event.id]);
  const [ticket, setTicket] = useState({
    name: '',
    type: 'standard',
    price: '5000',
    quantity: '100',
    max_per_order: '',
    hidden: false,
  });
  const [zones, setZones] = useState<ZoneForm[]>([FIRST_ZONE]);
  const action = useAction();
  const hasSeats = (hall.data?.zones.length ?? 0) > 0;
  const hasTypes = (types.data?.length ?? 0) > 0;
  const addType = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void action.run(async () => {
      await api.post('/api/events/{id}/ticket-types', {
        path,
        body: {
          type: ticket.type,
          name: ticket.name,
          price: Math.round(Number(ticket.price) * 100),
          quantity: Number(ticket.quantity),
          ...(ticket.max_per_order ? { max_per_order: Number(ticket.max_per_order) } : {}),
          ...(ticket.hidden ? { hidden: true } : {}),
        },
      });
      setTicket({ ...ticket, name: '', hidden: false });
      await types.reload();
    });
  };
  const layOut = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void action.run(async () => {
      await api.post('/api/events/{id}/seat-layout', { path, body: layoutBody(zones) });
      await hall.reload();
    });
  };
  const publish = () =>
    action.run(async () => {
      await api.post('/api/events/{id}/publish', { path });
      await props.onPublished();
    });
  return (
    <section className="card stack" aria-labelledby="inventory">
      <h2 id="inventory">{t.orgInventory}</h2>
      <h3>{t.orgTicketTypes}</h3>
      {hasTypes && (
        <div className="table-wrap">
          <table className="table" data-testid="ticket-types">
            <thead>
              <tr>
                <th>{t.orgTicketName}</th>
                <th>{t.orgTicketKind}</th>
                <th>{t.price}</th>
                <th>{t.orgTicketQuantity}</th>
                <th>{t.sold}</th>
                <th>{t.left}</th>
              </tr>
            </thead>
            <tbody>
              {types.data?.map((type) => (
                <tr key={type.id}>
                  <td>
                    {type.name}
                    {type.hidden && <span className="badge">{t.promoHiddenMark}</span>}
                  </td>
                  <td>{type.type}</td>
                  <td>{money(type.price, type.currency, locale)}</td>
                  <td>{type.quantity}</td>
                  <td>{type.sold}</td>
                  <td>{type.available}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="inline" onSubmit={addType}>
        <label>
          {t.orgTicketName}
          <input
            name="ticket-name"
            value={ticket.name}
            onChange={(e) => setTicket({ ...ticket, name: e.target.value })}
            required
          />
        </label>
        <label>
          {t.orgTicketKind}
          <select name="ticket-kind" value={ticket.type} onChange={(e) => setTicket({ ...ticket, type: e.target.value })}>
            {['standard', 'vip', 'early_bird', 'student'].map((kind) => (
              <option key={kind} value={kind}>
                {kind}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.orgTicketPrice}
          <input
            name="ticket-price"
            type="number"
            min={0}
            step="0.01"
            className="narrow"
            value={ticket.price}
            onChange={(e) => setTicket({ ...ticket, price: e.target.value })}
            required
          />
        </label>
        <label>
          {t.orgTicketQuantity}
          <input
            name="ticket-quantity"
            type="number"
            min={1}
            className="narrow"
            value={ticket.quantity}
            onChange={(e) => setTicket({ ...ticket, quantity: e.target.value })}
            required
          />
        </label>
        <label>
          {t.orgTicketMaxPerOrder}
          <input
            name="ticket-max-per-order"
            type="number"
            min={1}
            className="narrow"
            value={ticket.max_per_order}
            onChange={(e) => setTicket({ ...ticket, max_per_order: e.target.value })}
          />
        </label>
        <label className="check">
          <input
            name="ticket-hidden"
            type="checkbox"
            checked={ticket.hidden}
            onChange={(e) => setTicket({ ...ticket, hidden: e.target.checked })}
          />
          {t.promoHidden}
        </label>
        <button type="submit" disabled={action.busy}>
          {t.orgAddTicketType}
        </button>
      </form>
      <h3>{t.orgSeatLayout}</h3>
      {hasSeats ? (
        <>
          <ul data-testid="layout-zones">
            {hall.data?.zones.map((zone) => (
              <li key={zone.id}>
                {zone.name}: {t.rows} {zone.from_row}–{zone.to_row}, {t.seatsPerRow} {zone.seats_per_row},{' '}
                {money(zone.price, zone.currency, locale)}
              </li>
            ))}
          </ul>
          <p className="muted small">{t.orgLayoutExists}</p>
        </>
      ) : (
        <form className="stack" onSubmit={layOut}>
          <ZonesFieldset zones={zones} setZones={setZones} />
          <div>
            <button type="submit" disabled={action.busy}>
              {t.orgCreateLayout}
            </button>
          </div>
        </form>
      )}
      <ErrorText error={action.error ?? types.error ?? hall.error} />
      {event.status === 'DRAFT' && (
        <div className="stack">
          {!hasSeats && !hasTypes && <p className="muted">{t.orgNothingToSell}</p>}
          <div>
            <button type="button" className="primary" disabled={action.busy} onClick={() => void publish()}>
              {t.orgPublish}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
