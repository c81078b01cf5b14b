import { useState, type CSSProperties, type SyntheticEvent } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ErrorText, formatDate, Link, useAction, useLoad } from '../ui.tsx';
import { rememberBrand, TEAM_ROLES, type Contacts, type OrganizerPageData, type TeamRole } from './organizer.api.ts';
import './organizer.css';
import { BrandHallsLink } from './rentals.tsx';

const loadPage = (slug: string) => api.get('/api/organizers/{slug}', { path: { slug } });

/** The brand page for its owners: details, team and FAQ, each saved on its own. */
export function BrandEditorPage(props: { slug: string }) {
  const { t } = useI18n();
  const page = useLoad(async () => {
    const loaded = await loadPage(props.slug);
    rememberBrand(props.slug);
    return loaded;
  }, [props.slug]);
  return (
    <main>
      <h1>
        {t.orgBrandEditor}: {page.data?.name ?? props.slug}
      </h1>
      <p className="inline">
        <Link to="/organizer">← {t.orgTitle}</Link>
        <Link to={`/o/${props.slug}`}>{t.orgPublicPage}</Link>
      </p>
      <ErrorText error={page.error} />
      {page.data && (
        <>
          <BrandDetailsForm key={`details-${props.slug}`} page={page.data} onSaved={page.reload} />
          <TeamEditor page={page.data} onSaved={page.reload} />
          <FaqEditor key={`faq-${props.slug}`} page={page.data} onSaved={page.reload} />
        </>
      )}
    </main>
  );
}

interface SectionProps {
  page: OrganizerPageData;
  onSaved: () => Promise<void>;
}

function BrandDetailsForm(props: SectionProps) {
  const { t } = useI18n();
  const contacts = props.page.contacts;
  const [form, setForm] = useState({
    name: props.page.name,
    description: props.page.description,
    logo_url: props.page.logo_url ?? '',
    brand_color: props.page.brand_color ?? '',
    site: contacts.site ?? '',
    email: contacts.email ?? '',
    phone: contacts.phone ?? '',
    telegram: contacts.telegram ?? '',
  });
  const [saved, setSaved] = useState(false);
  const { error, busy, run } = useAction();
  const field = (name: keyof typeof form) => ({
    name,
    value: form[name],
    onChange: (e: { target: { value: string } }) => {
      setSaved(false);
      setForm({ ...form, [name]: e.target.value });
    },
  });
  const save = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void run(async () => {
      const nextContacts: Contacts = {};
      for (const key of ['site', 'email', 'phone', 'telegram'] as const)
        if (form[key].trim()) nextContacts[key] = form[key].trim();
      await api.patch('/api/organizers/{slug}', {
        path: { slug: props.page.slug },
        body: {
          name: form.name,
          description: form.description,
          logo_url: form.logo_url.trim() || null,
          brand_color: form.brand_color.trim() || null,
          contacts: nextContacts,
        },
      });
      await props.onSaved();
      setSaved(true);
    });
  };
  return (
    <form className="card stack" onSubmit={save} aria-labelledby="brand-details">
      <h2 id="brand-details">{t.orgBrandDetails}</h2>
      <label>
        {t.brandName}
        <input {...field('name')} required maxLength={200} />
      </label>
      <label>
        {t.orgDescription}
        <textarea {...field('description')} maxLength={10_000} />
      </label>
      <div className="org-grid">
        <label>
          {t.orgLogoUrl}
          <input {...field('logo_url')} type="url" placeholder="https://…" />
        </label>
        <label>
          {t.orgBrandColor}
          <input {...field('brand_color')} pattern="#[0-9a-fA-F]{6}" placeholder="#1f3a8a" />
        </label>
        <label>
          {t.orgSite}
          <input {...field('site')} type="url" placeholder="https://…" />
        </label>
        <label>
          {t.orgContactEmail}
          <input {...field('email')} type="email" />
        </label>
        <label>
          {t.orgPhone}
          <input {...field('phone')} type="tel" maxLength={32} />
        </label>
        <label>
          {t.orgTelegram}
          <input {...field('telegram')} maxLength={64} placeholder="@…" />
        </label>
      </div>
      <ErrorText error={error} />
      {saved && (
        <p role="status" className="muted">
          {t.orgSaved}
        </p>
      )}
      <div>
        <button type="submit" className="primary" disabled={busy}>
          {t.orgSave}
        </button>
      </div>
    </form>
  );
}

