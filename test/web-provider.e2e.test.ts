import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderSimulator } from '../src/modules/provider/index.ts';
import {
  becomeOrganizer,
  clickSeat,
  createSeatedEvent,
  haveBrowser,
  payWithSuccessCard,
  shot,
  signUp,
  startBrowserHarness,
  WAIT,
  type BrowserHarness,
} from './support/browser.ts';

// The provider in the web app, in headless Chromium against the embedded simulator (5 rows × 20
// places): an organizer allots rows 1–2 on the dashboard's "Seats & provider" panel; a buyer sees
// rows 3–4 as not sold here and buys in the block; the saga confirms at the provider and the panel
// counts it done; with the provider down a paid booking's saga parks, is listed, and Retry finishes it;
// switched to provider mode, a place sold at the venue is refused in words and another is held there.
let harness: BrowserHarness;
let base: string;
let simulator: ProviderSimulator;

/** Screenshots start at the panel (or a part of it), not where the last click scrolled to. */
async function scrollTo(page: Page, testId: string): Promise<void> {
  await page.evaluate(`document.querySelector('[data-testid="${testId}"]')?.scrollIntoView()`);
}

/** A buyer signs up, picks (row, number) on the map, books and pays with the sandbox's success card. */
async function buySeat(page: Page, row: number, number: number, eventId: number): Promise<void> {
  await page.goto(`${base}/events/${eventId}`);
  await clickSeat(page, row, number);
  await expect.poll(() => page.getByTestId('picked-seats').locator('li').count(), WAIT).toBe(1);
  await page.getByRole('button', { name: /Book selected seats/ }).click();
  await page.waitForURL(/\/bookings\/\d+$/, WAIT);
  await page.getByRole('button', { name: 'Pay' }).click();
  await payWithSuccessCard(page);
  await page.getByText('Payment succeeded').waitFor(WAIT);
}

