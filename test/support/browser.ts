import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestService, type TestService } from './service.ts';
import type { TestUser } from './users.ts';
import { freePort } from './ports.ts';

// The web app in a real browser (Debian's chromium driven by playwright-core) against the whole
// service on a socket. CI installs chromium (.ci/run); without a browser the e2e files are skipped.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) console.warn(`web e2e skipped: no browser at ${CHROMIUM} (apt-get install -y chromium)`);

export const WAIT = { timeout: 30_000 };
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
/**
 * Where screenshots go: docs/screenshots/ when UPDATE_SCREENSHOTS=1 (to refresh the docs' pictures),
 * otherwise a temporary folder, so an ordinary run (and CI) leaves the checkout clean.
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(import.meta.dirname, '../../docs/screenshots')
  : join(tmpdir(), 'sbor-screenshots');

export interface BrowserHarness {
  service: TestService;
  browser: Browser;
  /** The server's origin, e.g. http://127.0.0.1:41234. */
  base: string;
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  stop(): Promise<void>;
}

/** Starts the whole service on a free port and a headless Chromium to drive it. */
export async function startBrowserHarness(env: Record<string, string> = {}): Promise<BrowserHarness> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const service = await startTestService({
    listen: true,
    env: { PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, SANDBOX_DELAY_MS: '1-5', ...env },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const contexts: BrowserContext[] = [];
  return {
    service,
    browser,
    base,
    async newPage(viewport = DESKTOP) {
      const context = await browser.newContext({ viewport, locale: 'en-US' });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.setDefaultNavigationTimeout(30_000);
      return page;
    },
    async stop() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await service.stop();
    },
  };
}

/** Screenshots the page at desktop and phone widths (see SCREENSHOTS for where). */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`) });
  const size = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(size);
}

/** Signs a new attendee up through the sign-up page; returns the email. */
/** Signs an existing user in through the sign-in page and waits for the page it leads to. */
export async function signIn(page: Page, base: string, user: TestUser, next: string): Promise<void> {
  await page.goto(`${base}/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.locator('form').getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === next.split('?')[0], WAIT);
}

export async function signUp(page: Page, base: string, name: string): Promise<string> {
  const email = `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.test`;
  await page.goto(`${base}/signup`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByLabel('First name').fill(name);
  await page.getByLabel('Surname').fill('Testova');
  await page.locator('form').getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('link', { name: 'My tickets' }).waitFor(WAIT);
  return email;
}

/** Clicks seat (row, number) on the canvas, from the view the map publishes on the element. */
export async function clickSeat(page: Page, row: number, number: number): Promise<void> {
  const canvas = page.locator('canvas.seatmap-canvas[data-ready="true"]');
  await canvas.waitFor(WAIT);
  const box = await canvas.boundingBox();
  const view = {
    scale: Number(await canvas.getAttribute('data-scale')),
    x: Number(await canvas.getAttribute('data-x')),
    y: Number(await canvas.getAttribute('data-y')),
    ratio: (box?.width ?? 1) / Number(await canvas.getAttribute('width')),
  };
  await canvas.click({
    position: {
      x: (view.x + (number - 0.5) * view.scale) * view.ratio,
      y: (view.y + (row - 0.5) * view.scale) * view.ratio,
    },
  });
}

/** Makes the signed-in page's user an organizer with a brand page; returns the brand's slug. */
export async function becomeOrganizer(page: Page, base: string): Promise<string> {
  await page.goto(`${base}/organizer`);
  await page.getByRole('button', { name: 'Become an organizer' }).click();
  const slug = `brand-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  await page.getByLabel('Brand page address (slug)').first().fill(slug);
  await page.getByLabel('Brand name').fill('Qazaq Events');
  await page.getByRole('button', { name: 'Create brand page' }).click();
  await page.waitForFunction((expected) => localStorage.getItem('sbor.organizer.slug') === expected, slug, WAIT);
  return slug;
}

/** Creates and publishes a seated event of `rows` × 10 (2 by default) from the organizer page; returns its id. */
export async function createSeatedEvent(page: Page, base: string, title: string, holdSeconds: number, rows = 2): Promise<number> {
  await page.goto(`${base}/organizer`);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Hold time, seconds').fill(String(holdSeconds));
  await page.getByLabel('Venue').fill('Дворец Республики');
  await page.locator('input[name="zone-0-rows"]').fill(String(rows));
  await page.locator('input[name="zone-0-seats"]').fill('10');
  await page.getByRole('button', { name: 'Create and publish' }).click();
  const alert = page.getByRole('alert');
  await Promise.race([
    page.waitForURL(/\/organizer\/events\/\d+$/, WAIT),
    alert.waitFor(WAIT).then(async () => {
      throw new Error(`creating the event failed: ${await alert.textContent()}`);
    }),
  ]);
  return Number(/(\d+)$/.exec(page.url())![1]);
}

/** Pays on the sandbox gateway's card page with the success card and waits for the result page. */
export async function payWithSuccessCard(page: Page, card = '4111111111111111'): Promise<void> {
  await page.waitForURL(/\/sandbox\//, WAIT);
  await page.locator('input[name="cardNumber"]').fill(card);
  await page.locator('input[name="cardExpiry"]').fill('12/30');
  await page.locator('input[name="cvv"]').fill('123');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL(/\/payment-result\?/, WAIT);
}