function TeamEditor(props: SectionProps) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<TeamRole>('scanner');
  const { error, busy, run } = useAction();
  const add = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void run(async () => {
      await api.put('/api/organizers/{slug}/team', { path: { slug: props.page.slug }, body: { email: email.trim(), role } });
      setEmail('');
      await props.onSaved();
    });
  };
  const remove = (userId: number) =>
    run(async () => {
      await api.delete('/api/organizers/{slug}/team/{userId}', { path: { slug: props.page.slug, userId } });
      await props.onSaved();
    });
  return (
    <section className="card stack" aria-labelledby="team">
      <h2 id="team">{t.orgTeam}</h2>
      <div className="table-wrap">
        <table className="table" data-testid="team">
          <thead>
            <tr>
              <th>{t.orgMemberName}</th>
              <th>{t.orgRole}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.page.team.map((member) => (
              <tr key={member.user_id}>
                <td>{member.display_name}</td>
                <td>{t[`orgRole${member.role}`]}</td>
                <td>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => void remove(member.user_id)}
                    aria-label={`${t.orgRemove}: ${member.display_name}`}
                  >
                    {t.orgRemove}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="inline" onSubmit={add}>
        <label>
          {t.orgMemberEmail}
          <input name="member-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          {t.orgRole}
          <select name="member-role" value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
            {TEAM_ROLES.map((value) => (
              <option key={value} value={value}>
                {t[`orgRole${value}`]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy}>
          {t.orgAddMember}
        </button>
      </form>
      <p className="muted small">{t.orgTeamNote}</p>
      <ErrorText error={error} />
    </section>
  );
}

function FaqEditor(props: SectionProps) {
  const { t } = useI18n();
  const [items, setItems] = useState(props.page.faq);
  const [saved, setSaved] = useState(false);
  const { error, busy, run } = useAction();
  const change = (next: typeof items) => {
    setSaved(false);
    setItems(next);
  };
  const setItem = (index: number, key: 'question' | 'answer', value: string) =>
    change(items.map((item, at) => (at === index ? { ...item, [key]: value } : item)));
  const save = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void run(async () => {
      await api.put('/api/organizers/{slug}/faq', { path: { slug: props.page.slug }, body: { items } });
      await props.onSaved();
      setSaved(true);
    });
  };
  return (
    <form className="card stack" onSubmit={save} aria-labelledby="faq">
      <h2 id="faq">{t.orgFaq}</h2>
      {items.map((item, index) => (
        <fieldset className="org-faq-item" key={index}>
          <legend>
            {t.orgQuestion} {index + 1}
          </legend>
          <label>
            {t.orgQuestion}
            <input
              name={`faq-${index}-question`}
              value={item.question}
              maxLength={500}
              onChange={(e) => setItem(index, 'question', e.target.value)}
              required
            />
          </label>
          <label>
            {t.orgAnswer}
            <textarea
              name={`faq-${index}-answer`}
              value={item.answer}
              maxLength={5000}
              onChange={(e) => setItem(index, 'answer', e.target.value)}
              required
            />
          </label>
          <div className="inline">
            {index > 0 && (
              <button
                type="button"
                onClick={() =>
                  change(items.map((other, at) => (at === index - 1 ? item : at === index ? (items[index - 1] ?? other) : other)))
                }
              >
                {t.orgMoveUp}
              </button>
            )}
            <button type="button" onClick={() => change(items.filter((_, at) => at !== index))}>
              {t.orgRemove}
            </button>
          </div>
        </fieldset>
      ))}
      <div className="inline">
        <button type="button" onClick={() => change([...items, { question: '', answer: '' }])}>
          {t.orgAddQuestion}
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {t.orgSaveFaq}
        </button>
      </div>
      <ErrorText error={error} />
      {saved && (
        <p role="status" className="muted">
          {t.orgSaved}
        </p>
      )}
    </form>
  );
}

/** The public brand page: name, logo, description, contacts, upcoming events and FAQ. */
export function PublicBrandPage(props: { slug: string }) {
  const { t, locale } = useI18n();
  const page = useLoad(() => loadPage(props.slug), [props.slug]);
  const data = page.data;
  if (!data)
    return (
      <main>
        <ErrorText error={page.error} />
        {!page.error && <p className="muted">{t.loading}</p>}
      </main>
    );
  const contacts = data.contacts;
  const style = data.brand_color ? ({ '--brand': data.brand_color } as CSSProperties) : undefined;
  return (
    <main>
      <header className="org-brand-header" style={style}>
        {data.logo_url && <img src={data.logo_url} alt="" />}
        <div>
          <p className="muted small">{t.orgByOrganizer}</p>
          <h1>{data.name}</h1>
        </div>
      </header>
      {data.description && <p className="org-brand-description">{data.description}</p>}
      <BrandHallsLink slug={props.slug} />
      {(contacts.site || contacts.email || contacts.phone || contacts.telegram) && (
        <p className="inline" aria-label={t.orgContacts}>
          {contacts.site && <a href={contacts.site}>{contacts.site.replace(/^https?:\/\//, '')}</a>}
          {contacts.email && <a href={`mailto:${contacts.email}`}>{contacts.email}</a>}
          {contacts.phone && <a href={`tel:${contacts.phone}`}>{contacts.phone}</a>}
          {contacts.telegram && <span>{contacts.telegram}</span>}
        </p>
      )}
      <h2>{t.orgUpcoming}</h2>
      {data.upcoming_events.length === 0 ? (
        <p className="muted">{t.orgNoUpcoming}</p>
      ) : (
        <ul className="cards" data-testid="brand-events">
          {data.upcoming_events.map((event) => (
            <li className="card" key={event.id}>
              <Link to={`/events/${event.id}`}>
                <strong>{event.title}</strong>
              </Link>
              <span className="muted">
                {formatDate(event.starts_at, locale, event.timezone)}
                {event.venue ? ` · ${event.venue}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      {data.faq.length > 0 && (
        <section className="org-faq" aria-labelledby="brand-faq">
          <h2 id="brand-faq">{t.orgFaq}</h2>
          {data.faq.map((item, index) => (
            <details key={index}>
              <summary>{item.question}</summary>
              <p className="org-brand-description">{item.answer}</p>
            </details>
          ))}
        </section>
      )}
    </main>
  );
}
