import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clickSeat,
  haveBrowser,
  shot,
  signIn,
  signUp,
  startBrowserHarness,
  WAIT,
  type BrowserHarness,
} from './support/browser.ts';
import { createPublishedEvent } from './support/events.ts';
import { signUp as signUpByApi, type TestUser } from './support/users.ts';

// The waiting room's page in headless Chromium: the pre-queue before the on-sale, a place in line
// with people ahead, and admission taking the buyer to the seat map, where booking works with the
// token the page kept. Admission is run by the test (the process's own pass is set to a minute).
// The organizer's section on the event page sets the room up, and its live numbers follow the buyers.
let harness: BrowserHarness;
let base: string;
let organizer: TestUser;
let buyer: Page;

const ZONES = [{ name: 'Партер', price: 700_000, rows: 2, seats_per_row: 10 }];

async function eventWithRoom(title: string, onSaleInMs: number): Promise<number> {
  const { eventId } = await createPublishedEvent(harness.service.app, harness.service.database, organizer, {
    title,
    venue: 'Алматы Арена',
    zones: ZONES,
  });
  const settings = await harness.service.app.inject({
    method: 'PUT',
    url: `/api/events/${eventId}/queue/settings`,
    headers: organizer.bearer,
    payload: { enabled: true, on_sale_at: new Date(Date.now() + onSaleInMs).toISOString(), rate_per_minute: 10 },
  });
  expect(settings.statusCode, settings.body).toBe(200);
  return eventId;
}

