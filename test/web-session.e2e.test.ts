import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveBrowser, signUp, startBrowserHarness, WAIT, type BrowserHarness } from './support/browser.ts';
import { createPublishedEvent } from './support/events.ts';
import { signUp as signUpByApi } from './support/users.ts';

// The web app's session across an access token's expiry, in headless Chromium against the real
// server. Access tokens live 8 s here (ACCESS_TOKEN_TTL_SECONDS), so a test can outwait one and then
// let the app's real pages fire their calls at once. The server takes a refresh token presented twice
// as stolen and ends the whole login, so the app must spend each refresh token exactly once.
const TTL_SECONDS = 8;

let harness: BrowserHarness;
let base: string;
/** The event whose page the tests open: its title, as the list and the page show it. */
let title: string;

/** What one browser context sent to the refresh endpoint and which calls were refused with a 401. */
interface Traffic {
  refreshes: { token: string; status: number | undefined }[];
  unauthorized: string[];
}

function watch(context: BrowserContext): Traffic {
  const traffic: Traffic = { refreshes: [], unauthorized: [] };
  context.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname === '/api/auth/refresh') {
      const body = JSON.parse(response.request().postData() ?? '{}') as { refresh_token?: string };
      traffic.refreshes.push({ token: body.refresh_token ?? '', status: response.status() });
    } else if (response.status() === 401) {
      traffic.unauthorized.push(`${response.request().method()} ${url.pathname}`);
    }
  });
  return traffic;
}

/** Waits until the access token the app holds has expired on the server's clock (the same machine's). */
async function outwaitAccessToken(page: Page): Promise<void> {
  const token = await page.evaluate(
    () => (JSON.parse(localStorage.getItem('sbor.tokens') ?? '{}') as { access_token?: string }).access_token ?? '',
  );
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp: number };
  const wait = payload.exp * 1000 + 300 - Date.now();
  expect(wait, 'the token is still valid, so the test crosses its expiry').toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, wait));
}

/** Opens the event from the list inside the app (no reload): its page fires five calls at once. */
async function openEvent(page: Page, traffic: Traffic): Promise<void> {
  await page.getByRole('link', { name: title }).click();
  const alert = page.getByRole('alert');
  await page.getByRole('heading', { name: title }).or(alert).first().waitFor(WAIT);
  if (await alert.count()) {
    const said = (await alert.allTextContents()).join(' ');
    throw new Error(`the event page failed: "${said}"; refreshes: ${JSON.stringify(traffic.refreshes.map((r) => r.status))}`);
  }
  // Every call of the page has answered: the tickets, my waitlist (none), my favourites (the star).
  await page.getByRole('button', { name: 'Buy' }).waitFor(WAIT);
  await expect.poll(() => page.getByRole('button', { name: 'Add to favourites' }).isEnabled(), WAIT).toBe(true);
}

/** A new user signed in on the event list in a fresh browser context, once the access token has expired. */
async function signedInPastExpiry(name: string): Promise<{ page: Page; traffic: Traffic }> {
  const page = await harness.newPage();
  const traffic = watch(page.context());
  await signUp(page, base, name);
  await page.getByRole('link', { name: title }).waitFor(WAIT);
  await outwaitAccessToken(page);
  return { page, traffic };
}

async function expectSignedIn(page: Page): Promise<void> {
  expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
  expect(await page.getByRole('link', { name: 'Sign in' }).count()).toBe(0);
  expect(await page.evaluate(() => localStorage.getItem('sbor.tokens'))).not.toBeNull();
}

