import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeOrganizer,
  haveBrowser,
  payWithSuccessCard,
  PHONE,
  shot,
  signUp,
  startBrowserHarness,
  WAIT,
  type BrowserHarness,
} from './support/browser.ts';

// The renter's pages in headless Chromium: a studio's halls, the hall's week grid with a range
// dragged across it, the quote, booking, paying on the sandbox card page, CONFIRMED, "My rentals",
// cancelling with the refund shown first; a slot taken elsewhere turning taken, a 409 explained,
// the day view at phone width. The studio and its hall are made through the public API with the
// organizer's token (what the studio's editors do); everything the renter does is in the UI.
let harness: BrowserHarness;
let base: string;
let organizer: Page;
let slug: string;
let hallId: number;

const HALL = 'Белый зал';
const EVERY_DAY = Object.fromEntries(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, { open: '09:00', close: '21:00' }]),
);

async function tokenOf(page: Page): Promise<string> {
  return page.evaluate(() => (JSON.parse(localStorage.getItem('sbor.tokens') ?? '{}') as { access_token: string }).access_token);
}

async function apiAs<T>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await tokenOf(page)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A grid cell by its local date and time. */
const cell = (page: Page, date: string, time: string) => page.locator(`.rent-cell[data-date="${date}"][data-time="${time}"]`);

/** Drags with the mouse from one cell to another (both included). */
async function drag(page: Page, date: string, from: string, to: string): Promise<void> {
  const start = await cell(page, date, from).boundingBox();
  const end = await cell(page, date, to).boundingBox();
  if (!start || !end) throw new Error(`no cell ${date} ${from} or ${to}`);
  await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2);
  await page.mouse.down();
  await page.mouse.move(end.x + end.width / 2, end.y + end.height / 2, { steps: 8 });
  await page.mouse.up();
}

