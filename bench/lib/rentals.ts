import { call, registerUser, type BenchUser } from './fixtures.ts';

// A studio made through the API for the rentals scenarios: an owner who becomes an organizer, a
// brand, halls, a tariff and a light kit, and a renter. Made afresh by every scenario's setup (a
// new brand each time), so rounds never find the slots of an earlier one taken.

const ZONE = 'Asia/Almaty';
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;

/** Open 09–23 on weekdays, 10–22 on Saturdays, closed on Sundays: the demo studio's hours. */
const STUDIO_HOURS = {
  ...Object.fromEntries(WEEKDAYS.map((day) => [day, { open: '09:00', close: '23:00' }])),
  sat: { open: '10:00', close: '22:00' },
  sun: null,
};
/** Open round the clock, every day: rentals on distinct slots never run out of quarter hours. */
const ALL_DAY = Object.fromEntries([...WEEKDAYS, 'sat', 'sun'].map((day) => [day, { open: '00:00', close: '24:00' }]));

/** Three bands, as the demo studio: a quote of a weekday 17:00–19:00 crosses two. */
const STUDIO_TARIFF = {
  currency: 'KZT',
  bands: [
    { name: 'Weekdays', days: [...WEEKDAYS], from: '09:00', to: '18:00', price_per_hour: 400_000 },
    { name: 'Evenings', days: [...WEEKDAYS], from: '18:00', to: '23:00', price_per_hour: 600_000 },
    { name: 'Saturday', days: ['sat'], from: '10:00', to: '22:00', price_per_hour: 500_000 },
  ],
  minimum_charge: 400_000,
};
const FLAT_TARIFF = {
  currency: 'KZT',
  bands: [{ name: 'Any time', days: [...WEEKDAYS, 'sat', 'sun'], from: '00:00', to: '24:00', price_per_hour: 100_000 }],
};

export interface BenchStudio {
  slug: string;
  hallIds: number[];
  lightKitId: number;
  renter: BenchUser;
}

/** `shape: 'studio'`: halls like the demo studio's (hours, three bands, a buffer); `'all-day'`: open 24/7, one band. */
export async function makeStudio(url: string, halls: number, shape: 'studio' | 'all-day'): Promise<BenchStudio> {
  const owner = await registerUser(url, 'studio');
  const { access_token } = (await call(url, 'POST', '/api/auth/login', { email: owner.email, password: owner.password })) as {
    access_token: string;
  };
  const bearer = `Bearer ${access_token}`;
  await call(url, 'POST', '/api/users/me/become-organizer', undefined, bearer);
  const slug = `bench-studio-${String(Date.now())}-${String(process.pid)}`;
  await call(url, 'POST', '/api/organizers', { slug, name: slug }, bearer, 201);
  const hallIds: number[] = [];
  for (let n = 1; n <= halls; n++) {
    const hall = (await call(
      url,
      'POST',
      `/api/organizers/${slug}/halls`,
      shape === 'studio'
        ? { name: `Hall ${String(n)}`, timezone: ZONE, opening_hours: STUDIO_HOURS, buffer_minutes: 15, min_minutes: 60 }
        : { name: `Hall ${String(n)}`, timezone: ZONE, opening_hours: ALL_DAY },
      bearer,
      201,
    )) as { id: number };
    await call(url, 'PUT', `/api/halls/${String(hall.id)}/tariffs`, shape === 'studio' ? STUDIO_TARIFF : FLAT_TARIFF, bearer);
    hallIds.push(hall.id);
  }
  const kit = (await call(
    url,
    'POST',
    `/api/organizers/${slug}/extras`,
    { name: 'Light kit', pricing: 'per_hour', price: 150_000, currency: 'KZT', stock: 2 },
    bearer,
    201,
  )) as { id: number };
  const renter = await registerUser(url, 'renter');
  // Verify the renter's password now (argon2id, once): it is then remembered for 60 s.
  await call(url, 'GET', '/api/users/me', undefined, renter.basic);
  return { slug, hallIds, lightKitId: kit.id, renter };
}

/** Local dates `from`..`to` (inclusive) starting `daysAhead` from today in the studio's zone. */
export function localDates(daysAhead: number, days: number): { from: string; to: string } {
  const date = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString('sv-SE', { timeZone: ZONE });
  return { from: date(daysAhead), to: date(daysAhead + days - 1) };
}

interface Availability {
  days: { date: string; slots: { starts_at: string; status: string }[] }[];
}

/** The hall's availability of local dates, as the API answers it. */
export async function availability(url: string, hallId: number, from: string, to: string): Promise<Availability> {
  return (await call(url, 'GET', `/api/halls/${String(hallId)}/availability?from=${from}&to=${to}`)) as Availability;
}
