import { useEffect, useRef, useState, type InputHTMLAttributes, type SyntheticEvent } from 'react';
import { api, signIn, type User } from '../api.ts';
import { useI18n, type Locale } from '../i18n.ts';
import { linkHandler, useLocation } from '../router.ts';
import { ErrorText, formatDate, Link, useAction, useLoad } from '../ui.tsx';
import { notificationsChanged, onNotificationsChanged, type AppNotification, type Preferences } from './attendee.api.ts';
import './attendee.css';

const BADGE_POLL_MS = 15_000;

/** The signed-in part of the top bar: the bell with its unread badge and the account menu. */
export function AttendeeNav() {
  const { t } = useI18n();
  const { path } = useLocation();
  const [unread, setUnread] = useState(0);
  const menu = useRef<HTMLDetailsElement>(null);
  // Asked on every navigation, every 15 s, and at once when a page marks something read.
  useEffect(() => {
    let alive = true;
    const load = () =>
      void api
        .get('/api/notifications/unread-count')
        .then((answer) => alive && setUnread(answer.unread))
        .catch(() => undefined);
    load();
    const timer = window.setInterval(load, BADGE_POLL_MS);
    const unsubscribe = onNotificationsChanged(load);
    return () => {
      alive = false;
      window.clearInterval(timer);
      unsubscribe();
    };
  }, [path]);
  useEffect(() => {
    if (menu.current) menu.current.open = false;
  }, [path]);
  const label = unread > 0 ? `${t.notifTitle}: ${unread} ${t.notifUnread}` : t.notifTitle;
  return (
    <>
      <a href="/notifications" onClick={linkHandler('/notifications')} className="bell" aria-label={label} title={label}>
        <svg width="22" height="22" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">
          <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6v-5a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z" />
        </svg>
        {unread > 0 && (
          <span className="badge" data-testid="unread-badge" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </a>
      <details className="menu" ref={menu}>
        <summary>{t.navAccount}</summary>
        <div className="menu-items">
          <Link to="/profile">{t.profileTitle}</Link>
          <Link to="/favorites">{t.favTitle}</Link>
          <Link to="/waitlist">{t.wlTitle}</Link>
          <Link to="/notifications">{t.notifTitle}</Link>
        </div>
      </details>
    </>
  );
}

/** The message without the email footer (a "—" line, then the settings address) it carries. */
function bodyOf(text: string): string {
  const footer = text.lastIndexOf('\n—\n');
  return (footer >= 0 ? text.slice(0, footer) : text).trim();
}

/** Turns the link a message carries (PUBLIC_URL + path) into an in-app link when it is ours. */
function NotificationLink(props: { link: string }) {
  const { t } = useI18n();
  const local = props.link.startsWith(window.location.origin) ? props.link.slice(window.location.origin.length) : null;
  if (local?.startsWith('/')) return <Link to={local}>{t.notifOpen}</Link>;
  return <a href={props.link}>{t.notifOpen}</a>;
}

export function NotificationsPage() {
  const { t, locale } = useI18n();
  const [page, setPage] = useState(1);
  const { data, error, reload } = useLoad(
    () => api.get('/api/notifications', { query: { page, page_size: 20 } }),
    [page],
    10_000,
  );
  const action = useAction();
  const act = async (request: () => Promise<unknown>) => {
    if (!(await action.run(request))) return;
    await reload();
    notificationsChanged();
  };
  const markRead = (item: AppNotification) => act(() => api.post('/api/notifications/{id}/read', { path: { id: item.id } }));
  const markAll = () => act(() => api.post('/api/notifications/read-all'));
  const pages = data ? Math.max(1, Math.ceil(data.total / data.page_size)) : 1;
  return (
    <main>
      <h1>{t.notifTitle}</h1>
      <ErrorText error={error} />
      {data && (
        <div className="inline notif-head">
          <span>
            <b data-testid="unread-count">{data.unread}</b> {t.notifUnread}
          </span>
          <button type="button" disabled={data.unread === 0} onClick={() => void markAll()}>
            {t.notifMarkAll}
          </button>
        </div>
      )}
      <ErrorText error={action.error} />
      {data?.items.length === 0 && <p>{t.notifEmpty}</p>}
      <ul className="cards">
        {data?.items.map((item) => (
          <li key={item.id} className={`card notification${item.read ? '' : ' unread'}`} data-testid="notification">
            <div className="row-between">
              <b>{item.subject}</b>
              <span className="muted">{formatDate(item.created_at, locale)}</span>
            </div>
            <p className="notif-text">{bodyOf(item.text)}</p>
            <div className="inline">
              {item.link && <NotificationLink link={item.link} />}
              {!item.read && (
                <button type="button" className="link" onClick={() => void markRead(item)}>
                  {t.notifMarkRead}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {pages > 1 && (
        <div className="inline">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            {t.notifNewer}
          </button>
          <span>
            {page} / {pages}
          </span>
          <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            {t.notifOlder}
          </button>
        </div>
      )}
    </main>
  );
}

interface ProfileForm {
  first_name: string;
  surname: string;
  phone: string;
  telegram: string;
  locale: Locale;
}

export function ProfilePage() {
  const { t } = useI18n();
  const me = useLoad(() => api.get('/api/users/me'), []);
  if (!me.data) {
    return (
      <main className="narrow-page">
        <h1>{t.profileTitle}</h1>
        <ErrorText error={me.error} />
        {!me.error && <p>{t.loading}</p>}
      </main>
    );
  }
  return (
    <main className="narrow-page profile">
      <h1>{t.profileTitle}</h1>
      <p className="muted">{me.data.email}</p>
      <ProfileDetails profile={me.data} />
      <ChannelPreferences initial={me.data.notification_preferences} />
      <PasswordChange email={me.data.email} />
    </main>
  );
}

/** A form's submit: busy, the API's error, and whether it went through (for a "Saved." line). */
function useSubmit() {
  const { busy, error, run } = useAction();
  const [done, setDone] = useState(false);
  const submit = (action: () => Promise<unknown>) => async (event: SyntheticEvent) => {
    event.preventDefault();
    setDone(false);
    setDone(await run(action));
  };
  return { busy, error, done, submit };
}

/** A labelled input with an optional hint under it. */
function Field(props: { label: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const { label, hint, ...input } = props;
  const hintId = hint && input.name ? `${input.name}-hint` : undefined;
  return (
    <label>
      {label}
      <input {...input} aria-describedby={hintId} />
      {hint && <small id={hintId}>{hint}</small>}
    </label>
  );
}

function Saved(props: { text: string | null }) {
  return (
    <p className="saved" role="status">
      {props.text}
    </p>
  );
}

function ProfileDetails(props: { profile: User }) {
  const { t, setLocale } = useI18n();
  const [form, setForm] = useState<ProfileForm>({
    first_name: props.profile.first_name,
    surname: props.profile.surname,
    phone: props.profile.phone ?? '',
    telegram: props.profile.telegram ?? '',
    locale: props.profile.locale,
  });
  const { busy, error, done, submit } = useSubmit();
  const set = (name: keyof ProfileForm) => (event: { target: { value: string } }) =>
    setForm({ ...form, [name]: event.target.value });
  const save = submit(async () => {
    const saved = await api.patch('/api/users/me', {
      body: {
        first_name: form.first_name.trim(),
        surname: form.surname.trim(),
        phone: form.phone.trim() || null,
        telegram: form.telegram.trim() || null,
        locale: form.locale,
      },
    });
    // The profile's language is the app's language too.
    setLocale(saved.locale);
  });
  return (
    <form className="stack card" onSubmit={(event) => void save(event)}>
      <Field
        label={t.firstName}
        name="first_name"
        autoComplete="given-name"
        required
        maxLength={100}
        value={form.first_name}
        onChange={set('first_name')}
      />
      <Field
        label={t.surname}
        name="surname"
        autoComplete="family-name"
        required
        maxLength={100}
        value={form.surname}
        onChange={set('surname')}
      />
      <Field
        label={t.profilePhone}
        hint={t.profilePhoneHint}
        name="phone"
        type="tel"
        autoComplete="tel"
        pattern="\+?[0-9 \(\)\-]{5,20}"
        value={form.phone}
        onChange={set('phone')}
      />
      <Field
        label={t.profileTelegram}
        hint={t.profileTelegramHint}
        name="telegram"
        pattern="@?[A-Za-z0-9_]{5,32}"
        value={form.telegram}
        onChange={set('telegram')}
      />
      <label>
        {t.profileLocale}
        <select name="locale" value={form.locale} onChange={set('locale')}>
          <option value="ru">Русский</option>
          <option value="en">English</option>
        </select>
      </label>
      <ErrorText error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {t.profileSave}
      </button>
      <Saved text={done ? t.profileSaved : null} />
    </form>
  );
}

function ChannelPreferences(props: { initial: Preferences }) {
  const { t } = useI18n();
  const [prefs, setPrefs] = useState(props.initial);
  const { busy, error, done, submit } = useSubmit();
  const save = submit(async () => {
    setPrefs(await api.put('/api/users/me/notification-preferences', { body: prefs }));
  });
  const channels = [
    ['email', t.profileEmailChannel],
    ['sms', t.profileSmsChannel],
    ['in_app', t.profileInAppChannel],
  ] as const;
  return (
    <form className="stack card" onSubmit={(event) => void save(event)}>
      <fieldset>
        <legend>{t.profileChannels}</legend>
        {channels.map(([name, label]) => (
          <label key={name} className="check">
            <input
              type="checkbox"
              name={name}
              checked={prefs[name]}
              onChange={(event) => setPrefs({ ...prefs, [name]: event.target.checked })}
            />
            {label}
          </label>
        ))}
        <small className="muted">{t.profileChannelsHint}</small>
      </fieldset>
      <ErrorText error={error} />
      <button type="submit" disabled={busy}>
        {t.profileSaveChannels}
      </button>
      <Saved text={done ? t.profileSaved : null} />
    </form>
  );
}

function PasswordChange(props: { email: string }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const { busy, error, done, submit } = useSubmit();
  const change = submit(async () => {
    await api.post('/api/users/me/password', { body: { current_password: current, new_password: next } });
    // Every session ended, this one too: sign in again with the new password.
    await signIn(props.email, next);
    setCurrent('');
    setNext('');
  });
  return (
    <form className="stack card" onSubmit={(event) => void change(event)}>
      <h2>{t.profilePassword}</h2>
      <Field
        label={t.profileCurrentPassword}
        type="password"
        name="current_password"
        autoComplete="current-password"
        required
        value={current}
        onChange={(event) => setCurrent(event.target.value)}
      />
      <Field
        label={t.profileNewPassword}
        type="password"
        name="new_password"
        autoComplete="new-password"
        required
        value={next}
        onChange={(event) => setNext(event.target.value)}
      />
      <ErrorText error={error} />
      <button type="submit" disabled={busy}>
        {t.profileChangePassword}
      </button>
      <Saved text={done ? t.profilePasswordChanged : null} />
    </form>
  );
}
