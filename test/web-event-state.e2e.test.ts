import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveBrowser, shot, signUp, startBrowserHarness, WAIT, type BrowserHarness } from './support/browser.ts';
import { createPublishedEvent, type EventSetup } from './support/events.ts';
import { signUp as signUpByApi, type TestUser } from './support/users.ts';

// What the event pages offer when an event is not on sale, in headless Chromium: a cancelled event
// (general admission and seated), one that has ended, one already started, and ticket types outside
// their sales window. Events are made and cancelled through the API; the attendee only looks.
let harness: BrowserHarness;
let base: string;
let organizer: TestUser;
let attendee: Page;

const DAY_MS = 86_400_000;
const GENERAL = { ticketTypes: [{ type: 'standard', name: 'Входной', price: 500_000, quantity: 100 }] } satisfies EventSetup;
const SEATED = { zones: [{ name: 'Партер', price: 700_000, rows: 2, seats_per_row: 10 }] } satisfies EventSetup;

/** A published event of the organizer's at Алматы Арена; returns its id and title. */
async function publish(title: string, setup: EventSetup): Promise<{ id: number; title: string }> {
  const created = await createPublishedEvent(harness.service.app, harness.service.database, organizer, {
    title,
    venue: 'Алматы Арена',
    ...setup,
  });
  return { id: created.eventId, title };
}

async function cancel(eventId: number): Promise<void> {
  const response = await harness.service.app.inject({
    method: 'POST',
    url: `/api/events/${eventId}/cancel`,
    headers: organizer.bearer,
    payload: { reason: 'Артист заболел' },
  });
  expect(response.statusCode, response.body).toBe(200);
}

/** Calls the API as the attendee's page, with the token the app keeps. */
async function asAttendee(method: string, path: string): Promise<void> {
  const token = await attendee.evaluate(
    () => (JSON.parse(localStorage.getItem('sbor.tokens') ?? '{}') as { access_token: string }).access_token,
  );
  const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  expect(response.ok, `${method} ${path}: ${response.status}`).toBe(true);
}

/** Opens an event's page and waits until its calls have answered (the ticket types among them). */
async function openEvent(eventId: number, title: string): Promise<void> {
  const types = attendee.waitForResponse((response) => response.url().endsWith(`/api/events/${eventId}/ticket-types`));
  const map = attendee.waitForResponse((response) => response.url().includes(`/api/events/${eventId}/seat-map`));
  await attendee.goto(`${base}/events/${eventId}`);
  await attendee.getByRole('heading', { name: title }).waitFor(WAIT);
  await Promise.all([types, map]);
}

/** Nothing on the page sells: no Buy, no count of what is left, no seats, no waitlist. */
async function expectNothingForSale(): Promise<void> {
  expect(await attendee.getByRole('button', { name: 'Buy' }).count(), 'a Buy button').toBe(0);
  expect(await attendee.getByTestId('available').count(), '"left: …"').toBe(0);
  expect(await attendee.getByLabel('Quantity').count(), 'a quantity to buy').toBe(0);
  expect(await attendee.getByRole('button', { name: 'Join the waitlist' }).count(), 'the waitlist').toBe(0);
  expect(await attendee.locator('canvas.seatmap-canvas').count(), 'the seat map').toBe(0);
  expect(await attendee.getByRole('button', { name: /Book selected seats/ }).count(), 'Book').toBe(0);
}