/** The local date of the column `weekday` (0 = Monday) of the week shown. */
async function shownDate(page: Page, weekday: number): Promise<string> {
  const week = new URL(page.url()).searchParams.get('week');
  if (!week) throw new Error('no week in the address');
  const date = new Date(`${week}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + weekday);
  return date.toISOString().slice(0, 10);
}

/** Opens the hall page two weeks ahead (far past the policy's 72 hours). */
async function openHallTwoWeeksAhead(page: Page): Promise<void> {
  await page.goto(`${base}/halls/${hallId}`);
  await page.getByTestId('rent-grid').waitFor(WAIT);
  for (let i = 0; i < 2; i++) {
    const before = await page.getByTestId('week-label').textContent();
    await page.getByRole('button', { name: 'Next week →' }).click();
    await expect.poll(() => page.getByTestId('week-label').textContent(), WAIT).not.toBe(before);
  }
  await page.locator('.rent-cell[data-status="free"]').first().waitFor(WAIT);
}

/** A hold made through the API by someone else: [from, to) local times on `date` in Almaty (UTC+5). */
async function takeElsewhere(page: Page, date: string, from: string, to: string): Promise<void> {
  await apiAs(page, 'POST', '/api/rentals', {
    hall_id: hallId,
    starts_at: `${date}T${from}:00+05:00`,
    ends_at: `${date}T${to}:00+05:00`,
  });
}

describe.skipIf(!haveBrowser)('the renter’s pages in headless Chromium', () => {
  beforeAll(async () => {
    // Refunds go to the gateway every half second instead of every minute.
    harness = await startBrowserHarness({ PAYMENT_RECONCILE_INTERVAL_MS: '500' });
    base = harness.base;
    organizer = await harness.newPage();
    await signUp(organizer, base, 'studio');
    slug = await becomeOrganizer(organizer, base);
    const hall = await apiAs<{ id: number }>(organizer, 'POST', `/api/organizers/${slug}/halls`, {
      name: HALL,
      description: 'Циклорама 6×4 м, окна на юг.',
      capacity: 12,
      area_sq_m: 60,
      timezone: 'Asia/Almaty',
      opening_hours: EVERY_DAY,
      min_minutes: 60,
      buffer_minutes: 15,
      cancellation: { full_refund_hours: 72, partial_refund_hours: 24, partial_refund_percent: 50 },
    });
    hallId = hall.id;
    await apiAs(organizer, 'PUT', `/api/halls/${hallId}/tariffs`, {
      currency: 'KZT',
      bands: [
        {
          name: 'День',
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          from: '09:00',
          to: '18:00',
          price_per_hour: 400_000,
        },
        {
          name: 'Вечер',
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          from: '18:00',
          to: '21:00',
          price_per_hour: 600_000,
        },
      ],
    });
    await apiAs(organizer, 'POST', `/api/organizers/${slug}/extras`, {
      name: 'Комплект света',
      pricing: 'per_hour',
      price: 150_000,
      currency: 'KZT',
      stock: 1,
    });
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('takes a renter from the studio list to a dragged range, the quote, the sandbox card and CONFIRMED, then cancels it from My rentals with the refund shown first', async () => {
    const renter = await harness.newPage();
    // Signed out: the renter picks first and signs up on the way to booking.
    await renter.goto(`${base}/`);
    await renter.getByRole('link', { name: 'Rent a hall' }).click();
    await renter.getByRole('heading', { name: 'Studios' }).waitFor(WAIT);
    await renter.getByTestId('studios').getByRole('link', { name: 'Qazaq Events' }).last().click();
    await renter.getByTestId('hall-card').getByRole('link', { name: HALL }).click();
    await renter.getByRole('heading', { name: HALL }).waitFor(WAIT);
    expect(await renter.getByTestId('hall-zone').textContent()).toBe('Asia/Almaty');
    expect(await renter.getByTestId('policy').textContent()).toContain('Full refund until 72 hours before the start');
    await openHallTwoWeeksAhead(renter);

    const wednesday = await shownDate(renter, 2);
    await drag(renter, wednesday, '10:00', '11:45');
    await expect.poll(() => renter.locator('.rent-cell[data-at].selected').count(), WAIT).toBe(8);
    await renter.getByLabel(/Комплект света/).check();
    // 2 h of the day band (4,000.00 an hour) and the light kit (1,500.00 an hour): 11,000.00.
    await expect.poll(() => renter.getByTestId('quote-total').textContent(), WAIT).toContain('11,000.00');
    const lines = await renter.getByTestId('price-lines').locator('tbody tr').allTextContents();
    expect(lines).toEqual([expect.stringMatching(/День.*8,000\.00/), expect.stringMatching(/Комплект света.*3,000\.00/)]);
    await shot(renter, 'rentals-quote');

    await renter.getByTestId('book').click(); // "Sign in to book"
    await renter.waitForURL(/\/signin\?next=/, WAIT);
    await renter.getByRole('link', { name: /No account/ }).click();
    const email = `renter-${Date.now()}@example.test`;
    await renter.getByLabel('Email').fill(email);
    await renter.getByLabel('Password').fill('correct horse battery staple');
    await renter.getByLabel('First name').fill('Renter');
    await renter.getByLabel('Surname').fill('Testova');
    await renter.locator('form').getByRole('button', { name: 'Sign up' }).click();
    // Back on the hall with the same selection and extras.
    await renter.waitForURL(new RegExp(`/halls/${hallId}\\?`), WAIT);
    await expect.poll(() => renter.getByTestId('quote-total').textContent(), WAIT).toContain('11,000.00');

    await renter.getByRole('button', { name: 'Book' }).click();
    await renter.waitForURL(/\/rentals\/\d+$/, WAIT);
    const rentalId = Number(/(\d+)$/.exec(renter.url())![1]);
    await expect.poll(() => renter.getByTestId('rental-status').getAttribute('data-status'), WAIT).toBe('PENDING');
    await expect.poll(() => renter.getByTestId('countdown').textContent(), WAIT).toMatch(/\d\d:\d\d/);
    expect(await renter.getByTestId('rental-when').textContent()).toContain('10:00–12:00');

    await renter.getByRole('button', { name: /^Pay/ }).click();
    await payWithSuccessCard(renter);
    await renter.waitForURL(new RegExp(`/rentals/${rentalId}\\?payment=success`), WAIT);
    await expect.poll(() => renter.getByTestId('rental-status').getAttribute('data-status'), WAIT).toBe('CONFIRMED');
    await renter.getByTestId('rental-confirmed').waitFor(WAIT);
    await shot(renter, 'rentals-confirmed');

    await renter.getByRole('link', { name: 'My rentals' }).first().click();
    await renter.getByRole('heading', { name: 'My rentals' }).waitFor(WAIT);
    const row = renter.getByTestId('my-rental');
    await expect.poll(() => row.textContent(), WAIT).toMatch(new RegExp(`${HALL}.*10:00–12:00.*Confirmed`));
    await shot(renter, 'rentals-mine');

    await row.getByRole('link', { name: HALL }).click();
    await renter.getByRole('button', { name: 'Cancel rental…' }).click();
    // Two weeks ahead: the policy gives everything back, and says so before the renter confirms.
    expect(await renter.getByTestId('refund-preview').textContent()).toContain('11,000.00');
    await renter.getByRole('button', { name: 'Yes, cancel' }).click();
    await expect.poll(() => renter.getByTestId('rental-status').getAttribute('data-status'), WAIT).toBe('CANCELLED');
    expect(await renter.getByTestId('rental-refund').textContent()).toContain('11,000.00');
    // The gateway is asked for the refund (payments' job, every half second here).
    await expect
      .poll(async () => (await apiAs<{ refund_amount: number }>(renter, 'GET', `/api/rentals/${rentalId}`)).refund_amount, WAIT)
      .toBe(1_100_000);
  });

  it('turns a slot taken elsewhere taken on the next refresh, and explains a 409 when the chosen time goes meanwhile', async () => {
    const renter = await harness.newPage();
    await signUp(renter, base, 'second');
    const other = await harness.newPage();
    await signUp(other, base, 'other');
    await openHallTwoWeeksAhead(renter);
    const thursday = await shownDate(renter, 3);
    expect(await cell(renter, thursday, '10:00').getAttribute('data-status')).toBe('free');

    await takeElsewhere(other, thursday, '10:00', '11:00');
    // Coming back to the tab refreshes at once (and every 15 s regardless).
    await renter.evaluate("window.dispatchEvent(new Event('focus'))");
    await expect.poll(() => cell(renter, thursday, '10:00').getAttribute('data-status'), WAIT).toBe('held');
    expect(await cell(renter, thursday, '11:00').getAttribute('data-status')).toBe('buffer');

    // Click the start, then the end.
    await cell(renter, thursday, '13:00').click();
    await cell(renter, thursday, '13:45').click();
    await expect.poll(() => renter.getByTestId('quote-total').textContent(), WAIT).toContain('4,000.00');
    await takeElsewhere(other, thursday, '13:00', '14:00');
    await renter.getByRole('button', { name: 'Book' }).click();
    // The server's 409 in words, and the grid asked again at once: the time shows taken.
    await expect
      .poll(async () => (await renter.getByRole('alert').allTextContents()).join(' | '), WAIT)
      .toContain('overlaps another rental');
    await expect.poll(() => cell(renter, thursday, '13:00').getAttribute('data-status'), WAIT).toBe('held');
    expect(await renter.getByTestId('selection-problem').textContent()).toContain('not free');
    expect(renter.url()).toContain(`/halls/${hallId}`);
  });

  it('shows one day at a time with a day picker at phone width', async () => {
    const phone = await harness.newPage(PHONE);
    await phone.goto(`${base}/halls/${hallId}`);
    await phone.getByTestId('rent-grid').waitFor(WAIT);
    const tabs = phone.getByRole('tab');
    expect(await tabs.count()).toBe(7);
    expect(await phone.locator('.rent-grid-day').count()).toBe(1);
    await tabs.nth(6).click();
    await expect.poll(() => tabs.nth(6).getAttribute('aria-selected'), WAIT).toBe('true');
    // Every cell drawn is of that one day (the seventh).
    const sunday = await shownDate(phone, 6);
    await expect.poll(() => phone.locator(`.rent-cell[data-date]:not([data-date="${sunday}"])`).count(), WAIT).toBe(0);
    expect(await phone.locator(`.rent-cell[data-date="${sunday}"]`).count()).toBeGreaterThan(0);
  });

  it('draws the days the clocks change in Berlin with the quarter hours they really have', async () => {
    const berlin = await apiAs<{ id: number }>(organizer, 'POST', `/api/organizers/${slug}/halls`, {
      name: 'Berlin',
      timezone: 'Europe/Berlin',
      opening_hours: Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, { open: '00:00', close: '24:00' }]),
      ),
      horizon_days: 1830,
    });
    const page = await harness.newPage();
    const count = (date: string) => page.locator(`.rent-cell[data-date="${date}"]`).count();
    // The week of Sunday 2027-10-31 (25 hours) and of Sunday 2027-03-28 (23 hours).
    await page.goto(`${base}/halls/${berlin.id}?week=2027-10-25`);
    await page.getByTestId('rent-grid').waitFor(WAIT);
    await expect.poll(() => count('2027-10-31'), WAIT).toBe(100);
    expect(await count('2027-10-30')).toBe(96);
    // The repeated hour has rows of its own, after the first 02:45 and before 03:00, with the offset.
    const times = await page.locator('.rent-grid-time').allTextContents();
    const repeated = times.indexOf('02:00 GMT+1');
    expect(repeated).toBeGreaterThan(times.indexOf('02:00'));
    expect(times.indexOf('03:00')).toBe(repeated + 4);
    expect(await cell(page, '2027-10-31', '02:00').count()).toBe(2);

    await page.goto(`${base}/halls/${berlin.id}?week=2027-03-22`);
    await expect.poll(() => count('2027-03-28'), WAIT).toBe(92);
    expect(await cell(page, '2027-03-28', '02:00').count()).toBe(0);
    expect(await cell(page, '2027-03-27', '02:00').count()).toBe(1);
  });

  it('draws the hall page at desktop and phone width', async () => {
    const page = await harness.newPage();
    await openHallTwoWeeksAhead(page);
    await shot(page, 'rentals-hall');
  });
});
