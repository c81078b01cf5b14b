import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeOrganizer,
  haveBrowser,
  payWithSuccessCard,
  shot,
  signUp,
  startBrowserHarness,
  WAIT,
  type BrowserHarness,
} from './support/browser.ts';

// The attendee's pages in headless Chromium: favourites, the waitlist and its offer, notifications
// with the unread badge, the profile, and refunds. Events are made through the public API with the
// organizer's token (what the organizer page would do); everything the attendee does is in the UI.
let harness: BrowserHarness;
let base: string;
let organizer: Page;
let slug: string;

/** The page's signed-in user's access token, as the app keeps it. */
async function tokenOf(page: Page): Promise<string> {
  return page.evaluate(() => (JSON.parse(localStorage.getItem('sbor.tokens') ?? '{}') as { access_token: string }).access_token);
}

/** Calls the public API as the page's user; fails the test on a non-2xx answer. */
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

interface EventPlan {
  title: string;
  startsInHours?: number;
  ticketType?: { quantity: number; price: number };
  seats?: { rows: number; seatsPerRow: number; price: number };
}

/** A published event made by the organizer through the API. */
async function createEvent(plan: EventPlan): Promise<number> {
  const event = await apiAs<{ id: number }>(organizer, 'POST', '/api/events', {
    organizer: slug,
    title: plan.title,
    type: 'concert',
    venue: 'Алматы Арена',
    starts_at: new Date(Date.now() + (plan.startsInHours ?? 24 * 30) * 3_600_000).toISOString(),
    hold_ttl_seconds: 900,
  });
  if (plan.ticketType) {
    await apiAs(organizer, 'POST', `/api/events/${event.id}/ticket-types`, {
      type: 'standard',
      name: 'Входной',
      price: plan.ticketType.price,
      quantity: plan.ticketType.quantity,
    });
  }
  if (plan.seats) {
    await apiAs(organizer, 'POST', `/api/events/${event.id}/seat-layout`, {
      zones: [{ name: 'Партер', price: plan.seats.price, rows: plan.seats.rows, seats_per_row: plan.seats.seatsPerRow }],
    });
  }
  await apiAs(organizer, 'POST', `/api/events/${event.id}/publish`);
  return event.id;
}

/** Seat ids of a small seated event, in order. */
async function seatIds(page: Page, eventId: number): Promise<number[]> {
  const map = await apiAs<{ rows: { first_id: number; last_id: number }[] }>(page, 'GET', `/api/events/${eventId}/seat-map`);
  return map.rows.flatMap((row) => Array.from({ length: row.last_id - row.first_id + 1 }, (_, index) => row.first_id + index));
}

/** Opens a page of the account menu in the top bar. */
async function openFromMenu(page: Page, name: string): Promise<void> {
  await page.locator('nav .menu summary').click();
  await page.locator('nav .menu-items').getByRole('link', { name, exact: true }).click();
}

/** Buys one unit of the event's first ticket type in the UI and pays with the success card. */
async function buyAndPay(page: Page, eventId: number): Promise<number> {
  await page.goto(`${base}/events/${eventId}`);
  await page.getByRole('button', { name: 'Buy' }).click();
  await page.waitForURL(/\/bookings\/\d+$/, WAIT);
  const bookingId = Number(/(\d+)$/.exec(page.url())![1]);
  await page.getByRole('button', { name: 'Pay' }).click();
  await payWithSuccessCard(page);
  await page.getByText('Payment succeeded').waitFor(WAIT);
  return bookingId;
}