describe.skipIf(!haveBrowser)('an event that is not on sale, in headless Chromium', () => {
  beforeAll(async () => {
    harness = await startBrowserHarness();
    base = harness.base;
    organizer = await signUpByApi(harness.service.app);
    attendee = await harness.newPage();
    await signUp(attendee, base, 'state');
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('shows a cancelled event as cancelled and offers no Buy, seats or waitlist, for tickets and for seats', async () => {
    const general = await publish('Вечер романса', GENERAL);
    const seated = await publish('Камерный оркестр', SEATED);
    for (const event of [general, seated]) await asAttendee('POST', `/api/events/${event.id}/favorite`);
    await cancel(general.id);
    await cancel(seated.id);

    await openEvent(general.id, general.title);
    await expectNothingForSale();
    expect(await attendee.getByTestId('event-state').textContent()).toBe(
      'Cancelled. Tickets are not sold; paid bookings are cancelled and refunded.',
    );
    await shot(attendee, 'event-cancelled');

    await openEvent(seated.id, seated.title);
    await expectNothingForSale();
    expect(await attendee.getByTestId('event-state').textContent()).toMatch(/^Cancelled\./);

    // In Russian too.
    await attendee.getByLabel('Language').selectOption('ru');
    expect(await attendee.getByTestId('event-state').textContent()).toMatch(/^Отменено\. Билеты не продаются/);
    await attendee.getByLabel('Язык').selectOption('en');

    // Favourites say which of my events were cancelled.
    await attendee.goto(`${base}/favorites`);
    await expect.poll(() => attendee.getByTestId('event-card').count(), WAIT).toBe(2);
    for (const event of [general, seated]) {
      const card = attendee.getByTestId('event-card').filter({ hasText: event.title });
      expect(await card.getByTestId('event-state').textContent()).toBe('Cancelled');
    }
    await shot(attendee, 'attendee-favorites-cancelled');
  });

  it('shows an ended event and one already started as such, in the list and on their pages, and sells neither', async () => {
    const ended = await publish('Джазовый вечер: прошёл', GENERAL);
    const started = await publish('Джазовый вечер: идёт', GENERAL);
    // Time moved on: the catalog's completion job would mark the first COMPLETED.
    await sql`update catalog.events set status = 'COMPLETED',
      starts_at = now() - interval '2 days', ends_at = now() - interval '2 days' + interval '3 hours'
      where id = ${ended.id}`.execute(harness.service.database.db);
    await sql`update catalog.events set starts_at = now() - interval '1 hour'
      where id = ${started.id}`.execute(harness.service.database.db);

    await attendee.goto(`${base}/`);
    await attendee.getByRole('searchbox').fill('джазовый');
    await attendee.getByRole('button', { name: 'Search events' }).click();
    const cards = attendee.getByTestId('event-card');
    await expect.poll(() => cards.count(), WAIT).toBe(2);
    expect(await cards.filter({ hasText: 'прошёл' }).getByTestId('event-state').textContent()).toBe('Ended');
    expect(await cards.filter({ hasText: 'идёт' }).getByTestId('event-state').textContent()).toBe('Already started');
    await shot(attendee, 'events-past');

    await openEvent(ended.id, 'Джазовый вечер: прошёл');
    await expectNothingForSale();
    expect(await attendee.getByTestId('event-state').textContent()).toBe(
      'Ended. This event is over; tickets are no longer sold.',
    );

    await openEvent(started.id, 'Джазовый вечер: идёт');
    await expectNothingForSale();
    expect(await attendee.getByTestId('event-state').textContent()).toBe('Already started. Tickets are no longer sold here.');
  });

  it('says from when a ticket type goes on sale and when its sales closed, and sells only the one on sale', async () => {
    const opens = new Date(Date.now() + 7 * DAY_MS);
    const event = await publish('Фестиваль степи', {
      ticketTypes: [
        {
          type: 'early_bird',
          name: 'Ранняя пташка',
          price: 300_000,
          quantity: 50,
          sales_end: new Date(Date.now() - DAY_MS).toISOString(),
          sales_start: new Date(Date.now() - 5 * DAY_MS).toISOString(),
        },
        { type: 'standard', name: 'Входной', price: 500_000, quantity: 100 },
        { type: 'vip', name: 'VIP', price: 1_500_000, quantity: 10, sales_start: opens.toISOString() },
      ],
    });
    await openEvent(event.id, event.title);
    const row = (name: string) => attendee.locator('li.card').filter({ hasText: name });
    expect(await row('Ранняя пташка').getByTestId('ticket-window').textContent()).toBe('Sales closed');
    expect(await row('VIP').getByTestId('ticket-window').textContent()).toMatch(/^On sale from /);
    for (const name of ['Ранняя пташка', 'VIP']) {
      expect(await row(name).getByRole('button').count(), `a button for ${name}`).toBe(0);
      expect(await row(name).getByTestId('available').count()).toBe(0);
    }
    expect(await row('Входной').getByRole('button', { name: 'Buy' }).count()).toBe(1);
    expect(await row('Входной').getByTestId('available').textContent()).toBe('left: 100');
    expect(await attendee.getByTestId('event-state').count(), 'the event itself is on sale').toBe(0);
    await shot(attendee, 'event-ticket-windows');
  });
});
