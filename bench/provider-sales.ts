// Selling an event whose seats belong to the provider: seat selects through Sbor in `provider` mode
// against the same selects of an `own` event and against the simulator's own rate, and the order
// sagas completed per second against the same provider calls made straight — each row next to a
// baseline measured in the same run. See docs/provider.md and docs/benchmarks.md.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/provider-sales.ts \
//     [--selects 4000] [--connections 64] [--seats-per-booking 4]
//
// Three processes: the simulator (HackLoad's 100 × 1000 places, its default lag of 50 ms), one
// `sbor serve` on a fresh PostgreSQL database, and this load generator. Two events of the same
// shape (10 rows × 500 seats): one `own`, one `provider`. Rows:
//   own select         POST /api/bookings/:id/seats of distinct seats, `connections` in flight;
//                      request k puts seat k into booking k mod B (B = selects / seats-per-booking)
//   provider select    the same on the provider event: each select held here, then asked of the
//                      provider in the booking's order (the first select of a booking starts it)
//   simulator select   PATCH /places/{id}/select straight to the simulator, the same shape
//   sagas              every provider booking confirmed by its organizer; from the first confirm
//                      until every saga is done (start/select/wait for the lag/submit/confirm)
//   straight sagas     the same provider calls per order made straight from here, 16 orders at a
//                      time as the saga job drives them: what the provider allows
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { fail, parseOptions } from './lib/args.ts';
import { assertLoopback } from './lib/children.ts';
import { call, registerUser } from './lib/fixtures.ts';
import { callRate, startProviderSimulator, startSborCommand } from './lib/processes.ts';

const HELP = `Usage: BENCH_DATABASE_URL=postgres://… node bench/provider-sales.ts [options]

  --selects <n>            selects per mode (default 4000, at most 5000: the hall's seats)
  --connections <n>        requests in flight (default 64)
  --seats-per-booking <n>  seats each booking gets (default 4)

PostgreSQL only: the service runs as its own process on a fresh database sbor_provider_sales_bench.`;

const values = parseOptions(HELP, {
  selects: { type: 'string', default: '4000' },
  connections: { type: 'string', default: '64' },
  'seats-per-booking': { type: 'string', default: '4' },
  help: { type: 'boolean', short: 'h' },
});
const selects = Number(values.selects);
const connections = Number(values.connections);
const perBooking = Number(values['seats-per-booking']);
if (![selects, connections, perBooking].every((value) => Number.isSafeInteger(value) && value > 0) || selects > 5000) fail(HELP);
const adminUrl = process.env.BENCH_DATABASE_URL;
if (!adminUrl) fail(HELP);
assertLoopback(adminUrl);

const DATABASE = 'sbor_provider_sales_bench';
const ROWS = 10;
const SEATS_PER_ROW = 500;
const SAGAS_AT_ONCE = 16; // provider.saga.ts's AT_ONCE
const bookingsPerMode = Math.ceil(selects / perBooking);