describe.skipIf(!haveBrowser)('the web session across an access token expiry', () => {
  beforeAll(async () => {
    harness = await startBrowserHarness({ ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS) });
    base = harness.base;
    const organizer = await signUpByApi(harness.service.app);
    const { slug } = await createPublishedEvent(harness.service.app, harness.service.database, organizer, {
      ticketTypes: [{ type: 'standard', name: 'Входной', price: 500_000, quantity: 100 }],
    });
    title = `Событие ${slug}`;
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('keeps the user signed in when parallel calls cross the expiry, refreshing once for all of them', async () => {
    const { page, traffic } = await signedInPastExpiry('session');
    expect(traffic.refreshes).toEqual([]);

    await openEvent(page, traffic);
    // The calls went out together with the expired token and were refused...
    expect(traffic.unauthorized.length).toBeGreaterThanOrEqual(3);
    // ...and one refresh renewed it for all of them.
    expect(traffic.refreshes.map((refresh) => refresh.status)).toEqual([200]);
    await expectSignedIn(page);

    // The server agrees: the next private page loads with the renewed session.
    await page.getByRole('link', { name: 'My bookings' }).click();
    await page.getByText('No bookings yet.').waitFor(WAIT);
    expect(await page.getByRole('alert').count()).toBe(0);
    await expectSignedIn(page);
  });

  it('lets two tabs cross the expiry together and one after the other without ending each other’s session', async () => {
    const first = await harness.newPage();
    const context = first.context();
    const traffic = watch(context);
    await signUp(first, base, 'tabs');
    const second = await context.newPage();
    await second.goto(`${base}/`);
    for (const tab of [first, second]) await tab.getByRole('link', { name: title }).waitFor(WAIT);

    // Together: both tabs hold the same pair; one refreshes, the other waits its turn and takes the
    // new pair from storage instead of presenting the spent refresh token. The refresh is held for
    // half a second on its way, so both tabs' calls are refused while it is in flight.
    await outwaitAccessToken(first);
    await context.route('**/api/auth/refresh', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue();
    });
    await Promise.all([openEvent(first, traffic), openEvent(second, traffic)]);
    await context.unrouteAll();
    expect(traffic.refreshes.map((refresh) => refresh.status)).toEqual([200]);
    for (const tab of [first, second]) await expectSignedIn(tab);

    // One after the other: the first tab refreshes; the second learns the new pair from the storage
    // event and sends it straight away (no 401, no refresh of its own).
    for (const tab of [first, second]) {
      await tab.getByRole('link', { name: 'Events', exact: true }).click();
      await tab.getByRole('link', { name: title }).waitFor(WAIT);
    }
    await outwaitAccessToken(first);
    await first.getByRole('link', { name: 'My bookings' }).click();
    await first.getByText('No bookings yet.').waitFor(WAIT);
    const refusedBefore = traffic.unauthorized.length;
    const refreshedBefore = traffic.refreshes.length;
    await second.getByRole('link', { name: 'My bookings' }).click();
    await second.getByText('No bookings yet.').waitFor(WAIT);
    expect(traffic.unauthorized.slice(refusedBefore)).toEqual([]);
    expect(traffic.refreshes.length).toBe(refreshedBefore);

    // No refresh token was ever presented twice, and none was refused.
    const tokens = traffic.refreshes.map((refresh) => refresh.token);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(traffic.refreshes.every((refresh) => refresh.status === 200)).toBe(true);
    for (const tab of [first, second]) await expectSignedIn(tab);
  });

  it('keeps the session when the refresh itself fails for a reason that is not the token (a 503)', async () => {
    const { page, traffic } = await signedInPastExpiry('outage');
    await page.context().route('**/api/auth/refresh', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: '{"title":"Service Unavailable","status":503}',
      }),
    );
    await page.getByRole('link', { name: 'My bookings' }).click();
    await page.getByRole('alert').first().waitFor(WAIT);
    await expectSignedIn(page);

    // Back up: the next call refreshes with the same refresh token, which was never spent.
    await page.context().unrouteAll();
    await page.getByRole('link', { name: 'My tickets' }).click();
    await page.getByText('No tickets yet.').waitFor(WAIT);
    await expectSignedIn(page);
    expect(traffic.refreshes.at(-1)?.status).toBe(200);
  });
});
