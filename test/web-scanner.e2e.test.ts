import type { InjectOptions } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveBrowser, shot, startBrowserHarness, WAIT, type BrowserHarness } from './support/browser.ts';
import { addToTeam, createPublishedEvent } from './support/events.ts';
import { signUp as apiSignUp, type TestUser } from './support/users.ts';

// The scanner page in headless Chromium: QR pictures read by jsQR (this browser has no
// BarcodeDetector, and the tests remove it anyway), and a whole offline shift — bundle
// downloaded, network gone, scans queued, page reloaded, network back, sync reported.

let harness: BrowserHarness;
let owner: TestUser;
let scanner: TestUser;
let buyer: TestUser;
let eventId: number;
let tickets: { id: number; code: string }[];

const VALID = 'VALID — come in';
const inject = (options: InjectOptions) => harness.service.app.inject(options);

interface TicketView {
  id: number;
  code: string;
  booking_id: number;
  status: string;
  used_gate: string | null;
}

async function ticket(id: number): Promise<TicketView> {
  const response = await inject({ method: 'GET', url: `/api/tickets/${id}`, headers: scanner.bearer });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<TicketView>();
}

/** The QR picture the API serves for a ticket (what a holder shows at the door). */
async function qrPng(ticketId: number): Promise<{ name: string; mimeType: string; buffer: Buffer }> {
  const response = await inject({ method: 'GET', url: `/api/tickets/${ticketId}/qr?format=png`, headers: scanner.bearer });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('image/png');
  return { name: `ticket-${ticketId}.png`, mimeType: 'image/png', buffer: response.rawPayload };
}

/** Signs the scanner in through the sign-in page and opens /scanner for the event. */
async function openScanner(page: Page): Promise<void> {
  await page.goto(`${harness.base}/signin?next=/scanner`);
  await page.getByLabel('Email').fill(scanner.email);
  await page.getByLabel('Password').fill(scanner.password);
  await page.locator('form').getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Check tickets in' }).waitFor(WAIT);
  await page.getByLabel('Event id').fill(String(eventId));
}

async function typeCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Ticket code').fill(code);
  await page.getByRole('button', { name: 'Check in' }).click();
}

const verdict = (page: Page) => page.getByTestId('verdict');

/** Waits for a new verdict (after the `previous`-th) headed `headline`; returns its number and text. */
async function nextVerdict(page: Page, previous: number, headline: string): Promise<{ seq: number; text: string }> {
  const seq = () =>
    verdict(page)
      .getAttribute('data-seq', { timeout: 1000 })
      .then(Number, () => 0);
  await expect
    .poll(seq, WAIT)
    .toBeGreaterThan(previous)
    .catch(async (caught: unknown) => {
      throw new Error(`no verdict after #${previous}; the page says: ${await page.locator('main').innerText()}`, {
        cause: caught,
      });
    });
  expect(await verdict(page).locator('strong').textContent()).toBe(headline);
  return { seq: Number(await verdict(page).getAttribute('data-seq')), text: (await verdict(page).textContent()) ?? '' };
}