describe.skipIf(!haveBrowser)('the provider in the web app, in headless Chromium', () => {
  let organizer: Page;
  let eventId: number;

  beforeAll(async () => {
    harness = await startBrowserHarness({
      PROVIDER_SAGA_INTERVAL_MS: '100',
      PROVIDER_SAGA_PARK_AFTER_MS: '1000',
      PROVIDER_BREAKER_OPEN_MS: '1000',
    });
    base = harness.base;
    organizer = await harness.newPage();
    await signUp(organizer, base, 'venue-owner');
    await becomeOrganizer(organizer, base);
    // A 4 × 10 hall: rows 1–2 will be the venue's block, rows 3–4 not ours to sell.
    eventId = await createSeatedEvent(organizer, base, 'Концерт на площадке', 600, 4);
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('lets the organizer switch the event to an allotment of rows 1–2 and shows the provider’s state', async () => {
    const panel = organizer.getByTestId('provider-panel');
    await panel.getByTestId('provider-mode').getByText('Our own seats').waitFor(WAIT);
    // Own events show no provider state: there is none to show.
    expect(await panel.getByTestId('provider-state').count()).toBe(0);
    await panel.getByLabel(/A block allotted by the venue/).check();
    await panel.getByLabel('Block from row').fill('1');
    await panel.getByLabel('to row').fill('2');
    await scrollTo(organizer, 'provider-panel');
    await shot(organizer, 'provider-modes');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByTestId('provider-mode').getByText('A block allotted by the venue').waitFor(WAIT);
    await expect.poll(() => panel.getByTestId('provider-mode').textContent(), WAIT).toContain('Not sold here: 20');
    await expect.poll(() => panel.getByTestId('provider-breaker').textContent(), WAIT).toBe('Working');
    await panel.getByText('100 places').waitFor(WAIT);
    expect(await panel.getByTestId('sagas-done').textContent()).toBe('0');
    // The withheld seats are counted apart from our sales.
    await expect.poll(() => organizer.getByTestId('counter-free').textContent(), WAIT).toBe('20');
    await expect.poll(() => organizer.getByTestId('counter-not-here').textContent(), WAIT).toBe('20');
    expect(await organizer.getByTestId('counter-sold').textContent()).toBe('0');
    // Saving folds the form: the provider's state is what the organizer watches now.
    await expect.poll(() => panel.locator('details[open]').count(), WAIT).toBe(0);
    await scrollTo(organizer, 'provider-panel');
    await shot(organizer, 'provider-panel');
  });

  it('shows a buyer the seats outside the block as not sold here and sells one in the block, confirmed at the provider', async () => {
    const buyer = await harness.newPage();
    await signUp(buyer, base, 'fan');
    await buyer.goto(`${base}/events/${eventId}`);
    await buyer.locator('canvas[data-ready="true"]').waitFor(WAIT);
    await expect.poll(() => buyer.getByTestId('count-not-here').textContent(), WAIT).toBe('20');
    expect(await buyer.getByTestId('count-free').textContent()).toBe('20');
    expect(await buyer.getByTestId('count-sold').textContent()).toBe('0');
    await buyer.getByText('Not sold here').first().waitFor(WAIT);
    await clickSeat(buyer, 3, 4);
    await buyer.getByText('This seat is not sold here: the venue sells it itself.').waitFor(WAIT);
    expect(await buyer.getByTestId('picked-seats').locator('li').count()).toBe(0);
    await clickSeat(buyer, 1, 5);
    await expect.poll(() => buyer.getByTestId('picked-seats').locator('li').count(), WAIT).toBe(1);
    await shot(buyer, 'provider-seat-map');
    await buyer.getByRole('button', { name: /Book selected seats/ }).click();
    await buyer.waitForURL(/\/bookings\/\d+$/, WAIT);
    await buyer.getByRole('button', { name: 'Pay' }).click();
    await payWithSuccessCard(buyer);
    await buyer.getByText('Payment succeeded').waitFor(WAIT);

    await expect.poll(() => organizer.getByTestId('sagas-done').textContent(), WAIT).toBe('1');
    await expect.poll(() => organizer.getByTestId('counter-sold').textContent(), WAIT).toBe('1');
    // The saga replayed the sale: one order at the provider, CONFIRMED, holding row 1 seat 5.
    const embedded = harness.service.provider.simulator();
    if (!embedded) throw new Error('the embedded simulator was not used');
    simulator = embedded;
    const orders = simulator.allOrders();
    expect(orders.map((order) => order.status)).toEqual(['CONFIRMED']);
    const places = orders[0]?.places.map((id) => simulator.getPlace(id).body as { row: number; seat: number });
    expect(places?.map((place) => [place.row, place.seat])).toEqual([[1, 5]]);
  });

  it('lists a saga parked while the provider is down, with Retry, which finishes it once the provider is back', async () => {
    simulator.setSwitches({ outageUntil: Date.now() + 3_600_000 });
    const buyer = await harness.newPage();
    await signUp(buyer, base, 'late-fan');
    await buySeat(buyer, 2, 7, eventId);

    const panel = organizer.getByTestId('provider-panel');
    const parked = panel.getByTestId('parked-sagas');
    await parked.waitFor(WAIT);
    await expect.poll(() => panel.getByTestId('sagas-parked').textContent(), WAIT).toBe('1');
    await parked.getByText('The provider did not answer for too long').waitFor(WAIT);
    expect(await parked.locator('li').count()).toBe(1);
    await parked.getByText('provider start_order: answered 503').waitFor(WAIT);
    await scrollTo(organizer, 'provider-state');
    await shot(organizer, 'provider-parked');

    simulator.setSwitches({ outageUntil: 0 });
    await parked.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => panel.getByTestId('sagas-done').textContent(), WAIT).toBe('2');
    expect(await panel.getByTestId('sagas-parked').textContent()).toBe('0');
    await expect.poll(() => panel.getByTestId('parked-sagas').count(), WAIT).toBe(0);
    expect(simulator.allOrders().map((order) => order.status)).toEqual(['CONFIRMED', 'CONFIRMED']);
  });

  it('sells a provider event’s seat only when the provider says yes: a place sold at the venue shows free but is refused in words', async () => {
    const panel = organizer.getByTestId('provider-panel');
    await panel.getByText('Change who sells the seats').click();
    await panel.getByLabel(/The venue’s provider/).check();
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByTestId('provider-mode').getByText('The venue’s provider').waitFor(WAIT);
    // The allotment's withheld seats are ours to offer again (the venue decides each one).
    await expect.poll(() => organizer.getByTestId('counter-not-here').count(), WAIT).toBe(0);

    // Someone buys row 3 seat 2 at the venue directly: our map does not know it.
    const place = (simulator.listPlaces(1, 100).body as { id: string; row: number; seat: number }[]).find(
      (candidate) => candidate.row === 3 && candidate.seat === 2,
    );
    const outside = simulator.startOrder().body as { order_id: string };
    expect((await simulator.selectPlace(place?.id ?? '', outside.order_id)).status).toBe(204);

    const buyer = await harness.newPage();
    await signUp(buyer, base, 'provider-fan');
    await buyer.goto(`${base}/events/${eventId}`);
    await buyer.locator('canvas[data-ready="true"]').waitFor(WAIT);
    await expect.poll(() => buyer.getByTestId('count-free').textContent(), WAIT).toBe('38');
    expect(await buyer.getByTestId('count-not-here').count()).toBe(0);
    await clickSeat(buyer, 3, 2);
    await expect.poll(() => buyer.getByTestId('picked-seats').locator('li').count(), WAIT).toBe(1);
    await buyer.getByRole('button', { name: /Book selected seats/ }).click();
    // The API's refusal in words (the English UI shows its detail).
    await buyer.getByRole('alert').getByText('This seat is already taken.').waitFor(WAIT);
    expect(buyer.url()).toMatch(/\/events\/\d+$/);

    await clickSeat(buyer, 3, 2); // the pick stays after a refused booking: take it off
    await clickSeat(buyer, 3, 3);
    await expect.poll(() => buyer.getByTestId('picked-seats').locator('li').count(), WAIT).toBe(1);
    await buyer.getByRole('button', { name: /Book selected seats/ }).click();
    await buyer.waitForURL(/\/bookings\/\d+$/, WAIT);
    // Held here only because the provider took it into this booking's order.
    const ours = simulator.allOrders().filter((order) => order.status === 'STARTED' && order.id !== outside.order_id);
    expect(ours).toHaveLength(1);
    const picked = (simulator.listPlaces(1, 100).body as { id: string; row: number; seat: number }[]).find(
      (candidate) => candidate.row === 3 && candidate.seat === 3,
    );
    expect(simulator.inspectPlace(picked?.id ?? '')?.selectedFor).toBe(ours[0]?.id);
    expect(simulator.inspectPlace(place?.id ?? '')?.selectedFor).toBe(outside.order_id);
  });
});