async function recreateDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${DATABASE} with (force)`);
  await admin.query(`create database ${DATABASE}`);
  await admin.end();
  const url = new URL(adminUrl!);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

const simulator = await startProviderSimulator();
const databaseUrl = await recreateDatabase();
const service = await startSborCommand(
  ['serve'],
  {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    NATS_URL: '',
    PROVIDER_URL: simulator.url,
    PROVIDER_SAGA_INTERVAL_MS: '100',
    JOBS_INTERVAL_MS: '50',
    AUTH_RATE_LIMITS: 'off',
    SEAT_SELECT_RATE_LIMIT: 'off',
  },
  { message: 'sbor started', field: 'address' },
);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
const url = service.url;
try {
  const organizer = await registerUser(url, 'provider-organizer');
  await pool.query(`update identity.users set role = 'organizer' where id = $1`, [organizer.id]);
  const slug = `bench-${randomUUID().slice(0, 8)}`;
  await call(url, 'POST', '/api/organizers', { slug, name: 'Bench' }, organizer.basic, 201);
  const createEvent = async (title: string): Promise<number> => {
    const event = (await call(
      url,
      'POST',
      '/api/events',
      {
        organizer: slug,
        title,
        type: 'concert',
        starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        policy: { one_active_booking_per_user: false },
      },
      organizer.basic,
      201,
    )) as { id: number };
    const zones = [{ name: 'Hall', price: 1000, rows: ROWS, seats_per_row: SEATS_PER_ROW }];
    await call(url, 'POST', `/api/events/${event.id}/seat-layout`, { zones }, organizer.basic, 201);
    await call(url, 'POST', `/api/events/${event.id}/publish`, undefined, organizer.basic);
    return event.id;
  };
  const ownEvent = await createEvent('Own seats');
  const providerEvent = await createEvent('Provider seats');
  await call(url, 'PUT', `/api/events/${providerEvent}/seat-ownership`, { mode: 'provider' }, organizer.basic);
  const buyer = await registerUser(url, 'provider-buyer');
  await call(url, 'GET', '/api/users/me', undefined, buyer.basic); // argon2id once; then remembered

  const seatsOf = async (eventId: number) =>
    (await pool.query<{ id: string }>('select id from sales.seats where event_id = $1 order by id', [eventId])).rows.map((row) =>
      Number(row.id),
    );
  const openBookings = async (eventId: number) => {
    const ids: number[] = [];
    await callRate(bookingsPerMode, 16, async () => {
      ids.push(((await call(url, 'POST', '/api/bookings', { event_id: eventId }, buyer.basic, 201)) as { id: number }).id);
    });
    return ids;
  };
  /** Selects `selects` distinct seats, request k: seat k into booking k mod B. Answers its rate and the refusals. */
  const selectRun = async (eventId: number) => {
    const [seats, bookings] = [await seatsOf(eventId), await openBookings(eventId)];
    const statuses = new Map<number, number>();
    const rate = await callRate(selects, connections, async (k) => {
      const response = await fetch(`${url}/api/bookings/${bookings[k % bookings.length]}/seats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: buyer.basic },
        body: JSON.stringify({ seat_ids: [seats[k]] }),
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    });
    return { rate, statuses, bookings };
  };

  const own = await selectRun(ownEvent);
  const provider = await selectRun(providerEvent);

  // The simulator's own select rate, the same shape: distinct places, one order per B bookings' worth.
  const places: string[] = [];
  for (let page = 1; places.length < selects; page += 1) {
    const response = await fetch(`${simulator.url}/api/partners/v1/places?page=${page}&pageSize=1000`);
    const batch = (await response.json()) as { id: string; is_free: boolean }[];
    places.push(...batch.filter((place) => place.is_free).map((place) => place.id));
  }
  const startOrder = async () => {
    const response = await fetch(`${simulator.url}/api/partners/v1/orders`, { method: 'POST' });
    return ((await response.json()) as { order_id: string }).order_id;
  };
  const partner = (path: string, body?: unknown) =>
    fetch(`${simulator.url}/api/partners/v1${path}`, {
      method: 'PATCH',
      ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
  const simulatorOrders = await Promise.all(Array.from({ length: bookingsPerMode }, startOrder));
  let simulatorRefused = 0;
  const simulatorRate = await callRate(selects, connections, async (k) => {
    const response = await partner(`/places/${places[k]}/select`, { order_id: simulatorOrders[k % simulatorOrders.length] });
    if (response.status !== 204) simulatorRefused += 1;
    await response.arrayBuffer();
  });

  // Sagas: confirm every provider booking that holds seats, then wait until every saga is done.
  const held = (
    await pool.query<{ booking_id: string }>(
      `select distinct booking_id from sales.seats where event_id = $1 and booking_id is not null`,
      [providerEvent],
    )
  ).rows.map((row) => Number(row.booking_id));
  // The saga runner is held back (its periodic job's next run put off) while the organizer confirms
  // and the bus gives each booking its saga, so that its own rate is measured on a full backlog.
  const holdRunner = (until: string) =>
    pool.query(`update platform.periodic_jobs set next_run_at = ${until} where name = 'provider.sagas'`);
  await holdRunner(`now() + interval '1 hour'`);
  const sagaStates = async () =>
    new Map(
      (
        await pool.query<{ state: string; count: string }>(
          'select state, count(*) as count from provider.sagas where event_id = $1 group by state',
          [providerEvent],
        )
      ).rows.map((row) => [row.state, Number(row.count)]),
    );
  const until = async (what: string, done: (states: Map<string, number>) => boolean) => {
    const started = performance.now();
    for (;;) {
      const states = await sagaStates();
      if (done(states)) return (performance.now() - started) / 1000;
      if (states.has('parked')) throw new Error(`a saga was parked: ${JSON.stringify([...states])}`);
      if (performance.now() - started > 300_000) throw new Error(`${what}: not in 5 minutes: ${JSON.stringify([...states])}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const confirmsStarted = performance.now();
  await callRate(held.length, 16, async (index) => {
    await call(url, 'POST', `/api/bookings/${held[index]}/confirm`, {}, organizer.basic);
  });
  const confirmsSeconds = (performance.now() - confirmsStarted) / 1000;
  await until('sagas given', (states) => states.get('pending') === held.length);
  const givenSeconds = (performance.now() - confirmsStarted) / 1000;
  // The rest of the purchase pipeline (tickets, messages, webhooks) settles first, so the runner
  // is measured alone: the outbox published, no job due, every message sent.
  for (;;) {
    const { rows } = await pool.query<{ busy: boolean }>(
      `select exists (select 1 from platform.outbox where published_at is null)
           or exists (select 1 from platform.jobs where run_at <= now() and failed_at is null)
           or exists (select 1 from notifications.source_events where processed_at is null)
           or exists (select 1 from notifications.deliveries where status in ('pending', 'sending')) as busy`,
    );
    if (!rows[0]?.busy) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await holdRunner('now()');
  const sagasSeconds = await until('sagas done', (states) => states.get('done') === held.length);

  // Straight: per order start, select its seats, wait until they joined, submit, confirm.
  const extra: string[] = [];
  for (let page = 1; extra.length < held.length * perBooking && page <= 100; page += 1) {
    const response = await fetch(`${simulator.url}/api/partners/v1/places?page=${page}&pageSize=1000`);
    const batch = (await response.json()) as { id: string; is_free: boolean }[];
    extra.push(...batch.filter((place) => place.is_free).map((place) => place.id));
  }
  const straightRate = await callRate(held.length, SAGAS_AT_ONCE, async (index) => {
    const order = await startOrder();
    const mine = extra.slice(index * perBooking, (index + 1) * perBooking);
    await Promise.all(mine.map(async (place) => (await partner(`/places/${place}/select`, { order_id: order })).arrayBuffer()));
    for (;;) {
      const read = (await (await fetch(`${simulator.url}/api/partners/v1/orders/${order}`)).json()) as { places_count: number };
      if (read.places_count === mine.length) break;
      await new Promise((resolve) => setTimeout(resolve, 50)); // the saga's own polling step
    }
    if ((await partner(`/orders/${order}/submit`)).status !== 200) throw new Error('straight submit refused');
    if ((await partner(`/orders/${order}/confirm`)).status !== 200) throw new Error('straight confirm refused');
  });

  const confirmed = ((await (await fetch(`${simulator.url}/simulator/orders`)).json()) as { status: string }[]).filter(
    (order) => order.status === 'CONFIRMED',
  ).length;
  const describe = (statuses: Map<number, number>) => [...statuses].map(([status, count]) => `${count}×${status}`).join(', ');
  const sagaRate = held.length / sagasSeconds;
  console.log(
    `\nprovider sales bench — PostgreSQL, ${selects} selects per row at ${connections} in flight, ${perBooking} seats per booking (${bookingsPerMode} bookings)`,
  );
  console.log(
    `own answers: ${describe(own.statuses)}; provider answers: ${describe(provider.statuses)}; simulator refusals: ${simulatorRefused}`,
  );
  console.log(`orders CONFIRMED at the simulator: ${confirmed} (sagas ${held.length} + straight ${held.length})`);
  console.log('| row | result | ratio |\n|---|---:|---|');
  console.log(`| own select | ${own.rate.toFixed(0)} /s | 1.00 |`);
  console.log(`| provider select | ${provider.rate.toFixed(0)} /s | ${(provider.rate / own.rate).toFixed(2)} of own |`);
  console.log(
    `| simulator select (straight) | ${simulatorRate.toFixed(0)} /s | provider select is ${(provider.rate / simulatorRate).toFixed(2)} of it |`,
  );
  console.log(
    `| organizer confirms, each booking's saga given by the bus | ${(held.length / confirmsSeconds).toFixed(1)} confirms/s, ${(held.length / givenSeconds).toFixed(1)} sagas given/s | — |`,
  );
  console.log(
    `| sagas run (${held.length}, a full backlog) | ${sagaRate.toFixed(1)} /s | ${(sagaRate / straightRate).toFixed(2)} of straight |`,
  );
  console.log(`| straight sagas (${SAGAS_AT_ONCE} at once) | ${straightRate.toFixed(1)} /s | 1.00 |`);
} finally {
  await pool.end();
  await service.stop();
  await simulator.stop();
}
