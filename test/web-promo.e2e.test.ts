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

// Promo codes in headless Chromium (docs/promo-codes.md): the organizer's section (one code, a
// batch, a change, switching off), a buyer's code at checkout for general admission and for seats
// with the discount on the booking page, a wrong code refused in words, and a hidden ticket type
// that appears with ?code= (decision record 0034).
let harness: BrowserHarness;
let base: string;
let organizer: TestUser;
let eventId: number;
let backstageId: number;

const row = (page: Page, code: string) => page.locator(`[data-testid="promo-row"][data-code="${code}"]`);

/** A code made through the API, so the buyer's test stands on its own. */
async function createCode(body: Record<string, unknown>): Promise<void> {
  const response = await harness.service.app.inject({
    method: 'POST',
    url: `/api/events/${eventId}/promo-codes`,
    headers: organizer.bearer,
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(201);
}

async function usesOf(code: string): Promise<number> {
  const result = await sql<{
    uses: number;
  }>`select uses from sales.promo_codes where event_id = ${eventId} and code = ${code}`.execute(harness.service.database.db);
  return result.rows[0]!.uses;
}

describe.skipIf(!haveBrowser)('promo codes in headless Chromium', () => {
  beforeAll(async () => {
    harness = await startBrowserHarness();
    base = harness.base;
    organizer = await signUpByApi(harness.service.app);
    const created = await createPublishedEvent(harness.service.app, harness.service.database, organizer, {
      title: 'Весенний фестиваль',
      venue: 'Алматы Арена',
      policy: { one_active_booking_per_user: false, max_tickets_per_order: 10, contact_required: false },
      zones: [{ name: 'Партер', price: 1_000_000, rows: 2, seats_per_row: 10 }],
      ticketTypes: [
        { type: 'standard', name: 'Entry', price: 500_000, quantity: 100 },
        { type: 'vip', name: 'Backstage', price: 2_000_000, quantity: 10, hidden: true },
      ],
    });
    eventId = created.eventId;
    backstageId = created.ticketTypeIds[1]!;
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('lets the organizer create a code and a batch, change one and switch one off', async () => {
    const page = await harness.newPage();
    await signIn(page, base, organizer, `/organizer/events/${eventId}`);
    const section = page.getByTestId('promo-codes');
    await section.getByText('No promo codes yet.').waitFor(WAIT);

    // One code: 20 % off every ticket.
    await section.getByLabel('Code', { exact: true }).fill('spring20');
    await section.getByLabel('Kind').selectOption('percent');
    await section.getByLabel('Value').fill('20');
    await section.getByLabel('Uses allowed').fill('10');
    await section.getByRole('button', { name: 'Create code' }).click();
    await row(page, 'SPRING20').waitFor(WAIT);
    expect(await row(page, 'SPRING20').textContent()).toContain('20 % off · all tickets');
    expect(await row(page, 'SPRING20').getByTestId('promo-uses').textContent()).toBe('0 / 10');

    // The same code again is refused in words.
    await section.getByLabel('Code', { exact: true }).fill('SPRING20');
    await section.getByRole('button', { name: 'Create code' }).click();
    expect(await section.getByRole('alert').textContent()).toContain('already has the code SPRING20');

    // A code that only unlocks the hidden Backstage tickets (nothing off).
    await section.getByLabel('Code', { exact: true }).fill('crew');
    await section.getByLabel('Kind').selectOption('fixed');
    await section.getByLabel(/^Value/).fill('0');
    await section.getByRole('checkbox', { name: /Backstage/ }).check();
    await section.getByRole('button', { name: 'Create code' }).click();
    await row(page, 'CREW').waitFor(WAIT);
    expect(await row(page, 'CREW').textContent()).toContain('no discount (unlocks only) · for Backstage');

    // A batch of five with 1,000.00 off each ticket, shown to copy or download.
    await section.getByRole('radio', { name: 'Many codes at once' }).check();
    await section.getByLabel('Prefix').fill('vk');
    await section.getByLabel('How many').fill('5');
    await section.getByRole('checkbox', { name: /Backstage/ }).uncheck();
    await section.getByLabel(/^Value/).fill('1000');
    await section.getByRole('button', { name: 'Generate codes' }).click();
    const batch = page.getByTestId('promo-generated');
    await batch.getByText('5 codes generated').waitFor(WAIT);
    const codes = (await batch.getByRole('textbox').inputValue()).trim().split('\n');
    expect(codes).toHaveLength(5);
    for (const code of codes) expect(code).toMatch(/^VK[A-Z2-9]{8}$/);
    const download = await Promise.all([
      page.waitForEvent('download'),
      batch.getByRole('link', { name: 'Download as text' }).click(),
    ]);
    expect(download[0].suggestedFilename()).toBe(`promo-codes-event-${eventId}.txt`);
    await row(page, codes[0]!).waitFor(WAIT);

    // Edit SPRING20's uses; switch the first batch code off.
    await row(page, 'SPRING20').getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('form', { name: 'Edit SPRING20' }).getByLabel('Uses allowed').fill('50');
    await page.getByRole('form', { name: 'Edit SPRING20' }).getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row(page, 'SPRING20').getByTestId('promo-uses').textContent(), WAIT).toBe('0 / 50');
    await row(page, codes[0]!).getByRole('button', { name: 'Switch off' }).click();
    await row(page, codes[0]!).getByText('switched off').waitFor(WAIT);
    expect(await row(page, codes[0]!).getByTestId('promo-state').textContent()).toContain('not usable now');
    await section.scrollIntoViewIfNeeded();
    await shot(page, 'promo-organizer');
  }, 120_000);

  it('applies a buyer’s code at checkout, refuses a wrong one in words, and unlocks the hidden type with ?code=', async () => {
    await createCode({ code: 'SAVE20', discount_kind: 'percent', discount_value: 20, max_uses: 10 });
    await createCode({
      code: 'BACKSTAGE',
      discount_kind: 'fixed',
      discount_value: 0,
      ticket_type_ids: [backstageId],
      max_uses: 5,
    });
    const page = await harness.newPage();
    await signUp(page, base, 'promo');
    await page.goto(`${base}/events/${eventId}`);
    await page.getByRole('heading', { name: 'Весенний фестиваль' }).waitFor(WAIT);
    await page.getByTestId('ticket-type').first().waitFor(WAIT);
    // Without a code the hidden type is not there.
    expect(await page.getByTestId('ticket-type').allTextContents()).toEqual([expect.stringContaining('Entry')]);

    // A wrong code: the booking is refused in words and nothing is held.
    await page.getByLabel('Promo code').fill('NOPE123');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('promo-applied').waitFor(WAIT);
    expect(page.url()).toContain('code=NOPE123');
    await page.getByTestId('ticket-type').filter({ hasText: 'Entry' }).getByRole('button', { name: 'Buy' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor(WAIT);
    expect(await alert.textContent()).toBe('This promo code does not exist for this event.');

    // The right code: two Entry tickets at 20 % off.
    await page.getByLabel('Promo code').fill('save20');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Code SAVE20 will be applied').waitFor(WAIT);
    await page.getByTestId('ticket-type').filter({ hasText: 'Entry' }).getByLabel('Quantity').fill('2');
    await page.getByTestId('ticket-type').filter({ hasText: 'Entry' }).getByRole('button', { name: 'Buy' }).click();
    await page.waitForURL(/\/bookings\/\d+$/, WAIT);
    await page.getByTestId('price-breakdown').waitFor(WAIT);
    const money = async (id: string) => (await page.getByTestId(id).textContent())?.replace(/\s/g, ' ');
    expect(await money('booking-subtotal')).toMatch(/10,000\.00/);
    expect(await money('booking-discount')).toMatch(/−.*2,000\.00/);
    expect(await money('booking-total')).toMatch(/8,000\.00/);
    expect(await page.getByTestId('booking-promo').textContent()).toBe('SAVE20');
    await shot(page, 'promo-booking');

    // Seats with the code from the address: a 10,000.00 seat for 8,000.00.
    await page.goto(`${base}/events/${eventId}?code=SAVE20`);
    await clickSeat(page, 1, 1);
    await expect.poll(() => page.getByTestId('picked-seats').locator('li').count(), WAIT).toBe(1);
    await page.getByRole('button', { name: /Book selected seats/ }).click();
    await page.waitForURL(/\/bookings\/\d+$/, WAIT);
    await page.getByTestId('price-breakdown').waitFor(WAIT);
    expect(await money('booking-total')).toMatch(/8,000\.00/);
    expect(await usesOf('SAVE20')).toBe(2);

    // The hidden Backstage type with ?code=backstage: listed, marked, and bought at its own price.
    await page.goto(`${base}/events/${eventId}?code=backstage`);
    const backstage = page.getByTestId('ticket-type').filter({ hasText: 'Backstage' });
    await backstage.waitFor(WAIT);
    expect(await backstage.getByTestId('unlocked').textContent()).toBe('Unlocked by your code');
    expect(await page.getByLabel('Promo code').inputValue()).toBe('BACKSTAGE');
    await shot(page, 'promo-unlocked');
    await backstage.getByRole('button', { name: 'Buy' }).click();
    await page.waitForURL(/\/bookings\/\d+$/, WAIT);
    await page.getByTestId('price-breakdown').waitFor(WAIT);
    expect(await money('booking-total')).toMatch(/20,000\.00/);
    expect(await page.getByTestId('booking-promo').textContent()).toBe('BACKSTAGE');
    expect(await usesOf('BACKSTAGE')).toBe(1);
  }, 180_000);
});
