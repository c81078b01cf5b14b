import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Answer, Client } from './client.ts';
import type { History } from './history.ts';

/** The cards the sandbox knows (docs/payments.md): one succeeds, one is declined. */
const CARDS = { success: '4111111111111111', declined: '4000000000000002' };
const PASSWORD = 'fault suite password';

export interface Buyer {
  name: string;
  userId: number;
  auth: Record<string, string>;
  /** Retries its creating requests under an Idempotency-Key; the others send none and give up on a lost answer. */
  usesKeys: boolean;
  keys: Set<string>;
}

export interface Shop {
  base: string;
  seatedEventId: number;
  seats: number;
  gaEventId: number;
  ticketTypeId: number;
  units: number;
  buyers: Buyer[];
}

export interface ShopOptions {
  buyers: number;
  /** Seats in the seated event's hall and units of the general-admission ticket type. */
  seats: number;
  units: number;
  /** The events' hold: holds left unpaid end after this. */
  holdSeconds: number;
}

function ok(answer: Answer, what: string, status = 201): Record<string, unknown> {
  if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as Record<string, unknown>;
}

/** The organizer, two events (a seated hall and a general-admission ticket type) and the buyers, before any fault. */
export async function openShop(client: Client, base: string, databaseUrl: string, options: ShopOptions): Promise<Shop> {
  const register = async (name: string) => {
    const email = `${name}-${randomUUID().slice(0, 8)}@faults.test`;
    const registered = ok(
      await client.retrying('POST', `${base}/api/auth/register`, {
        op: 'setup',
        buyer: name,
        body: { email, password: PASSWORD, first_name: 'Fault', surname: name },
        retryable: false,
      }),
      'register',
    );
    return { email, userId: registered.id as number };
  };
  const login = async (name: string, email: string) => {
    const tokens = ok(
      await client.retrying('POST', `${base}/api/auth/login`, {
        op: 'setup',
        buyer: name,
        body: { email, password: PASSWORD },
        retryable: true,
      }),
      'login',
      200,
    );
    return { authorization: `Bearer ${String(tokens.access_token)}` };
  };
  const organizerAccount = await register('organizer');
  const database = new pg.Client({ connectionString: databaseUrl });
  await database.connect();
  try {
    await database.query(`update identity.users set role = 'organizer' where id = $1`, [organizerAccount.userId]);
  } finally {
    await database.end();
  }
  const organizer = { auth: await login('organizer', organizerAccount.email) };
  const slug = `faults-${randomUUID().slice(0, 6)}`;
  const setup = (method: string, path: string, body?: unknown, status = 201) =>
    client
      .retrying(method, `${base}${path}`, { op: 'setup', buyer: 'organizer', headers: organizer.auth, body, retryable: false })
      .then((answer) => ok(answer, `${method} ${path}`, status));
  await setup('POST', '/api/organizers', { slug, name: 'Fault suite' });
  const event = async (title: string) =>
    (
      await setup('POST', '/api/events', {
        organizer: slug,
        title,
        type: 'concert',
        starts_at: new Date(Date.now() + 10 * 86_400_000).toISOString(),
        hold_ttl_seconds: options.holdSeconds,
        policy: { one_active_booking_per_user: false, max_tickets_per_order: 4, contact_required: false },
      })
    ).id as number;
  const seatedEventId = await event('Fault suite: seated');
  const rows = Math.max(1, Math.round(options.seats / 10));
  await setup('POST', `/api/events/${seatedEventId}/seat-layout`, {
    zones: [{ name: 'A', price: 5_000, rows, seats_per_row: 10 }],
  });
  await setup('POST', `/api/events/${seatedEventId}/publish`, undefined, 200);
  const gaEventId = await event('Fault suite: general admission');
  const ticketType = await setup('POST', `/api/events/${gaEventId}/ticket-types`, {
    type: 'standard',
    name: 'Standing',
    price: 3_000,
    quantity: options.units,
    max_per_order: 3,
  });
  await setup('POST', `/api/events/${gaEventId}/publish`, undefined, 200);
  const buyers: Buyer[] = [];
  for (let index = 0; index < options.buyers; index += 1) {
    const name = `buyer-${index + 1}`;
    const { userId, email } = await register(name);
    const auth = await login(name, email);
    buyers.push({ name, userId, auth, usesKeys: index % 2 === 0, keys: new Set() });
  }
  return {
    base,
    seatedEventId,
    seats: rows * 10,
    gaEventId,
    ticketTypeId: ticketType.id as number,
    units: options.units,
    buyers,
  };
}