describe.skipIf(!haveBrowser)('the attendee pages in headless Chromium', () => {
  beforeAll(async () => {
    // Refunds go to the gateway every half second instead of every minute.
    harness = await startBrowserHarness({ PAYMENT_RECONCILE_INTERVAL_MS: '500' });
    base = harness.base;
    organizer = await harness.newPage();
    await signUp(organizer, base, 'organizer');
    slug = await becomeOrganizer(organizer, base);
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('lets a user star an event, find it on /favorites, and take it off again', async () => {
    const title = 'Избранный концерт';
    const eventId = await createEvent({ title, ticketType: { quantity: 10, price: 500_000 } });
    const fan = await harness.newPage();
    await signUp(fan, base, 'fan');
    await fan.goto(`${base}/`);
    await fan.getByRole('button', { name: `Add to favourites: ${title}` }).click();
    await expect
      .poll(() => fan.getByRole('button', { name: `Remove from favourites: ${title}` }).getAttribute('aria-pressed'), WAIT)
      .toBe('true');
    expect(await apiAs<{ id: number }[]>(fan, 'GET', '/api/users/me/favorites')).toEqual([
      expect.objectContaining({ id: eventId }),
    ]);

    await fan.locator('nav .menu summary').click();
    await shot(fan, 'attendee-menu');
    await fan.locator('nav .menu-items').getByRole('link', { name: 'Favourites', exact: true }).click();
    await fan.getByRole('heading', { name: 'Favourites' }).waitFor(WAIT);
    // The menu closes once a page is chosen.
    expect(await fan.locator('nav .menu-items').isVisible()).toBe(false);
    await expect.poll(() => fan.getByTestId('event-card').allTextContents(), WAIT).toEqual([expect.stringContaining(title)]);
    await shot(fan, 'attendee-favorites');

    // The event page shows the same star, already on; taking it off there empties the list.
    await fan.getByRole('link', { name: title }).click();
    await fan.getByRole('heading', { name: title }).waitFor(WAIT);
    await fan.getByRole('button', { name: 'Remove from favourites' }).click();
    await fan.getByRole('button', { name: 'Add to favourites' }).waitFor(WAIT);
    expect(await apiAs<unknown[]>(fan, 'GET', '/api/users/me/favorites')).toEqual([]);
    await fan.goto(`${base}/favorites`);
    await fan.getByText('No favourites yet').waitFor(WAIT);
    expect(await fan.getByTestId('event-card').count()).toBe(0);
  });

  it('queues a buyer at place 1 for a sold-out ticket, offers it with a countdown when the holder cancels, and the buyer claims it by paying; the bell counts the news until "mark all read"', async () => {
    const eventId = await createEvent({ title: 'Последний билет', ticketType: { quantity: 1, price: 700_000 } });

    const holder = await harness.newPage();
    await signUp(holder, base, 'holder');
    await holder.goto(`${base}/events/${eventId}`);
    await holder.getByRole('button', { name: 'Buy' }).click();
    await holder.waitForURL(/\/bookings\/\d+$/, WAIT);
    await holder.getByTestId('countdown').waitFor(WAIT);

    const waiter = await harness.newPage();
    await signUp(waiter, base, 'waiter');
    await waiter.goto(`${base}/events/${eventId}`);
    await waiter.getByText('Sold out').waitFor(WAIT);
    expect(await waiter.getByRole('button', { name: 'Buy' }).count()).toBe(0);
    await waiter.getByRole('button', { name: 'Join the waitlist' }).click();
    await waiter.getByText('You are on the waitlist.').waitFor(WAIT);
    await expect.poll(() => waiter.getByTestId('waitlist-position').textContent(), WAIT).toBe('1');
    // Joining twice is refused with the API's words.
    await waiter.getByRole('button', { name: 'Join the waitlist' }).click();
    await expect.poll(() => waiter.getByRole('alert').textContent(), WAIT).toContain('already in this waitlist');

    await openFromMenu(waiter, 'Waitlist');
    await waiter.getByRole('heading', { name: 'Waitlist' }).waitFor(WAIT);
    const entry = waiter.getByTestId('waitlist-entry');
    await expect.poll(() => entry.getByTestId('waitlist-status').textContent(), WAIT).toBe('Waiting');
    await expect.poll(() => entry.getByTestId('waitlist-position').textContent(), WAIT).toBe('1');
    await entry.getByText('Последний билет').waitFor(WAIT);
    await shot(waiter, 'attendee-waitlist');

    // The holder lets go: the ticket is offered to the head of the queue at once.
    await holder.getByRole('button', { name: 'Cancel booking' }).click();
    await expect.poll(() => holder.getByTestId('booking-status').textContent(), WAIT).toBe('Cancelled');

    await expect.poll(() => entry.getByTestId('waitlist-status').textContent(), WAIT).toBe('Offer waiting');
    const countdown = entry.getByTestId('offer-countdown');
    await expect.poll(() => countdown.textContent(), WAIT).toMatch(/Time left to claim: \d\d:\d\d/);
    const first = (await countdown.textContent())!;
    await expect.poll(() => countdown.textContent(), WAIT).not.toBe(first);
    // Something notifiable happened: the bell shows it.
    await expect
      .poll(
        () =>
          waiter
            .getByTestId('unread-badge')
            .textContent()
            .catch(() => null),
        WAIT,
      )
      .toMatch(/^[1-9]/);
    await shot(waiter, 'attendee-waitlist-offer');

    await entry.getByRole('button', { name: 'Claim' }).click();
    await payWithSuccessCard(waiter);
    await waiter.getByText('Payment succeeded').waitFor(WAIT);
    await waiter.getByRole('link', { name: 'Go to my tickets' }).click();
    await expect.poll(() => waiter.getByTestId('ticket').count(), WAIT).toBe(1);
    await waiter.goto(`${base}/waitlist`);
    await expect.poll(() => waiter.getByTestId('waitlist-status').textContent(), WAIT).toBe('Claimed');
    expect(await apiAs<{ status: string }[]>(waiter, 'GET', '/api/waitlist')).toEqual([
      expect.objectContaining({ status: 'CLAIMED', event_id: eventId }),
    ]);

    // The offer and the confirmation are both in the list; the bell counts them.
    await waiter
      .getByRole('link', { name: /^Notifications/ })
      .first()
      .click();
    await waiter.getByRole('heading', { name: 'Notifications' }).waitFor(WAIT);
    await expect.poll(() => waiter.getByTestId('notification').count(), WAIT).toBeGreaterThanOrEqual(2);
    await expect
      .poll(() => waiter.getByTestId('unread-badge').textContent(), WAIT)
      .toBe(await waiter.getByTestId('unread-count').textContent());
    await shot(waiter, 'attendee-notifications');
    const unread = Number(await waiter.getByTestId('unread-count').textContent());
    expect(unread).toBeGreaterThanOrEqual(2);
    await waiter.getByRole('button', { name: 'Mark read' }).first().click();
    await expect.poll(() => waiter.getByTestId('unread-count').textContent(), WAIT).toBe(String(unread - 1));
    await expect.poll(() => waiter.getByTestId('unread-badge').textContent(), WAIT).toBe(String(unread - 1));
    await waiter.getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(() => waiter.getByTestId('unread-count').textContent(), WAIT).toBe('0');
    await expect.poll(() => waiter.getByTestId('unread-badge').count(), WAIT).toBe(0);
    expect(await apiAs<{ unread: number }>(waiter, 'GET', '/api/notifications/unread-count')).toEqual({ unread: 0 });
  });

  it('lets a buyer join the waitlist of a seated hall with no free seat, and leave it', async () => {
    const eventId = await createEvent({ title: 'Камерный зал', seats: { rows: 1, seatsPerRow: 1, price: 300_000 } });
    const holder = await harness.newPage();
    await signUp(holder, base, 'seat-holder');
    const [seat] = await seatIds(holder, eventId);
    await apiAs(holder, 'POST', '/api/bookings', { event_id: eventId, seat_ids: [seat] });

    const waiter = await harness.newPage();
    await signUp(waiter, base, 'seat-waiter');
    await waiter.goto(`${base}/events/${eventId}`);
    const hall = waiter.getByTestId('hall-waitlist');
    await hall.getByText('No free seats left').waitFor(WAIT);
    await hall.getByRole('button', { name: 'Join the waitlist' }).click();
    await expect.poll(() => waiter.getByTestId('waitlist-position').textContent(), WAIT).toBe('1');
    await waiter.getByRole('button', { name: 'Leave' }).click();
    await expect.poll(() => waiter.getByTestId('waitlist-entry').count(), WAIT).toBe(0);
    await waiter.goto(`${base}/waitlist`);
    await expect.poll(() => waiter.getByTestId('waitlist-status').textContent(), WAIT).toBe('Left');
    expect(await waiter.getByRole('button', { name: 'Leave' }).count()).toBe(0);
  });

  it('saves phone, telegram, message channels and language on the profile; choosing Russian turns the app Russian', async () => {
    const user = await harness.newPage();
    const email = await signUp(user, base, 'profile');
    await openFromMenu(user, 'Profile');
    await user.getByRole('heading', { name: 'Profile' }).waitFor(WAIT);

    await user.getByLabel('By SMS').check();
    await user.getByRole('button', { name: 'Save message settings' }).click();
    await user.getByRole('status').filter({ hasText: 'Saved.' }).waitFor(WAIT);

    // A telegram name the API refuses is caught before sending.
    await user.getByLabel('Telegram').fill('@ab');
    await user.getByRole('button', { name: 'Save profile' }).click();
    expect(
      await user
        .getByLabel('Telegram')
        .evaluate((input) => (input as unknown as { validity: { patternMismatch: boolean } }).validity.patternMismatch),
    ).toBe(true);

    await user.getByLabel('Phone').fill('+77011234567');
    await user.getByLabel('Telegram').fill('@sbor_fan_2026');
    await user.getByLabel('Language of the app and messages').selectOption('ru');
    await user.getByRole('button', { name: 'Save profile' }).click();
    await user.getByRole('heading', { name: 'Профиль' }).waitFor(WAIT);
    await user.getByRole('link', { name: 'Мои билеты' }).waitFor(WAIT);
    await user.getByRole('status').filter({ hasText: 'Сохранено.' }).first().waitFor(WAIT);
    expect(await apiAs(user, 'GET', '/api/users/me')).toMatchObject({
      phone: '+77011234567',
      telegram: '@sbor_fan_2026',
      locale: 'ru',
      notification_preferences: { email: true, sms: true, in_app: true },
    });
    await shot(user, 'attendee-profile');

    await user.reload();
    await user.getByRole('heading', { name: 'Профиль' }).waitFor(WAIT);
    expect(await user.getByLabel('Телефон').inputValue()).toBe('+77011234567');
    expect(await user.getByLabel('По SMS').isChecked()).toBe(true);

    // A new password ends every session; the page signs in again with it.
    await user.getByLabel('Текущий пароль').fill('wrong password');
    await user.getByLabel('Новый пароль').fill('another horse battery staple');
    await user.getByRole('button', { name: 'Сменить пароль' }).click();
    await user.getByRole('alert').waitFor(WAIT);
    await user.getByLabel('Текущий пароль').fill('correct horse battery staple');
    await user.getByRole('button', { name: 'Сменить пароль' }).click();
    await user.getByRole('status').filter({ hasText: 'Пароль изменён' }).waitFor(WAIT);
    expect(await apiAs(user, 'GET', '/api/users/me')).toMatchObject({ email });
  });

  it('returns one seat of a paid booking and then refunds the rest from the booking page, showing each refund until it is done', async () => {
    const eventId = await createEvent({ title: 'Возвратный вечер', seats: { rows: 1, seatsPerRow: 3, price: 400_000 } });
    const buyer = await harness.newPage();
    await signUp(buyer, base, 'refunder');
    const seats = await seatIds(buyer, eventId);
    const booking = await apiAs<{ id: number }>(buyer, 'POST', '/api/bookings', {
      event_id: eventId,
      seat_ids: seats.slice(0, 2),
    });
    await buyer.goto(`${base}/bookings/${booking.id}`);
    await buyer.getByRole('button', { name: 'Pay' }).click();
    await payWithSuccessCard(buyer);
    await buyer.getByRole('link', { name: 'Open the booking' }).click();
    await expect.poll(() => buyer.getByTestId('booking-status').textContent(), WAIT).toBe('Paid');

    await buyer.getByLabel('Return: Row 1, Seat 1').check();
    await buyer.getByRole('button', { name: /Return selected seats · / }).click();
    await expect.poll(() => buyer.getByTestId('booking-seats').locator('li').count(), WAIT).toBe(1);
    await expect.poll(() => buyer.getByTestId('refund-status').allTextContents(), WAIT).toEqual(['Refunded']);
    await expect.poll(() => buyer.getByTestId('booking-status').textContent(), WAIT).toBe('Paid');
    await shot(buyer, 'attendee-refunds');

    await buyer.getByRole('button', { name: 'Request a refund' }).click();
    await buyer.getByRole('button', { name: 'Yes, refund' }).click();
    await expect.poll(() => buyer.getByTestId('booking-status').textContent(), WAIT).toBe('Cancelled');
    await expect.poll(() => buyer.getByTestId('refund-status').allTextContents(), WAIT).toEqual(['Refunded', 'Refunded']);
    const payments = await apiAs<{
      payments: { status: string; refunded_amount: number }[];
      refunds: { amount: number; status: string }[];
    }>(buyer, 'GET', `/api/bookings/${booking.id}/payments`);
    expect(payments.payments).toEqual([expect.objectContaining({ status: 'REFUNDED', refunded_amount: 800_000 })]);
    expect(payments.refunds.map((refund) => [refund.amount, refund.status])).toEqual([
      [400_000, 'SUCCEEDED'],
      [400_000, 'SUCCEEDED'],
    ]);
  });

  it('keeps the seats after a declined card, says why, and takes the payment again from the result page', async () => {
    const eventId = await createEvent({ title: 'Вторая попытка', seats: { rows: 1, seatsPerRow: 3, price: 400_000 } });
    const buyer = await harness.newPage();
    await signUp(buyer, base, 'retrier');
    const seats = await seatIds(buyer, eventId);
    const booking = await apiAs<{ id: number }>(buyer, 'POST', '/api/bookings', { event_id: eventId, seat_ids: [seats[0]] });
    await buyer.goto(`${base}/bookings/${booking.id}`);
    await buyer.getByRole('button', { name: 'Pay' }).click();
    await payWithSuccessCard(buyer, '4000000000000002');
    const result = buyer.getByTestId('payment-result');
    await expect.poll(() => result.textContent(), WAIT).toContain('The payment did not go through: the card was declined.');
    await expect.poll(() => buyer.getByTestId('payment-retry').textContent(), WAIT).toMatch(/Your seats are still held until/);
    await shot(buyer, 'attendee-payment-declined');
    await buyer.getByRole('link', { name: 'Open the booking' }).click();
    await expect.poll(() => buyer.getByTestId('booking-status').textContent(), WAIT).toBe('Awaiting payment');
    await expect
      .poll(() => buyer.getByTestId('payment-failure').textContent(), WAIT)
      .toMatch(/^The last payment did not go through: the card was declined\. Your seats are still held until/);
    await shot(buyer, 'attendee-booking-declined');
    await buyer.goBack();
    await buyer.getByRole('button', { name: 'Pay again' }).click();
    await payWithSuccessCard(buyer);
    await expect.poll(() => result.textContent(), WAIT).toContain('Payment succeeded');
    await buyer.getByRole('link', { name: 'Open the booking' }).click();
    await expect.poll(() => buyer.getByTestId('booking-status').textContent(), WAIT).toBe('Paid');
  });

  it('refuses a refund too close to the event in the API’s words, and the booking stays paid', async () => {
    const eventId = await createEvent({ title: 'Скоро начало', startsInHours: 2, ticketType: { quantity: 5, price: 200_000 } });
    const buyer = await harness.newPage();
    await signUp(buyer, base, 'late-refunder');
    const bookingId = await buyAndPay(buyer, eventId);
    await buyer.goto(`${base}/bookings/${bookingId}`);
    await expect.poll(() => buyer.getByTestId('booking-status').textContent(), WAIT).toBe('Paid');
    await buyer.getByRole('button', { name: 'Request a refund' }).click();
    await buyer.getByRole('button', { name: 'Yes, refund' }).click();
    await expect.poll(() => buyer.getByRole('alert').textContent(), WAIT).toContain('12 hours before the event');
    expect(await buyer.getByTestId('booking-status').textContent()).toBe('Paid');
    expect(await apiAs(buyer, 'GET', `/api/bookings/${bookingId}`)).toMatchObject({ status: 'CONFIRMED' });
  });
});