describe.skipIf(!haveBrowser)('the scanner page in headless Chromium', () => {
  beforeAll(async () => {
    harness = await startBrowserHarness();
    const app = harness.service.app;
    [owner, scanner, buyer] = await Promise.all([apiSignUp(app), apiSignUp(app), apiSignUp(app)]);
    const event = await createPublishedEvent(app, harness.service.database, owner, {
      ticketTypes: [{ type: 'standard', name: 'Вход свободный', price: 0, quantity: 50, max_per_order: 10 }],
      policy: { max_tickets_per_order: 10, contact_required: false, one_active_booking_per_user: false },
    });
    eventId = event.eventId;
    await addToTeam(app, owner, event.slug, scanner.email, 'scanner');
    // Free tickets are confirmed at once; the bus issues them.
    const bought = await inject({
      method: 'POST',
      url: `/api/events/${eventId}/tickets`,
      headers: buyer.bearer,
      payload: { ticket_type_id: event.ticketTypeIds[0], quantity: 5 },
    });
    expect(bought.statusCode, bought.body).toBe(201);
    const bookingId = bought.json<{ id: number }>().id;
    // expect.poll works only inside a test: wait by hand.
    for (let tries = 0; tries < 100; tries += 1) {
      const mine = await inject({ method: 'GET', url: '/api/tickets?pageSize=100', headers: buyer.bearer });
      tickets = mine
        .json<TicketView[]>()
        .filter((one) => one.booking_id === bookingId)
        .sort((a, b) => a.id - b.id);
      if (tickets.length === 5) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(tickets).toHaveLength(5);
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('reads an uploaded QR picture of a real ticket with jsQR where BarcodeDetector is missing: VALID, then ALREADY USED', async () => {
    const page = await harness.newPage();
    await page.addInitScript(() => {
      delete (globalThis as { BarcodeDetector?: unknown }).BarcodeDetector;
    });
    await openScanner(page);
    const picture = await qrPng(tickets[0]!.id);

    await page.getByLabel('Scan a photo of the QR').setInputFiles(picture);
    const first = await nextVerdict(page, 0, VALID);
    expect(await verdict(page).getAttribute('data-decoder')).toBe('jsqr');
    expect(await verdict(page).getAttribute('data-offline')).toBe('false');
    expect(first.text).toContain(`Ticket #${tickets[0]!.id} · Вход свободный`);
    expect(first.text).toContain('Read by jsqr');
    await expect.poll(async () => (await ticket(tickets[0]!.id)).status, WAIT).toBe('used');
    await shot(page, 'scanner-valid');

    await page.getByLabel('Scan a photo of the QR').setInputFiles(picture);
    const second = await nextVerdict(page, first.seq, 'ALREADY USED');
    expect(await verdict(page).getAttribute('data-decoder')).toBe('jsqr');
    await shot(page, 'scanner-already-used');

    // A picture without a QR code says so instead of guessing.
    await page.getByLabel('Scan a photo of the QR').setInputFiles({
      name: 'blank.png',
      mimeType: 'image/png',
      // A 1×1 white PNG.
      buffer: Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII=',
        'base64',
      ),
    });
    await nextVerdict(page, second.seq, 'CANNOT CHECK');
    expect(await verdict(page).textContent()).toContain('No QR code found in the picture.');
  });

  it('uses the browser’s BarcodeDetector where the browser has one', async () => {
    const page = await harness.newPage();
    // A stand-in BarcodeDetector that "sees" ticket 5's code in any picture.
    await page.addInitScript((code: string) => {
      (globalThis as { BarcodeDetector?: unknown }).BarcodeDetector = class {
        detect() {
          return Promise.resolve([{ rawValue: code }]);
        }
      };
    }, tickets[4]!.code);
    await openScanner(page);
    await page.getByLabel('Scan a photo of the QR').setInputFiles(await qrPng(tickets[1]!.id));
    await nextVerdict(page, 0, VALID);
    expect(await verdict(page).getAttribute('data-decoder')).toBe('barcode-detector');
    expect((await ticket(tickets[4]!.id)).status).toBe('used');
    expect((await ticket(tickets[1]!.id)).status).toBe('active');
  });

  it('works offline from the downloaded bundle, keeps the queue across a reload, and syncs with the conflicts in words', async () => {
    const page = await harness.newPage();
    await openScanner(page);
    await page.getByRole('button', { name: 'Download for offline' }).click();
    await expect.poll(() => page.getByTestId('bundle-info').textContent(), WAIT).toContain(`Event ${eventId}: data from`);
    // Two of five used so far (tickets 1 and 5), none cancelled.
    expect(await page.getByTestId('bundle-info').textContent()).toContain('5 tickets, 2 used, 0 cancelled');
    await page.getByText('The page also opens without a network now.').waitFor(WAIT);

    await page.context().setOffline(true);
    await expect.poll(() => page.getByTestId('network').textContent(), WAIT).toBe('No network');

    const [used, second, third] = [tickets[0]!, tickets[1]!, tickets[2]!];
    await typeCode(page, second.code);
    let last = await nextVerdict(page, 0, VALID);
    expect(last.text).toContain(`Ticket #${second.id} · checked offline, waiting to sync`);
    expect(await verdict(page).getAttribute('data-offline')).toBe('true');
    await expect.poll(() => page.getByTestId('queue-length').textContent(), WAIT).toBe('1');

    await typeCode(page, third.code);
    last = await nextVerdict(page, last.seq, VALID);
    expect(last.text).toContain(`Ticket #${third.id}`);
    await expect.poll(() => page.getByTestId('queue-length').textContent(), WAIT).toBe('2');
    await shot(page, 'scanner-offline-queue');

    // The same ticket again: this device let it in a moment ago.
    await typeCode(page, second.code);
    last = await nextVerdict(page, last.seq, 'ALREADY USED');
    expect(last.text).toContain('Let in on this device at');
    expect(last.text).toContain('gate A');
    // Ticket 1 was let in online before the download: the bundle knows.
    await typeCode(page, used.code);
    last = await nextVerdict(page, last.seq, 'ALREADY USED');
    expect(last.text).toContain('Used at');
    // An altered code fails the Ed25519 signature check in the browser.
    const at = second.code.length - 10;
    const forged = `${second.code.slice(0, at)}${second.code[at] === 'A' ? 'B' : 'A'}${second.code.slice(at + 1)}`;
    await typeCode(page, forged);
    last = await nextVerdict(page, last.seq, 'INVALID');
    expect(last.text).toContain('Not an authentic ticket code.');
    expect(await page.getByTestId('queue-length').textContent()).toBe('2');

    // Meanwhile another gate, online, lets ticket 3 in: a conflict to report after the sync.
    const gateB = await inject({
      method: 'POST',
      url: `/api/tickets/${third.code}/checkin`,
      headers: scanner.bearer,
      payload: { gate: 'B', scan_id: crypto.randomUUID() },
    });
    expect(gateB.statusCode, gateB.body).toBe(200);
    expect((await ticket(second.id)).status).toBe('active');

    // Reloaded without a network: the service worker serves the page, IndexedDB the queue. (The
    // worker is offline too: what it cannot take from its cache fails.)
    const missing = await page.evaluate(() =>
      fetch('/assets/not-cached.js').then(
        (response) => response.status,
        () => 'no network',
      ),
    );
    expect(missing).toBe('no network');
    const reloaded = await page.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    await page.getByRole('heading', { name: 'Check tickets in' }).waitFor(WAIT);
    await expect.poll(() => page.getByTestId('queue-length').textContent(), WAIT).toBe('2');
    // The bundle's line is read from IndexedDB apart from the queue's: it may come a moment later.
    await expect.poll(() => page.getByTestId('bundle-info').textContent(), WAIT).toContain(`Event ${eventId}: data from`);
    await typeCode(page, third.code);
    await nextVerdict(page, 0, 'ALREADY USED');

    await page.context().setOffline(false);
    await expect.poll(() => page.getByTestId('queue-length').textContent(), WAIT).toBe('0');
    const report = (await page.getByTestId('sync-result').textContent()) ?? '';
    expect(report).toContain('Synced 2 scans — accepted: 1, already recorded: 0, conflicts: 1, rejected: 0.');
    expect(report).toMatch(new RegExp(`Ticket #${third.id} let in at gate A at .+ had already been let in at gate B at `));
    await shot(page, 'scanner-synced');

    expect(await ticket(second.id)).toMatchObject({ status: 'used', used_gate: 'A' });
    expect(await ticket(third.id)).toMatchObject({ status: 'used', used_gate: 'B' });
    const stats = await inject({ method: 'GET', url: `/api/events/${eventId}/checkin-stats`, headers: scanner.bearer });
    expect(stats.json<{ checked_in: number; conflicts: number }>()).toMatchObject({ checked_in: 4, conflicts: 1 });
  });

  it('refuses to answer offline where the browser cannot verify Ed25519: CANNOT CHECK, nothing queued', async () => {
    const page = await harness.newPage();
    // A browser without Ed25519 in WebCrypto: importing such a key fails; other keys still import.
    await page.addInitScript(() => {
      const subtle = crypto.subtle;
      const importKey = subtle.importKey.bind(subtle) as (...args: unknown[]) => Promise<unknown>;
      Object.defineProperty(subtle, 'importKey', {
        value: (...args: unknown[]) => {
          const algorithm = args[2];
          const name = typeof algorithm === 'string' ? algorithm : (algorithm as { name: string }).name;
          return name.toLowerCase() === 'ed25519'
            ? Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError'))
            : importKey(...args);
        },
      });
    });
    await openScanner(page);
    const hmac = await page.evaluate(async () => {
      const key = await crypto.subtle.importKey('raw', new Uint8Array(16), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      return key.algorithm.name;
    });
    expect(hmac).toBe('HMAC');
    await page.getByRole('button', { name: 'Download for offline' }).click();
    await expect.poll(() => page.getByTestId('bundle-info').textContent(), WAIT).toContain(`Event ${eventId}: data from`);
    await page.getByText('This browser cannot verify signatures (Ed25519)').waitFor(WAIT);

    await page.context().setOffline(true);
    await expect.poll(() => page.getByTestId('network').textContent(), WAIT).toBe('No network');
    const genuine = tickets[3]!;
    await typeCode(page, genuine.code);
    const answer = await nextVerdict(page, 0, 'CANNOT CHECK');
    expect(answer.text).toContain('This device cannot verify tickets offline; check online.');
    expect(answer.text).not.toContain(VALID);
    expect(await page.getByTestId('queue-length').textContent()).toBe('0');
    // And none in IndexedDB either (the page's own count aside). A string: the tests' types have no DOM.
    const stored = await page.evaluate<number>(`new Promise((resolve, reject) => {
      const open = indexedDB.open('sbor-scanner');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const count = open.result.transaction('scans').objectStore('scans').count();
        count.onerror = () => reject(count.error);
        count.onsuccess = () => resolve(count.result);
      };
    })`);
    expect(stored).toBe(0);
    expect((await ticket(genuine.id)).status).toBe('active');
  });
});