export interface WorkloadHooks {
  /** A buyer's card was authorized (the gateway redirected to the success URL). */
  onAuthorized?: (bookingId: number) => void;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const chance = (p: number) => Math.random() < p;

/**
 * Buyers in closed loops until `until` resolves: each round opens a booking (seats, units, or the
 * Billetter door's select) and then pays, pays and cancels, abandons the page, or cancels unpaid.
 */
export async function runBuyers(shop: Shop, client: Client, history: History, until: Promise<void>, hooks: WorkloadHooks = {}) {
  let stopping = false;
  void until.then(() => {
    stopping = true;
  });
  await Promise.all(
    shop.buyers.map(async (buyer) => {
      await sleep(Math.random() * 1000);
      while (!stopping) {
        try {
          await round(shop, client, history, buyer, hooks);
        } catch (error) {
          history.note({ type: 'workload-error', buyer: buyer.name, error: String(error) });
        }
        await sleep(100 + Math.random() * 400);
      }
    }),
  );
}

async function round(shop: Shop, client: Client, history: History, buyer: Buyer, hooks: WorkloadHooks): Promise<void> {
  const base = shop.base;
  const door = Math.random();
  let bookingId: number | undefined;
  let billetter = false;
  if (door < 0.4) bookingId = await openSeated(shop, client, buyer);
  else if (door < 0.8) bookingId = await purchaseUnits(shop, client, buyer);
  else {
    billetter = true;
    bookingId = await openBilletter(shop, client, buyer);
  }
  if (bookingId === undefined) return;
  const plan = Math.random();
  if (plan < 0.08) {
    // Changes their mind before paying.
    await client.retrying('POST', `${base}/api/bookings/${bookingId}/cancel`, {
      op: 'cancel-unpaid',
      buyer: buyer.name,
      headers: buyer.auth,
      retryable: true,
      bookingId,
    });
    return;
  }
  const page = await initiate(shop, client, buyer, bookingId, billetter);
  if (!page) return;
  history.claim({ kind: 'payment-seen', buyer: buyer.name, bookingId, paymentId: page.split('/').pop()! });
  if (plan < 0.2) {
    // Lets the hold expire: opens the page (or not) and walks away.
    if (chance(0.5)) await client.call('GET', page, { op: 'abandon', buyer: buyer.name, retryable: true, bookingId });
    return;
  }
  const card = plan < 0.3 ? CARDS.declined : CARDS.success;
  const submitted = await payWithCard(client, buyer, page, card, bookingId);
  if (submitted?.status !== 303 || !submitted.location) return;
  const authorized = submitted.location.includes('/api/payments/success');
  if (authorized) {
    history.claim({ kind: 'authorized', buyer: buyer.name, bookingId, paymentId: page.split('/').pop()! });
    hooks.onAuthorized?.(bookingId);
  }
  // Most come back to the shop; some close the tab (the webhook or reconciliation settles).
  if (chance(0.7)) {
    await client.retrying('GET', submitted.location, { op: 'return', buyer: buyer.name, retryable: true, bookingId });
  }
  if (!authorized || plan > 0.85) {
    if (authorized) {
      // Pays, then cancels: the money goes back.
      const confirmed = await waitForStatus(shop, client, buyer, bookingId, ['CONFIRMED', 'CANCELLED', 'EXPIRED']);
      if (confirmed === 'CONFIRMED') {
        await client.retrying('POST', `${base}/api/bookings/${bookingId}/cancel`, {
          op: 'cancel-paid',
          buyer: buyer.name,
          headers: buyer.auth,
          retryable: true,
          bookingId,
        });
      }
    }
    return;
  }
  await waitForStatus(shop, client, buyer, bookingId, ['CONFIRMED', 'CANCELLED', 'EXPIRED']);
}

/** The buyer's creating request: with a key it is retried until it has an answer; without one a lost answer ends the round. */
async function create(client: Client, buyer: Buyer, op: string, url: string, body: unknown): Promise<number | undefined> {
  const key = buyer.usesKeys ? `${buyer.name}-${randomUUID()}` : undefined;
  if (key) buyer.keys.add(key);
  const options = {
    op,
    buyer: buyer.name,
    headers: buyer.auth,
    body,
    retryable: key !== undefined,
    ...(key ? { idempotencyKey: key } : {}),
  };
  const answer = key ? await client.retrying('POST', url, options, 10) : await client.call('POST', url, options);
  return answer.status === 201 ? (answer.body as { id: number }).id : undefined;
}

/** Some free seats of the hall, as the shop suggests them. */
async function freeSeats(shop: Shop, client: Client, buyer: Buyer): Promise<number[]> {
  const free = await client.retrying('GET', `${shop.base}/api/seats?event_id=${shop.seatedEventId}&status=FREE`, {
    op: 'list-seats',
    buyer: buyer.name,
    headers: buyer.auth,
    retryable: true,
  });
  return Array.isArray(free.body) ? (free.body as { id: number }[]).map((seat) => seat.id) : [];
}

async function openSeated(shop: Shop, client: Client, buyer: Buyer): Promise<number | undefined> {
  const seats = await freeSeats(shop, client, buyer);
  if (seats.length === 0) return undefined;
  const wanted = [...new Set([pick(seats), ...(chance(0.4) ? [pick(seats)] : [])])];
  return create(client, buyer, 'create-seated', `${shop.base}/api/bookings`, { event_id: shop.seatedEventId, seat_ids: wanted });
}

async function purchaseUnits(shop: Shop, client: Client, buyer: Buyer): Promise<number | undefined> {
  return create(client, buyer, 'purchase-ga', `${shop.base}/api/events/${shop.gaEventId}/tickets`, {
    ticket_type_id: shop.ticketTypeId,
    quantity: 1 + Math.floor(Math.random() * 2),
  });
}

/** HackLoad's steps: an empty booking, then a seat selected into it (PATCH is idempotent). */
async function openBilletter(shop: Shop, client: Client, buyer: Buyer): Promise<number | undefined> {
  const bookingId = await create(client, buyer, 'create-empty', `${shop.base}/api/bookings`, { event_id: shop.seatedEventId });
  if (bookingId === undefined) return undefined;
  const seats = await freeSeats(shop, client, buyer);
  if (seats.length === 0) return undefined;
  const selected = await client.retrying('PATCH', `${shop.base}/api/seats/select`, {
    op: 'select',
    buyer: buyer.name,
    headers: buyer.auth,
    body: { booking_id: bookingId, seat_id: pick(seats) },
    retryable: true,
    bookingId,
  });
  return selected.status === 200 ? bookingId : undefined;
}

/** Starts the payment (a repeat returns the open payment's page, so it is retried); returns the page's URL. */
async function initiate(
  shop: Shop,
  client: Client,
  buyer: Buyer,
  bookingId: number,
  billetter: boolean,
): Promise<string | undefined> {
  if (billetter) {
    const answer = await client.retrying('PATCH', `${shop.base}/api/bookings/initiatePayment`, {
      op: 'initiate',
      buyer: buyer.name,
      headers: buyer.auth,
      body: { booking_id: bookingId },
      retryable: true,
      bookingId,
    });
    return answer.status === 302 ? answer.location : undefined;
  }
  const answer = await client.retrying('POST', `${shop.base}/api/bookings/${bookingId}/payments`, {
    op: 'initiate',
    buyer: buyer.name,
    headers: buyer.auth,
    retryable: true,
    bookingId,
  });
  return answer.status === 201 ? (answer.body as { payment_url: string }).payment_url : undefined;
}

/** What a person does on the gateway's page: opens it, types the card, submits. */
async function payWithCard(
  client: Client,
  buyer: Buyer,
  page: string,
  card: string,
  bookingId: number,
): Promise<Answer | undefined> {
  const form = await client.call('GET', page, { op: 'pay', buyer: buyer.name, retryable: true, bookingId });
  if (form.status !== 200 || typeof form.body !== 'string') return undefined;
  const action = /<form method="post" action="([^"]+)"/.exec(form.body)?.[1];
  const paymentId = /name="paymentId" value="([^"]+)"/.exec(form.body)?.[1];
  if (!action || !paymentId) return undefined;
  return client.call('POST', new URL(action, page).toString(), {
    op: 'pay',
    buyer: buyer.name,
    form: { paymentId, cardNumber: card, cardExpiry: '12/30', cvv: '123', cardholderName: 'FAULT SUITE' },
    // A card submitted twice could be charged twice: the buyer does not resubmit.
    retryable: false,
    bookingId,
  });
}

async function waitForStatus(
  shop: Shop,
  client: Client,
  buyer: Buyer,
  bookingId: number,
  ends: string[],
): Promise<string | undefined> {
  const deadline = Date.now() + 20_000;
  let status: string | undefined;
  while (Date.now() < deadline) {
    const answer = await client.call('GET', `${shop.base}/api/bookings/${bookingId}`, {
      op: 'poll',
      buyer: buyer.name,
      headers: buyer.auth,
      retryable: true,
      bookingId,
    });
    status = (answer.body as { status?: string } | undefined)?.status;
    if (status && ends.includes(status)) return status;
    await sleep(500);
  }
  return status;
}
