import { useEffect, useState } from 'react';
import { api, money, signedIn } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ErrorText, Link, useLoad } from '../ui.tsx';
import type { Hall } from './rentals.api.ts';
import { Crumbs } from './rentals.ui.tsx';

const PAGE_SIZE = 20;

/** The top bar's way into rentals: "Rent a hall" for everyone, "My rentals" once signed in. */
export function RentalsNav() {
  const { t } = useI18n();
  return (
    <>
      <Link to="/studios">{t.rentNav}</Link>
      {signedIn() && <Link to="/account/rentals">{t.rentMine}</Link>}
    </>
  );
}

/** Studios with halls to rent, a page at a time. */
export function StudiosPage() {
  const { t, locale } = useI18n();
  const [page, setPage] = useState(1);
  const { data, error } = useLoad(() => api.get('/api/studios', { query: { page, pageSize: PAGE_SIZE } }), [page]);
  useEffect(() => {
    document.title = `${t.rentStudios} — Sbor`;
  }, [t]);
  return (
    <main>
      <Crumbs trail={[{ to: '/', label: t.brand }, { label: t.rentStudios }]} />
      <h1>{t.rentStudios}</h1>
      <p className="muted">{t.rentStudiosIntro}</p>
      <ErrorText error={error} />
      {!data && !error && <p className="muted">{t.loading}</p>}
      {data?.length === 0 && <p>{page === 1 ? t.rentNoStudios : t.rentNoMore}</p>}
      <ul className="cards" data-testid="studios">
        {data?.map((studio) => (
          <li key={studio.id} className="card row">
            <Link to={`/studios/${studio.slug}`}>
              <b>{studio.name}</b>
            </Link>
            <span>
              {t.rentHallCount}: {studio.halls}
            </span>
            {studio.price_from && (
              <span>
                {t.rentFrom} {money(studio.price_from.amount, studio.price_from.currency, locale)}
                {t.rentPerHour}
              </span>
            )}
          </li>
        ))}
      </ul>
      {(page > 1 || data?.length === PAGE_SIZE) && (
        <div className="inline">
          <button type="button" disabled={page === 1} onClick={() => setPage(page - 1)}>
            ←
          </button>
          <span>{page}</span>
          <button type="button" disabled={(data?.length ?? 0) < PAGE_SIZE} onClick={() => setPage(page + 1)}>
            →
          </button>
        </div>
      )}
    </main>
  );
}

/** A hall's card: photo, size, people, price from …/hour; the whole card leads to the hall page. */
function HallCard(props: { hall: Hall }) {
  const { t, locale } = useI18n();
  const { hall } = props;
  const from = hall.tariff?.bands.reduce((low, band) => Math.min(low, band.price_per_hour), Infinity);
  return (
    <li className="card rent-hall-card" data-testid="hall-card">
      {hall.photos[0] ? (
        <img src={hall.photos[0]} alt="" loading="lazy" />
      ) : (
        <div className="rent-photo-none" aria-hidden="true">
          {hall.name.slice(0, 1)}
        </div>
      )}
      <div>
        <h2>
          <Link to={`/halls/${hall.id}`}>{hall.name}</Link>
        </h2>
        {hall.description && <p className="muted">{hall.description}</p>}
        <p className="rent-chips-line">
          {hall.capacity !== null && (
            <span>
              {t.rentCapacity}: {hall.capacity}
            </span>
          )}
          {hall.area_sq_m !== null && <span>{hall.area_sq_m} m²</span>}
          {from !== undefined && Number.isFinite(from) && hall.tariff && (
            <b>
              {t.rentFrom} {money(from, hall.tariff.currency, locale)}
              {t.rentPerHour}
            </b>
          )}
        </p>
      </div>
    </li>
  );
}

/** A studio's halls. */
export function StudioPage(props: { slug: string }) {
  const { t } = useI18n();
  const halls = useLoad(() => api.get('/api/organizers/{slug}/halls', { path: { slug: props.slug } }), [props.slug]);
  const brand = useLoad(() => api.get('/api/organizers/{slug}', { path: { slug: props.slug } }), [props.slug]);
  const name = brand.data?.name ?? props.slug;
  useEffect(() => {
    document.title = `${name} — Sbor`;
  }, [name]);
  return (
    <main>
      <Crumbs trail={[{ to: '/studios', label: t.rentStudios }, { label: name }]} />
      <h1>{name}</h1>
      <p>
        <Link to={`/o/${props.slug}`}>{t.rentStudioPage}</Link>
      </p>
      <ErrorText error={halls.error} />
      {!halls.data && !halls.error && <p className="muted">{t.loading}</p>}
      {halls.data?.length === 0 && <p>{t.rentNoHalls}</p>}
      <ul className="rent-hall-cards">
        {halls.data?.map((hall) => (
          <HallCard key={hall.id} hall={hall} />
        ))}
      </ul>
    </main>
  );
}

/** On an organizer's public page: a link to its halls, when it has any. */
export function BrandHallsLink(props: { slug: string }) {
  const { t } = useI18n();
  const { data } = useLoad(() => api.get('/api/organizers/{slug}/halls', { path: { slug: props.slug } }), [props.slug]);
  if (!data?.length) return null;
  return (
    <p className="rent-brand-link">
      <Link to={`/studios/${props.slug}`}>
        {t.rentBrandHalls} ({data.length}) →
      </Link>
    </p>
  );
}
