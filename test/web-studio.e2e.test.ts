import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeOrganizer,
  haveBrowser,
  PHONE,
  shot,
  signUp,
  startBrowserHarness,
  WAIT,
  type BrowserHarness,
} from './support/browser.ts';
import { signUp as signUpByApi, type TestUser } from './support/users.ts';

// The studio's side of hall rental in headless Chromium: a studio owner adds a hall with opening
// hours, a two-band tariff, an extra with stock and a closure; sees a renter's rentals (made
// through the API) in the week calendar, confirms one paid offline, blocks time and cancels with a
// full refund — each checked on screen and through the API. A user off the team is told so.
let harness: BrowserHarness;
let base: string;

const HOUR = 3_600_000;
const ALMATY = 5 * HOUR;

/** Calls the API as the user signed in on `page` (its tokens are in localStorage). */
async function apiAs<T>(page: Page, method: string, path: string): Promise<T> {
  const raw = await page.evaluate(() => localStorage.getItem('sbor.tokens'));
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${(JSON.parse(raw!) as { access_token: string }).access_token}`,
    },
  });
  expect(response.status, `${method} ${path}`).toBe(200);
  return (await response.json()) as T;
}

/** A local date in Almaty `days` from now that is not a Sunday (the hall is closed on Sundays). */
function workingDate(days: number): string {
  const date = new Date(Date.now() + ALMATY + days * 24 * HOUR);
  if (date.getUTCDay() === 0) date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** An Almaty wall-clock time of `date` as an instant (UTC+5 all year). */
const almaty = (date: string, time: string) => new Date(Date.parse(`${date}T${time}:00Z`) - ALMATY).toISOString();

async function top(page: Page): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
}

describe.skipIf(!haveBrowser)('the studio pages in headless Chromium', () => {
  let owner: Page;
  let slug: string;
  let renter: TestUser;
  let hallId: number;
  let extraId: number;
  const rentalDate = workingDate(9);

  beforeAll(async () => {
    harness = await startBrowserHarness();
    base = harness.base;
    owner = await harness.newPage();
    await signUp(owner, base, 'studio');
    slug = await becomeOrganizer(owner, base);
    renter = await signUpByApi(harness.service.app);
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('lets the owner add a hall with opening hours, the API’s objections shown next to the fields', async () => {
    await owner.goto(`${base}/organizer`);
    await owner.getByRole('link', { name: 'Halls & rentals' }).click();
    await owner.waitForURL(`${base}/organizer/studio/${slug}`, WAIT);
    await owner.getByText('No halls yet.').waitFor(WAIT);
    await owner.getByRole('link', { name: '+ Add hall' }).click();
    await owner.getByRole('heading', { name: 'New hall' }).waitFor(WAIT);

    await owner.getByLabel('Hall name').fill('Белый зал');
    await owner.getByLabel('Capacity, people').fill('25');
    await owner.getByLabel('Area, m²').fill('80');
    await owner.getByLabel('Saturday: open or closed').selectOption('all');
    await owner.getByLabel('Sunday: open or closed').selectOption('closed');
    await owner.getByLabel('Monday: closes').selectOption('22:00');
    await owner.getByLabel('Shortest rental, minutes').fill('120');
    await owner.getByLabel('Longest rental, minutes').fill('60');
    await owner.getByRole('button', { name: 'Create hall' }).click();
    // The API's word stands under the field it is about.
    await owner.locator('.field-problem', { hasText: 'min_minutes must not exceed max_minutes' }).waitFor(WAIT);
    await owner.getByLabel('Longest rental, minutes').fill('720');
    await owner.getByLabel('Photos (one web address per line)').fill('ftp://example.test/a.jpg');
    await owner.getByText('Not a web address').waitFor(WAIT);
    await owner.getByLabel('Photos (one web address per line)').fill('');
    await owner.getByRole('button', { name: 'Create hall' }).click();
    await owner.waitForURL(/\/organizer\/studio\/[^/]+\/halls\/\d+$/, WAIT);
    hallId = Number(/(\d+)$/.exec(owner.url())![1]);
    await owner.getByRole('heading', { name: 'Hall: Белый зал' }).waitFor(WAIT);
    await owner.getByText('This hall has no prices yet').waitFor(WAIT);

    const hall = await apiAs<{ opening_hours: Record<string, unknown>; min_minutes: number; capacity: number }>(
      owner,
      'GET',
      `/api/halls/${hallId}`,
    );
    expect(hall).toMatchObject({ min_minutes: 120, capacity: 25 });
    expect(hall.opening_hours).toMatchObject({
      mon: { open: '09:00', close: '22:00' },
      sat: { open: '00:00', close: '24:00' },
      sun: null,
    });
    await top(owner);
    await shot(owner, 'studio-hall-editor');
  });

  it('sets a tariff with two bands typed in major units, and closes the hall on a date', async () => {
    await owner.locator('input[name="band-0-name"]').fill('Будни днём');
    await owner.locator('input[name="band-0-price"]').fill('5000');
    await owner.getByRole('button', { name: '+ Add band' }).click();
    await owner.locator('input[name="band-1-name"]').fill('Вечер и выходные');
    for (const day of ['mon', 'tue', 'wed', 'thu', 'fri']) await owner.locator(`input[name="band-1-${day}"]`).check();
    await owner.locator('select[name="band-1-from"]').selectOption('00:00');
    await owner.locator('select[name="band-1-to"]').selectOption('24:00');
    await owner.locator('input[name="band-1-price"]').fill('7500.50');
    await owner.getByLabel('Minimum charge (KZT)').fill('10000');
    await owner.getByRole('button', { name: 'Save tariff' }).click();
    await owner.getByRole('form', { name: 'Tariff' }).getByRole('status').waitFor(WAIT);
    const hall = await apiAs<{
      tariff: { bands: { name: string; price_per_hour: number; days: string[] }[]; minimum_charge: number };
    }>(owner, 'GET', `/api/halls/${hallId}`);
    expect(hall.tariff.bands).toEqual([
      expect.objectContaining({ name: 'Будни днём', price_per_hour: 500_000, days: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
      expect.objectContaining({ name: 'Вечер и выходные', price_per_hour: 750_050, from: '00:00', to: '24:00' }),
    ]);
    expect(hall.tariff.minimum_charge).toBe(1_000_000);
    await owner.evaluate("document.getElementById('tariff').scrollIntoView()");
    await shot(owner, 'studio-tariff-editor');

    await owner.getByLabel('Reason').fill('Ремонт');
    await owner.getByRole('button', { name: 'Add closure' }).click();
    await owner.getByTestId('closures').getByText('Ремонт').waitFor(WAIT);
    const closed = await apiAs<{ closures: { reason: string }[] }>(owner, 'GET', `/api/halls/${hallId}`);
    expect(closed.closures.map((closure) => closure.reason)).toEqual(['Ремонт']);
  });

  it('adds an extra with a stock to the studio', async () => {
    await owner
      .getByRole('navigation', { name: 'You are here' })
      .getByRole('link', { name: /Halls & rentals/ })
      .click();
    await owner.getByTestId('studio-halls').getByRole('link', { name: 'Белый зал' }).waitFor(WAIT);
    const form = owner.getByRole('form', { name: 'Add extra' });
    await form.getByLabel('Name').fill('Комплект света');
    await form.getByLabel('Price (KZT)').fill('1500');
    await form.getByLabel('Stock').fill('2');
    await form.getByRole('button', { name: 'Add extra' }).click();
    await owner.getByTestId('studio-extras').getByText('Комплект света').waitFor(WAIT);
    const extras = await apiAs<{ id: number; name: string; price: number; stock: number | null; pricing: string }[]>(
      owner,
      'GET',
      `/api/organizers/${slug}/extras`,
    );
    expect(extras).toEqual([expect.objectContaining({ name: 'Комплект света', price: 150_000, stock: 2, pricing: 'per_hour' })]);
    extraId = extras[0]!.id;
  });

  it('shows a renter’s rentals in the calendar, confirms one paid offline, blocks time and cancels with a full refund', async () => {
    const rent = async (from: string, to: string, extras: { extra_id: number; quantity: number }[]) => {
      const created = await harness.service.app.inject({
        method: 'POST',
        url: '/api/rentals',
        headers: renter.bearer,
        payload: { hall_id: hallId, starts_at: almaty(rentalDate, from), ends_at: almaty(rentalDate, to), extras },
      });
      expect(created.statusCode, created.body).toBe(201);
      return created.json<{ id: number; total: number }>();
    };
    const first = await rent('12:00', '14:00', [{ extra_id: extraId, quantity: 1 }]);
    const second = await rent('15:00', '17:00', []);

    await owner.goto(`${base}/organizer/studio/${slug}/calendar?week=${rentalDate}`);
    await owner.getByRole('heading', { name: /^Calendar:/ }).waitFor(WAIT);
    const item = owner.getByTestId(`calendar-rental-${first.id}`);
    await item.waitFor(WAIT);
    expect(await item.textContent()).toContain('12:00–14:00');
    expect(await item.textContent()).toContain('Awaiting payment');
    await owner.getByTestId(`calendar-rental-${second.id}`).waitFor(WAIT);

    await item.click();
    const detail = owner.getByTestId('rental-detail');
    await detail.getByText(`Renter: user #${renter.id}`).waitFor(WAIT);
    await detail.getByText('Extra: Комплект света').waitFor(WAIT);
    await detail.getByRole('button', { name: 'Confirm paid offline' }).click();
    await detail.getByTestId('rental-status').getByText('Paid').waitFor(WAIT);
    const confirmed = await apiAs<{ status: string; paid_offline: boolean }>(owner, 'GET', `/api/rentals/${first.id}`);
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', paid_offline: true });
    await detail.getByRole('button', { name: 'Close' }).click();

    await owner.getByRole('button', { name: 'Block time' }).click();
    const block = owner.getByRole('form', { name: 'Block time' });
    await block.getByLabel('Date').fill(rentalDate);
    await block.locator('select[name="block-from"]').selectOption('18:00');
    await block.locator('select[name="block-to"]').selectOption('19:30');
    await block.getByLabel('Reason').fill('Техобслуживание');
    await block.getByRole('button', { name: 'Block', exact: true }).click();
    await owner.locator('.studio-item.block', { hasText: 'Техобслуживание' }).waitFor(WAIT);
    const ofHall = await apiAs<{ kind: string; status: string; starts_at: string; note: string }[]>(
      owner,
      'GET',
      `/api/halls/${hallId}/rentals?from=${rentalDate}&to=${rentalDate}`,
    );
    expect(ofHall.find((rental) => rental.kind === 'block')).toMatchObject({
      status: 'CONFIRMED',
      note: 'Техобслуживание',
      starts_at: almaty(rentalDate, '18:00').replace('.000Z', '.000Z'),
    });
    await top(owner);
    await owner.screenshot({ path: screenshotPath('studio-calendar-desktop'), fullPage: true });

    await owner.setViewportSize(PHONE);
    await owner.getByRole('tablist').waitFor(WAIT);
    await owner.getByTestId(`calendar-rental-${first.id}`).waitFor(WAIT);
    await owner.screenshot({ path: screenshotPath('studio-calendar-phone'), fullPage: true });
    // At phone width the rental still opens and can be cancelled.
    await owner.getByTestId(`calendar-rental-${first.id}`).click();
    await detail.getByRole('button', { name: 'Cancel (full refund)' }).click();
    await owner.getByLabel('Reason').fill('Студия закрыта по болезни');
    await detail.getByRole('button', { name: 'Yes, cancel the rental' }).click();
    await detail.getByTestId('rental-status').getByText('Cancelled').waitFor(WAIT);
    await detail.getByTestId('rental-refund').waitFor(WAIT);
    const cancelled = await apiAs<{ status: string; cancelled_by: string; refund_amount: number; total: number }>(
      owner,
      'GET',
      `/api/rentals/${first.id}`,
    );
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelled_by: 'studio', refund_amount: first.total });
    expect(first.total).toBeGreaterThan(0);
  });

  it('tells a user off the studio’s team that the editors are not theirs, and a missing hall that it does not exist', async () => {
    const stranger = await harness.newPage();
    await signUp(stranger, base, 'stranger');
    await stranger.goto(`${base}/organizer/studio/${slug}/halls/${hallId}`);
    await stranger.getByText('Only the owners and managers of this studio’s team').waitFor(WAIT);
    expect(await stranger.getByRole('button', { name: 'Save hall' }).count()).toBe(0);
    await stranger.goto(`${base}/organizer/studio/${slug}/calendar`);
    await stranger.getByText('Only the owners and managers of this studio’s team').waitFor(WAIT);
    expect(await stranger.locator('.studio-hall-week').count()).toBe(0);
    // The API itself refuses them: 403 not-on-team.
    const raw = await stranger.evaluate(() => localStorage.getItem('sbor.tokens'));
    const refused = await fetch(`${base}/api/halls/${hallId}/rentals?from=${rentalDate}&to=${rentalDate}`, {
      headers: { authorization: `Bearer ${(JSON.parse(raw!) as { access_token: string }).access_token}` },
    });
    expect(refused.status).toBe(403);

    await owner.setViewportSize({ width: 1280, height: 800 });
    await owner.goto(`${base}/organizer/studio/${slug}/halls/999999999`);
    await owner.getByRole('alert').getByText('No such hall.').waitFor(WAIT);
  });
});

/** Where shot() writes (docs/screenshots/ with UPDATE_SCREENSHOTS=1, else a temporary folder). */
function screenshotPath(name: string): string {
  const folder = process.env.UPDATE_SCREENSHOTS
    ? join(import.meta.dirname, '../docs/screenshots')
    : join(process.env.TMPDIR ?? '/tmp', 'sbor-screenshots');
  return join(folder, `${name}.png`);
}
