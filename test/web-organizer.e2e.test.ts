import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeOrganizer,
  clickSeat,
  createSeatedEvent,
  haveBrowser,
  shot,
  signUp,
  startBrowserHarness,
  WAIT,
  type BrowserHarness,
} from './support/browser.ts';

// The organizer's pages in headless Chromium: brand page, team, FAQ, the draft flow, cancelling,
// the box office and check-in statistics — checked on screen and through the public API.
let harness: BrowserHarness;
let base: string;

/** Calls the API as the user signed in on `page` (its tokens are in localStorage). */
async function apiAs<T>(page: Page | null, path: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (page) {
    const raw = await page.evaluate(() => localStorage.getItem('sbor.tokens'));
    headers.authorization = `Bearer ${(JSON.parse(raw!) as { access_token: string }).access_token}`;
  }
  const response = await fetch(`${base}${path}`, { headers });
  expect(response.status, `GET ${path}`).toBe(200);
  return (await response.json()) as T;
}

/** POSTs to the API as the user signed in on `page`. */
async function postAs<T>(page: Page, path: string, body: unknown): Promise<T> {
  const raw = await page.evaluate(() => localStorage.getItem('sbor.tokens'));
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${(JSON.parse(raw!) as { access_token: string }).access_token}`,
    },
    body: JSON.stringify(body),
  });
  expect(response.status, `POST ${path}`).toBe(201);
  return (await response.json()) as T;
}

/** Screenshots start at the top of the page, not where the last click scrolled to. */
async function top(page: Page): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
}

describe.skipIf(!haveBrowser)('the organizer pages in headless Chromium', () => {
  let organizer: Page;
  let attendee: Page;
  let scanner: Page;
  let scannerEmail: string;
  let slug: string;
  let eventId: number;
  let gaEventId: number;

  beforeAll(async () => {
    harness = await startBrowserHarness();
    base = harness.base;
    organizer = await harness.newPage();
    await signUp(organizer, base, 'owner');
    slug = await becomeOrganizer(organizer, base);
    eventId = await createSeatedEvent(organizer, base, 'Вечер у бренда', 600);
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('lets the owner edit the brand page and its FAQ, which anyone then sees at /o/:slug with the upcoming event', async () => {
    await organizer.goto(`${base}/organizer`);
    // "My events" comes from the API's list of the brand's events.
    await organizer.getByTestId('my-events').getByRole('link', { name: 'Вечер у бренда' }).waitFor(WAIT);
    // The brands to choose from are the ones the API says the owner is on the team of.
    await organizer.getByTestId('my-brands').getByRole('button', { name: 'Qazaq Events (Owner)' }).waitFor(WAIT);
    await organizer.getByRole('link', { name: 'Edit brand page' }).click();
    await organizer.waitForURL(`${base}/organizer/brands/${slug}`, WAIT);
    await organizer.getByLabel('Brand name').fill('Qazaq Live');
    await organizer.getByLabel('Description').fill('Концерты и спектакли в Алматы с 2015 года.');
    await organizer.getByLabel('Website').fill('https://qazaq.example');
    await organizer.getByRole('button', { name: 'Save', exact: true }).click();
    await organizer.getByRole('form', { name: 'Details' }).getByRole('status').waitFor(WAIT);

    await organizer.getByRole('button', { name: 'Add question' }).click();
    await organizer.locator('input[name="faq-0-question"]').fill('Можно ли вернуть билет?');
    await organizer.locator('textarea[name="faq-0-answer"]').fill('Да, до 24 часов до начала.');
    await organizer.getByRole('button', { name: 'Add question' }).click();
    await organizer.locator('input[name="faq-1-question"]').fill('Есть ли парковка?');
    await organizer.locator('textarea[name="faq-1-answer"]').fill('Есть, бесплатная.');
    // Reordered: the parking question goes first.
    await organizer.getByRole('group', { name: 'Question 2' }).getByRole('button', { name: 'Move up' }).click();
    await organizer.getByRole('button', { name: 'Save FAQ' }).click();
    await organizer.getByRole('form', { name: 'FAQ' }).getByRole('status').waitFor(WAIT);
    await top(organizer);
    await shot(organizer, 'organizer-brand-editor');

    const page = await apiAs<{ name: string; description: string; contacts: { site?: string }; faq: { question: string }[] }>(
      null,
      `/api/organizers/${slug}`,
    );
    expect(page.name).toBe('Qazaq Live');
    expect(page.contacts.site).toBe('https://qazaq.example');
    expect(page.faq.map((item) => item.question)).toEqual(['Есть ли парковка?', 'Можно ли вернуть билет?']);

    const visitor = await harness.newPage();
    await visitor.goto(`${base}/o/${slug}`);
    await visitor.getByRole('heading', { name: 'Qazaq Live' }).waitFor(WAIT);
    await visitor.getByText('Концерты и спектакли в Алматы с 2015 года.').waitFor(WAIT);
    await visitor.getByTestId('brand-events').getByRole('link', { name: 'Вечер у бренда' }).waitFor(WAIT);
    await visitor.getByText('Можно ли вернуть билет?').click();
    await visitor.getByText('Да, до 24 часов до начала.').waitFor({ ...WAIT, state: 'visible' });
    await top(visitor);
    await shot(visitor, 'organizer-public-brand');
    await visitor.getByTestId('brand-events').getByRole('link', { name: 'Вечер у бренда' }).click();
    await visitor.waitForURL(`${base}/events/${eventId}`, WAIT);
  });

  it('adds a second signed-up user to the team as a scanner by email, and removes a member again', async () => {
    scanner = await harness.newPage();
    scannerEmail = await signUp(scanner, base, 'Kontroler');
    await organizer.goto(`${base}/organizer/brands/${slug}`);
    await organizer.getByLabel('Member email').fill('nobody@example.test');
    await organizer.getByRole('button', { name: 'Add or change member' }).click();
    await expect.poll(() => organizer.getByRole('alert').textContent(), WAIT).toContain('No account with this email');
    await organizer.getByLabel('Member email').fill(scannerEmail);
    await organizer.getByRole('combobox', { name: 'Role' }).selectOption('scanner');
    await organizer.getByRole('button', { name: 'Add or change member' }).click();
    const row = organizer.getByTestId('team').getByRole('row').filter({ hasText: 'Kontroler' });
    await expect.poll(() => row.textContent(), WAIT).toContain('Scanner');
    await expect.poll(() => organizer.getByTestId('team').locator('tbody tr').count(), WAIT).toBe(2);

    const manager = await harness.newPage();
    const managerEmail = await signUp(manager, base, 'Menedzher');
    await organizer.getByLabel('Member email').fill(managerEmail);
    await organizer.getByRole('combobox', { name: 'Role' }).selectOption('manager');
    await organizer.getByRole('button', { name: 'Add or change member' }).click();
    await expect.poll(() => organizer.getByTestId('team').locator('tbody tr').count(), WAIT).toBe(3);
    await organizer.getByRole('button', { name: 'Remove: Menedzher Testova' }).click();
    await expect.poll(() => organizer.getByTestId('team').locator('tbody tr').count(), WAIT).toBe(2);

    const page = await apiAs<{ team: { display_name: string; role: string }[] }>(null, `/api/organizers/${slug}`);
    expect(page.team.map((member) => member.role).sort()).toEqual(['owner', 'scanner']);
  });

  it('confirms a held booking as paid at the box office, and the live counters show the seats sold', async () => {
    const dashboard = organizer;
    await dashboard.goto(`${base}/organizer/events/${eventId}`);
    await expect.poll(() => dashboard.getByTestId('counter-free').textContent(), WAIT).toBe('20');

    attendee = await harness.newPage();
    await signUp(attendee, base, 'attendee');
    await attendee.goto(`${base}/events/${eventId}`);
    await clickSeat(attendee, 1, 3);
    await clickSeat(attendee, 1, 4);
    await expect.poll(() => attendee.getByTestId('picked-seats').locator('li').count(), WAIT).toBe(2);
    await attendee.getByRole('button', { name: /Book selected seats/ }).click();
    await attendee.waitForURL(/\/bookings\/\d+$/, WAIT);
    const bookingId = Number(/(\d+)$/.exec(attendee.url())![1]);

    // The dashboard is never reloaded: the hold appears with its time left, then the box office sells it.
    await expect.poll(() => dashboard.getByTestId('counter-held').textContent(), WAIT).toBe('2');
    const row = dashboard.getByTestId(`booking-${bookingId}`);
    const status = row.locator('td').nth(1);
    const timeLeft = row.locator('td').nth(2);
    await expect.poll(() => status.textContent(), WAIT).toMatch(/^(Held|Awaiting payment)$/);
    await expect.poll(() => timeLeft.textContent(), WAIT).toMatch(/^(09|10):\d\d$/);
    await row.getByRole('button', { name: 'Paid at box office' }).click();
    await expect.poll(() => status.textContent(), WAIT).toBe('Paid');
    await expect.poll(() => timeLeft.textContent(), WAIT).toBe('—');
    await expect.poll(() => dashboard.getByTestId('counter-sold').textContent(), WAIT).toBe('2');
    await expect.poll(() => dashboard.getByTestId('counter-held').textContent(), WAIT).toBe('0');
    await expect.poll(() => dashboard.getByTestId('counter-free').textContent(), WAIT).toBe('18');
    await expect.poll(() => row.getByRole('button').count(), WAIT).toBe(0);

    // The filter keeps only paid bookings.
    await dashboard.getByLabel('Filter').selectOption('CONFIRMED');
    await expect.poll(() => dashboard.getByTestId('bookings-table').locator('tbody tr').count(), WAIT).toBe(1);
    await dashboard.getByLabel('Filter').selectOption('');

    const booking = await apiAs<{ status: string }>(attendee, `/api/bookings/${bookingId}`);
    expect(booking.status).toBe('CONFIRMED');
    await attendee.reload();
    await expect.poll(() => attendee.getByTestId('booking-status').textContent(), WAIT).toBe('Paid');
  });

  it('lets the scanner team member check a ticket in, and the dashboard counts it live', async () => {
    const dashboard = organizer;
    await expect.poll(() => dashboard.getByTestId('issued').textContent(), WAIT).toBe('2');
    await expect.poll(() => dashboard.getByTestId('checked-in').textContent(), WAIT).toBe('0');

    await attendee.goto(`${base}/tickets`);
    await expect.poll(() => attendee.getByTestId('ticket-code').count(), WAIT).toBe(2);
    const code = (await attendee.getByTestId('ticket-code').first().textContent())!.trim();

    await scanner.goto(`${base}/scanner`);
    await scanner.getByLabel('Event id').fill(String(eventId));
    await scanner.getByLabel('Ticket code').fill(code);
    await scanner.getByRole('button', { name: 'Check in' }).click();
    await expect.poll(() => scanner.getByTestId('verdict').textContent(), WAIT).toContain('VALID');

    await expect.poll(() => dashboard.getByTestId('checked-in').textContent(), WAIT).toBe('1');
    await expect.poll(() => dashboard.getByTestId('checkin-stats').locator('tbody tr').count(), WAIT).toBe(1);
    const stats = await apiAs<{ checked_in: number; issued: number }>(organizer, `/api/events/${eventId}/checkin-stats`);
    expect(stats).toMatchObject({ checked_in: 1, issued: 2 });
    await top(dashboard);
    await shot(dashboard, 'organizer-dashboard');
  });

  it('creates a draft with a ticket type, edits its title while draft, publishes it, and then the API refuses a new title in words', async () => {
    await organizer.goto(`${base}/organizer`);
    await organizer.getByRole('link', { name: 'New event (draft)' }).click();
    await organizer.waitForURL(/\/organizer\/events\/new/, WAIT);
    await organizer.getByLabel('Event title').fill('Стендап: черновик');
    await organizer.getByLabel('Event type').selectOption('stage');
    await organizer.getByLabel('Venue name').fill('Клуб «Ом»');
    await organizer.getByLabel('Starts (time at the venue)').fill('2031-06-01T19:30');
    await organizer.getByLabel('Time zone').selectOption('Europe/Moscow');
    await organizer.getByLabel('Time to pay, seconds').fill('600');
    await organizer.getByLabel('Most tickets per person (empty: no cap)').fill('4');
    await organizer.getByRole('button', { name: 'Create draft' }).click();
    await organizer.waitForURL(/\/organizer\/events\/\d+\/edit$/, WAIT);
    gaEventId = Number(/(\d+)\/edit$/.exec(organizer.url())![1]);
    await expect.poll(() => organizer.getByTestId('event-status').textContent(), WAIT).toBe('Draft');

    let event = await apiAs<{
      title: string;
      status: string;
      starts_at: string;
      timezone: string;
      policy: { max_tickets_per_user: number };
    }>(organizer, `/api/events/${gaEventId}`);
    // 19:30 in Moscow (UTC+3) is 16:30 UTC.
    expect(event).toMatchObject({ status: 'DRAFT', timezone: 'Europe/Moscow', starts_at: '2031-06-01T16:30:00.000Z' });
    expect(event.policy.max_tickets_per_user).toBe(4);
    // A reload shows the venue's time again, not the browser's.
    await organizer.reload();
    await expect.poll(() => organizer.getByLabel('Starts (time at the venue)').inputValue(), WAIT).toBe('2031-06-01T19:30');

    await organizer.getByLabel('Ticket name').fill('Входной');
    await organizer.getByLabel('Ticket price').fill('3000');
    await organizer.getByLabel('How many').fill('50');
    await organizer.getByRole('button', { name: 'Add ticket type' }).click();
    await expect.poll(() => organizer.getByTestId('ticket-types').locator('tbody tr').count(), WAIT).toBe(1);

    await organizer.getByLabel('Event title').fill('Стендап: премьера');
    await organizer.getByRole('button', { name: 'Save changes' }).click();
    await organizer.getByRole('heading', { name: 'Стендап: премьера' }).waitFor(WAIT);
    event = await apiAs(organizer, `/api/events/${gaEventId}`);
    expect(event.title).toBe('Стендап: премьера');
    await top(organizer);
    await shot(organizer, 'organizer-event-editor');

    await organizer.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => organizer.getByTestId('event-status').textContent(), WAIT).toBe('Published');
    await organizer.getByText('Published: only the description can change now.').waitFor(WAIT);

    await organizer.getByLabel('Event title').fill('Стендап: другое название');
    await organizer.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(() => organizer.getByRole('alert').textContent(), WAIT)
      .toContain('A published event keeps what tickets were sold for; only description and images can change (not title).');
    // The description still may change.
    await organizer.getByLabel('Event title').fill('Стендап: премьера');
    await organizer.getByLabel('Description').fill('Два часа нового материала.');
    await organizer.getByRole('button', { name: 'Save changes' }).click();
    await organizer.getByRole('status').getByText('Saved.').waitFor(WAIT);
    event = await apiAs<typeof event & { description: string }>(organizer, `/api/events/${gaEventId}`);
    expect(event).toMatchObject({ title: 'Стендап: премьера', status: 'PUBLISHED', description: 'Два часа нового материала.' });
  });

  it("shows a draft's hall to its team on the event page, and to anyone else the page of a missing event", async () => {
    const draft = await postAs<{ id: number }>(organizer, '/api/events', {
      organizer: slug,
      title: 'Черновик с залом',
      type: 'concert',
      starts_at: new Date(Date.now() + 40 * 86_400_000).toISOString(),
    });
    await postAs(organizer, `/api/events/${draft.id}/seat-layout`, {
      zones: [{ name: 'Партер', price: 100_000, rows: 2, seats_per_row: 10 }],
    });
    // The seat map polls with the organizer's token: a draft's hall answers only its team.
    await organizer.goto(`${base}/events/${draft.id}`);
    await expect.poll(() => organizer.getByTestId('count-free').textContent(), WAIT).toBe('20');
    expect(await organizer.getByRole('alert').count()).toBe(0);

    const visitor = await harness.newPage();
    await visitor.goto(`${base}/events/${draft.id}`);
    await expect.poll(() => visitor.getByRole('alert').first().textContent(), WAIT).toMatch(/No such event|does not exist/);
    expect(await visitor.getByText('Черновик с залом').count()).toBe(0);
    expect(await visitor.getByTestId('count-free').count()).toBe(0);
  });

  it('cancels an event only after the confirm step, and its status shows cancelled', async () => {
    await organizer.goto(`${base}/organizer/events/${gaEventId}`);
    await expect.poll(() => organizer.getByTestId('event-status').textContent(), WAIT).toBe('Published');
    await organizer.getByRole('button', { name: 'Cancel event' }).click();
    // The first click only asks; keeping the event changes nothing.
    await organizer.getByRole('button', { name: 'Keep the event' }).click();
    expect((await apiAs<{ status: string }>(organizer, `/api/events/${gaEventId}`)).status).toBe('PUBLISHED');

    await organizer.getByRole('button', { name: 'Cancel event' }).click();
    await organizer.getByLabel('Reason for cancelling').fill('Артист заболел');
    await organizer.getByRole('button', { name: 'Yes, cancel the event' }).click();
    await expect.poll(() => organizer.getByTestId('event-status').textContent(), WAIT).toBe('Cancelled');
    await expect.poll(() => organizer.getByRole('button', { name: 'Cancel event' }).count(), WAIT).toBe(0);
    expect((await apiAs<{ status: string }>(organizer, `/api/events/${gaEventId}`)).status).toBe('CANCELLED');

    await organizer.goto(`${base}/organizer`);
    const row = organizer.getByTestId('my-events').getByRole('row').filter({ hasText: 'Стендап: премьера' });
    await expect.poll(() => row.textContent(), WAIT).toContain('Cancelled');
  });
});