describe.skipIf(!haveBrowser)('the waiting room page, in headless Chromium', () => {
  beforeAll(async () => {
    harness = await startBrowserHarness({ QUEUE_ADMIT_INTERVAL_MS: '60000' });
    base = harness.base;
    organizer = await signUpByApi(harness.service.app);
    buyer = await harness.newPage();
    await signUp(buyer, base, 'queue');
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('shows the pre-queue before the on-sale, with the time until it opens', async () => {
    const eventId = await eventWithRoom('Премьера: зал ожидания', 20 * 60_000);
    await buyer.goto(`${base}/events/${eventId}/queue`);
    const state = buyer.getByTestId('queue-state');
    await state.waitFor(WAIT);
    expect(await state.getAttribute('data-status')).toBe('pre-queue');
    await buyer.getByText('You are in the waiting room').waitFor(WAIT);
    expect(await buyer.getByText(/random place in line/).count()).toBe(1);
    await expect.poll(() => buyer.getByTestId('queue-opens-in').textContent(), WAIT).toMatch(/^(19|20):\d\d$/);
    await shot(buyer, 'queue-pre-queue');
  });

  it('sends a buyer without a turn to the queue, shows place, people ahead and ETA live, then takes them to the seats', async () => {
    const eventId = await eventWithRoom('Концерт: очередь', -1000);
    const { db } = harness.service.database;
    // Twenty people in line already, at places 1–20.
    await harness.service.queue.service.admit(eventId);
    await sql`insert into queue.entries (event_id, user_id, position, ahead_at_start)
      select ${eventId}, 900000 + n, n, n - 1 from generate_series(1, 20) n`.execute(db);
    await sql`update queue.rooms set last_position = 20, rate_since = now() where event_id = ${eventId}`.execute(db);

    // Booking without a turn: the event page sends the buyer to the queue.
    await buyer.goto(`${base}/events/${eventId}`);
    await clickSeat(buyer, 1, 4);
    await buyer.getByRole('button', { name: /Book selected seats/ }).click();
    await buyer.waitForURL(new RegExp(`/events/${eventId}/queue$`), WAIT);

    const state = buyer.getByTestId('queue-state');
    await expect.poll(() => state.getAttribute('data-status'), WAIT).toBe('waiting');
    expect(await buyer.getByTestId('queue-position').textContent()).toBe('21');
    expect(await buyer.getByTestId('queue-ahead').textContent()).toBe('20');
    expect(await buyer.getByTestId('queue-eta').textContent()).toBe('3 min');

    // Ten of the twenty are admitted: the page follows on its own.
    await sql`update queue.rooms set rate_since = now() - interval '60 seconds' where event_id = ${eventId}`.execute(db);
    expect(await harness.service.queue.service.admit(eventId)).toBe(10);
    await expect.poll(() => buyer.getByTestId('queue-ahead').textContent(), WAIT).toBe('10');
    expect(await buyer.getByTestId('queue-eta').textContent()).toBe('2 min');
    const progress = Number(await buyer.getByRole('progressbar').getAttribute('aria-valuenow'));
    expect(progress).toBe(50);
    await shot(buyer, 'queue-waiting');

    // The buyer's turn: admitted, then on the seat map, where booking now passes.
    await sql`update queue.rooms set rate_since = now() - interval '200 seconds', credited = 10 where event_id = ${eventId}`.execute(
      db,
    );
    await harness.service.queue.service.admit(eventId);
    await expect.poll(() => state.getAttribute('data-status'), WAIT).toBe('admitted');
    await buyer.getByText('It is your turn!').waitFor(WAIT);
    await shot(buyer, 'queue-admitted');
    await buyer.waitForURL(new RegExp(`/events/${eventId}$`), WAIT);
    // (Reloaded: the screenshots above resized the window while the page moved; the token is kept for the tab.)
    await buyer.reload();
    await clickSeat(buyer, 1, 4);
    await buyer.getByRole('button', { name: /Book selected seats/ }).click();
    await buyer.waitForURL(/\/bookings\/\d+$/, WAIT);
  });

  it('lets the organizer turn the room on from the event page, then sends a buyer to the queue and counts them live', async () => {
    const { eventId } = await createPublishedEvent(harness.service.app, harness.service.database, organizer, {
      title: 'Гала: зал ожидания',
      venue: 'Алматы Арена',
      zones: ZONES,
    });
    const page = await harness.newPage();
    await signIn(page, base, organizer, `/organizer/events/${eventId}`);
    const section = page.getByTestId('waiting-room');
    const state = section.getByTestId('room-state');
    await expect.poll(() => state.getAttribute('data-state'), WAIT).toBe('none');

    // Neither a rate nor a cap: the API's refusal is shown in words.
    await section.getByLabel('People let in per minute').fill('');
    await section.getByRole('button', { name: 'Set up the waiting room' }).click();
    await section.getByText('Set an admission rate, a cap on people buying at once, or both.').waitFor(WAIT);
    expect(await state.getAttribute('data-state')).toBe('none');

    // Sales open on 1 May 2030 at 19:00 venue time, 30 a minute, at most 50 buying at once, fail-open.
    await section.getByLabel('Sales open at').fill('2030-05-01T19:00');
    await section.getByLabel('People let in per minute').fill('30');
    await section.getByLabel('At most buying at once').fill('50');
    await section.getByLabel('Time to buy (minutes)').fill('10');
    await section.getByLabel(/Let everyone through/).check();
    await section.getByRole('button', { name: 'Set up the waiting room' }).click();
    await section.getByRole('status').getByText('Saved.').waitFor(WAIT);
    await expect.poll(() => state.getAttribute('data-state'), WAIT).toBe('on');

    const read = (url: string) => harness.service.app.inject({ method: 'GET', url, headers: organizer.bearer });
    const room = (await read(`/api/events/${eventId}/queue/settings`)).json<Record<string, unknown>>();
    expect(room).toMatchObject({
      enabled: true,
      rate_per_minute: 30,
      max_active: 50,
      token_ttl_seconds: 600,
      failure_mode: 'open',
    });
    // The time typed is the venue's wall clock, whatever the browser's zone.
    const { timezone } = (await read(`/api/events/${eventId}`)).json<{ timezone: string }>();
    const atVenue = new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, dateStyle: 'short', timeStyle: 'short' });
    expect(atVenue.format(new Date(room.on_sale_at as string))).toBe('2030-05-01 19:00');

    // A buyer booking now is sent to the queue, and the organizer's numbers count them on their own.
    expect(await section.getByTestId('room-pre_queue').textContent()).toBe('0');
    await buyer.goto(`${base}/events/${eventId}`);
    await clickSeat(buyer, 1, 4);
    await buyer.getByRole('button', { name: /Book selected seats/ }).click();
    await buyer.waitForURL(new RegExp(`/events/${eventId}/queue$`), WAIT);
    await expect.poll(() => buyer.getByTestId('queue-state').getAttribute('data-status'), WAIT).toBe('pre-queue');
    await expect.poll(() => section.getByTestId('room-pre_queue').textContent(), WAIT).toBe('1');
    expect(await section.getByRole('link', { name: 'Open the queue page buyers see' }).getAttribute('href')).toBe(
      `/events/${eventId}/queue`,
    );
    // The section's heading at the top of the window for the desktop picture.
    await section.evaluate((element: { scrollIntoView: (options: { block: 'start' }) => void }) =>
      element.scrollIntoView({ block: 'start' }),
    );
    await shot(page, 'queue-organizer');

    // Switched off from the section, the buyer books directly again.
    await section.getByLabel('Waiting room on').uncheck();
    await section.getByRole('button', { name: 'Save the waiting room' }).click();
    await expect.poll(() => state.getAttribute('data-state'), WAIT).toBe('off');
    await buyer.goto(`${base}/events/${eventId}`);
    await clickSeat(buyer, 1, 5);
    await buyer.getByRole('button', { name: /Book selected seats/ }).click();
    await buyer.waitForURL(/\/bookings\/\d+$/, WAIT);
  });
});
