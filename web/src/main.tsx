import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { onAuthChange, signedIn, signOut } from './api.ts';
import { dictionaries, I18n, initialLocale, type Locale } from './i18n.ts';
import { match, navigate, useLocation } from './router.ts';
import { AuthPage } from './pages/account.tsx';
import { AttendeeNav, NotificationsPage, ProfilePage } from './pages/attendee.account.tsx';
import { FavoritesPage } from './pages/attendee.favorites.tsx';
import { WaitlistPage } from './pages/attendee.waitlist.tsx';
import { BookingPage, EventPage, EventsPage, MyBookingsPage, MyTicketsPage } from './pages/attendee.tsx';
import { PaymentResultPage } from './pages/attendee.payment.tsx';
import { OrganizerEventPage, OrganizerPage } from './pages/organizer.tsx';
import { BrandEditorPage, PublicBrandPage } from './pages/organizer.brand.tsx';
import { EventEditorPage } from './pages/organizer.editor.tsx';
import { ScannerPage } from './pages/scanner.tsx';
import { QueuePage } from './pages/queue.tsx';
// Hall rental, the renter's side (issue 19): routes and top-bar links, kept in one block each.
import { rentalsPage } from './pages/rentals.routes.tsx';
import { RentalsNav } from './pages/rentals.tsx';
import { studioPage } from './pages/studio.tsx';
import { Link } from './ui.tsx';
import './styles.css';

/** Pages that need a signed-in user send others to sign in first. */
const PRIVATE =
  /^\/(bookings|tickets|scanner|organizer|payment-result|waitlist|favorites|notifications|profile)|^\/events\/\d+\/queue/;

function Page() {
  const { path, query } = useLocation();
  const rental = rentalsPage(path, query);
  if (rental) return rental;
  if (PRIVATE.test(path) && !signedIn()) {
    return <AuthPage mode="signin" next={`${path}${window.location.search}`} />;
  }
  if (path === '/') return <EventsPage />;
  if (path === '/signin') return <AuthPage mode="signin" next={query.get('next') ?? '/'} />;
  if (path === '/signup') return <AuthPage mode="signup" next={query.get('next') ?? '/'} />;
  if (path === '/bookings') return <MyBookingsPage />;
  if (path === '/tickets') return <MyTicketsPage />;
  if (path === '/scanner') return <ScannerPage />;
  if (path === '/waitlist') return <WaitlistPage />;
  if (path === '/favorites') return <FavoritesPage />;
  if (path === '/notifications') return <NotificationsPage />;
  if (path === '/profile') return <ProfilePage />;
  if (path === '/organizer') return <OrganizerPage />;
  if (path === '/payment-result')
    return <PaymentResultPage orderId={query.get('orderId') ?? ''} outcome={query.get('outcome') ?? ''} />;
  let params = match('/events/:id/queue', path);
  if (params) return <QueuePage id={Number(params.id)} />;
  params = match('/events/:id', path);
  if (params) return <EventPage key={params.id} id={Number(params.id)} />;
  params = match('/bookings/:id', path);
  if (params) return <BookingPage key={params.id} id={Number(params.id)} />;
  if (path === '/organizer/events/new') return <EventEditorPage brand={query.get('brand') ?? undefined} />;
  params = match('/organizer/events/:id/edit', path);
  if (params) return <EventEditorPage key={params.id} id={Number(params.id)} />;
  params = match('/organizer/brands/:slug', path);
  if (params) return <BrandEditorPage key={params.slug} slug={params.slug ?? ''} />;
  params = match('/o/:slug', path);
  if (params) return <PublicBrandPage key={params.slug} slug={params.slug ?? ''} />;
  // The studio's pages (halls, tariffs, extras, calendar): studio*.tsx.
  const studio = studioPage(path, query);
  if (studio) return studio;
  params = match('/organizer/events/:id', path);
  if (params) return <OrganizerEventPage key={params.id} id={Number(params.id)} />;
  return (
    <main>
      <h1>404</h1>
      <Link to="/">←</Link>
    </main>
  );
}

function App() {
  const [locale, setLocaleState] = useState<Locale>(initialLocale());
  const [, setAuthTick] = useState(0);
  useEffect(() => onAuthChange(() => setAuthTick((tick) => tick + 1)), []);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const i18n = useMemo(
    () => ({
      t: dictionaries[locale],
      locale,
      setLocale: (next: Locale) => {
        localStorage.setItem('sbor.locale', next);
        setLocaleState(next);
      },
    }),
    [locale],
  );
  const t = i18n.t;
  return (
    <I18n.Provider value={i18n}>
      <a className="skip" href="#content">
        ↓
      </a>
      <nav className="topbar" aria-label="main">
        <Link to="/" className="brand">
          {t.brand}
        </Link>
        <Link to="/">{t.events}</Link>
        <RentalsNav />
        {signedIn() && (
          <>
            <Link to="/bookings">{t.myBookings}</Link>
            <Link to="/tickets">{t.myTickets}</Link>
            <Link to="/scanner">{t.scanner}</Link>
            <Link to="/organizer">{t.organizer}</Link>
          </>
        )}
        <span className="spacer" />
        {signedIn() && <AttendeeNav />}
        <label className="lang">
          <span className="sr-only">{t.language}</span>
          <select value={locale} onChange={(e) => i18n.setLocale(e.target.value as Locale)} aria-label={t.language}>
            <option value="ru">RU</option>
            <option value="en">EN</option>
          </select>
        </label>
        {signedIn() ? (
          <button
            type="button"
            className="link"
            onClick={() => {
              void signOut();
              navigate('/');
            }}
          >
            {t.signOut}
          </button>
        ) : (
          <>
            <Link to="/signin">{t.signIn}</Link>
            <Link to="/signup">{t.signUp}</Link>
          </>
        )}
      </nav>
      <div id="content">
        <Page />
      </div>
    </I18n.Provider>
  );
}

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
