// A burst of concurrent purchases against the service as `sbor serve` composes it, each on a new
// connection: how many are answered, how many see a connection error, and how long it takes.
//   node bench/purchase-burst.ts [--purchases 2000] [--tickets 2000] [--backlog 4096] [--buyers 10]
// With fewer tickets than purchases the rest are refused (409 sold out), which is quicker.
// Embedded PGlite in a temp directory unless DATABASE_URL is set. Prints one JSON line.
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { loadConfig } from '../src/config.ts';
import { startService } from '../src/main.ts';
import { parseOptions } from './lib/args.ts';

const options = parseOptions('node bench/purchase-burst.ts [--purchases 2000] [--tickets 2000] [--backlog 4096] [--buyers 10]', {
  help: { type: 'boolean', short: 'h' },
  purchases: { type: 'string', default: '2000' },
  tickets: { type: 'string' },
  backlog: { type: 'string', default: '4096' },
  buyers: { type: 'string', default: '10' },
});
const purchases = Number(options.purchases);
const buyerCount = Number(options.buyers);
const tickets = Number(options.tickets ?? options.purchases);

const dataDir = await mkdtemp(join(tmpdir(), 'sbor-burst-'));
const config = loadConfig({
  ...process.env,
  PORT: '0',
  DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  AUTH_RATE_LIMITS: 'off',
  LISTEN_BACKLOG: options.backlog,
});
const service = await startService(config, { logger: pino({ level: 'silent' }) });
const base = service.address!;

async function call<T>(method: string, path: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${String(response.status)} ${await response.text()}`);
  return (await response.json()) as T;
}

async function user(): Promise<{ id: number; token: string }> {
  const email = `burst-${crypto.randomUUID()}@example.test`;
  const password = 'correct horse battery staple';
  const { id } = await call<{ id: number }>('POST', '/api/auth/register', { email, password, first_name: 'A', surname: 'B' });
  const { access_token } = await call<{ access_token: string }>('POST', '/api/auth/login', { email, password });
  return { id, token: access_token };
}

try {
  const owner = await user();
  await sql`update identity.users set role = 'organizer' where id = ${owner.id}`.execute(service.database.db);
  const slug = `burst-${String(Date.now())}`;
  await call('POST', '/api/organizers', { slug, name: slug }, owner.token);
  const event = await call<{ id: number }>(
    'POST',
    '/api/events',
    {
      organizer: slug,
      title: 'Burst',
      type: 'concert',
      starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      policy: {
        max_tickets_per_order: 1,
        contact_required: false,
        one_active_booking_per_user: false,
        max_tickets_per_user: null,
      },
    },
    owner.token,
  );
  const ticketType = await call<{ id: number }>(
    'POST',
    `/api/events/${String(event.id)}/ticket-types`,
    { type: 'standard', name: 'Free', price: 0, quantity: tickets, max_per_order: 1 },
    owner.token,
  );
  await call('POST', `/api/events/${String(event.id)}/publish`, {}, owner.token);
  const buyers = await Promise.all(Array.from({ length: buyerCount }, user));

  const url = new URL(`${base}/api/events/${String(event.id)}/tickets`);
  const body = JSON.stringify({ ticket_type_id: ticketType.id, quantity: 1 });
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from(
      { length: purchases },
      (_, index) =>
        new Promise<string>((resolve) => {
          const sent = httpRequest(
            url,
            {
              method: 'POST',
              agent: false,
              headers: {
                authorization: `Bearer ${buyers[index % buyerCount]!.token}`,
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
              },
            },
            (response) => {
              response.resume();
              response.on('end', () => resolve(String(response.statusCode)));
            },
          );
          sent.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
          sent.end(body);
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const tally: Record<string, number> = {};
  for (const outcome of outcomes) tally[outcome] = (tally[outcome] ?? 0) + 1;
  console.log(
    JSON.stringify({
      engine: service.database.engine,
      purchases,
      tickets,
      backlog: config.listenBacklog,
      seconds: Number(seconds.toFixed(1)),
      perSecond: Math.round(purchases / seconds),
      outcomes: tally,
    }),
  );
} finally {
  await service.stop();
  await rm(dataDir, { recursive: true, force: true });
}
