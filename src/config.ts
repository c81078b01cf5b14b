import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

export const ROLES = ['api', 'worker', 'relay'] as const;
export type Role = (typeof ROLES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable the service reads, with its default. `.env.example` documents the
 * same list; a test keeps the two in step.
 */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  LISTEN_BACKLOG: Type.Integer({ minimum: 1, maximum: 65535, default: 4096 }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://[^,]+(,(nats|tls)://[^,]+)*$' })),
  NATS_STREAM_REPLICAS: Type.Integer({ minimum: 1, maximum: 5, default: 1 }),
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  LOG_LEVEL: Type.Enum([...LOG_LEVELS], { default: 'info' }),
  ROLES: Type.String({ pattern: '^(api|worker|relay)(,(api|worker|relay))*$', default: 'api,worker,relay' }),
  RELAY_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 60000, default: 100 }),
  RELAY_LEASE_SECONDS: Type.Integer({ minimum: 1, maximum: 300, default: 15 }),
  JOBS_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 60000, default: 1000 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600000, default: 10000 }),
  SHUTDOWN_DRAIN_MS: Type.Integer({ minimum: 0, maximum: 120000, default: 0 }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 900 }),
  AUTH_RATE_LIMITS: Type.Enum(['on', 'off'], { default: 'on' }),
  ENABLE_RESET: Type.Enum(['true', 'false'], { default: 'false' }),
  EXPIRY_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000 }),
  DEFAULT_CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'KZT' }),
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  MAIL_FROM: Type.String({ minLength: 3, default: 'Sbor <no-reply@sbor.local>' }),
  SMS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  PAYMENT_GATEWAY_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  PAYMENT_TERMINAL_KEY: Type.String({ minLength: 1, maxLength: 100, default: 'sbor-sandbox' }),
  PAYMENT_PASSWORD: Type.String({ minLength: 1, default: 'sandbox-password' }),
  PAYMENT_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  PAYMENT_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 86_400, default: 1800 }),
  PAYMENT_GATEWAY_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  PAYMENT_RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 60_000 }),
  REFUND_CUTOFF_HOURS: Type.Number({ minimum: 0, maximum: 8760, default: 12 }),
  SANDBOX_DELAY_MS: Type.String({ pattern: '^\\d{1,6}(-\\d{1,6})?$', default: '500-2000' }),
  SANDBOX_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3100 }),
  SANDBOX_FAULTS: Type.Enum(['on', 'off'], { default: 'off' }),
  WAITLIST_OFFER_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 7 * 86_400, default: 1800 }),
  RENTAL_REMINDER_LEAD_MINUTES: Type.Integer({ minimum: 1, maximum: 7 * 1440, default: 1440 }),
  RENTAL_WATCH_OFFER_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 600 }),
  SEAT_SELECT_RATE_LIMIT: Type.String({ pattern: '^(off|[1-9][0-9]*/[1-9][0-9]*)$', default: '50/10' }),
  SEAT_SUGGESTION_MAX_AGE_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 500 }),
  PROVIDER_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  PROVIDER_SIM_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3200 }),
  PROVIDER_SIM_LAYOUT: Type.String({ pattern: '^[1-9][0-9]{0,3}x[1-9][0-9]{0,4}$', default: '100x1000' }),
  PROVIDER_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 2000 }),
  PROVIDER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1000, default: 64 }),
  PROVIDER_RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 300_000 }),
  PROVIDER_BREAKER_OPEN_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000 }),
  HACKLOAD_PROVIDER_MODE: Type.Optional(Type.Enum(['own', 'provider', 'allotment'])),
  HACKLOAD_PROVIDER_ALLOTMENT: Type.String({ pattern: '^[1-9][0-9]{0,5}-[1-9][0-9]{0,5}$', default: '11-25' }),
  PROVIDER_SAGA_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 600_000, default: 1000 }),
  PROVIDER_SAGA_LEASE_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 30_000 }),
  PROVIDER_SAGA_PARK_AFTER_MS: Type.Integer({ minimum: 1000, maximum: 7 * 86_400_000, default: 900_000 }),
  PROVIDER_SAGA_REFUND_GONE: Type.Enum(['on', 'off'], { default: 'off' }),
  WEBHOOK_ALLOW_PRIVATE: Type.Enum(['off', 'loopback'], { default: 'off' }),
  QUEUE_TOKEN_SECRET: Type.Optional(Type.String({ minLength: 32, maxLength: 512 })),
  QUEUE_ADMIT_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 1000 }),
  QUEUE_JOIN_RATE_LIMIT: Type.String({ pattern: '^(off|[1-9][0-9]*/[1-9][0-9]*)$', default: '10/60' }),
});

type Env = Static<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  /**
   * Connections the kernel may hold for the server before it accepts them (listen(2)'s backlog;
   * Linux caps it at net.core.somaxconn). Node's default of 511 overflowed under a burst of 2,000
   * purchases on PGlite, whose queries run on the event loop and delay accepting: the overflow
   * showed as reset connections. See README, "Configuration".
   */
  listenBacklog: number;
  publicUrl: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  natsUrl: string | undefined;
  /** Copies of the JetStream stream (1 on a single server; 3 on a three-node cluster). */
  natsStreamReplicas: number;
  /**
   * Where a process serves /healthz, /readyz and /metrics alone, whatever its roles: how worker and
   * relay processes (which serve no API) are probed and scraped. Unset: no such listener.
   */
  metricsPort: number | undefined;
  logLevel: Env['LOG_LEVEL'];
  roles: ReadonlySet<Role>;
  relayIntervalMs: number;
  /** How long a relay that stopped renewing keeps the lease: a standby's longest wait after a crash. */
  relayLeaseSeconds: number;
  jobsIntervalMs: number;
  shutdownTimeoutMs: number;
  /**
   * How long an api process keeps answering after SIGTERM before it stops listening: /readyz says
   * 503 and every answer closes its connection, so load balancers and their kept-alive connections
   * move to other processes first (docs/decisions/0027). Part of SHUTDOWN_TIMEOUT_MS.
   */
  shutdownDrainMs: number;
  /** How long an access token is valid; short only in tests that need tokens to expire. */
  accessTokenTtlSeconds: number;
  /** Brakes on login, register and refresh (off only for tests and benchmarks that need many sign-ins). */
  authRateLimits: boolean;
  /** HackLoad's POST /api/reset; only for load-test environments. */
  enableReset: boolean;
  expirySweepIntervalMs: number;
  defaultCurrency: string;
  /** Email over SMTP; unset means the built-in mailbox (GET /mailbox). */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** SMS through an HTTP provider (JSON POST); unset means the built-in mailbox. */
  smsUrl: string | undefined;
  /** The acquiring gateway's API base (…/api/v1); undefined: the embedded sandbox under /sandbox. */
  paymentGatewayUrl: string | undefined;
  paymentTerminalKey: string;
  paymentPassword: string;
  /** Webhooks must carry a matching X-Webhook-Signature when set. */
  paymentWebhookSecret: string | undefined;
  paymentTtlSeconds: number;
  paymentGatewayTimeoutMs: number;
  paymentReconcileIntervalMs: number;
  refundCutoffHours: number;
  /** The sandbox's processing delay range. */
  sandboxDelayMs: { min: number; max: number };
  sandboxPort: number;
  /**
   * The sandbox's test switches (fault switches and the payment view): off by default, since one
   * anonymous request could take payments down. Admins use them in the service; the standalone
   * gateway takes the merchant's credentials.
   */
  sandboxFaults: boolean;
  waitlistOfferTtlSeconds: number;
  /** How long before a confirmed rental starts its renter is reminded. */
  rentalReminderLeadMinutes: number;
  /** How long a freed slot is held for the first watcher (the hall's hold TTL if that is shorter). */
  rentalWatchOfferTtlSeconds: number;
  /** Seat selections per user per window, against scalping bots; undefined when off. */
  seatSelectRateLimit: { count: number; windowMs: number } | undefined;
  /** How stale a free-seat suggestion may be (the in-memory window's age); 0 reads every time. */
  seatSuggestionMaxAgeMs: number;
  /**
   * Organizers' webhooks go only to public addresses (no SSRF into our own network); `loopback`
   * also lets them reach 127.0.0.0/8 and ::1, for tests and development with a local receiver.
   */
  webhookAllowLoopback: boolean;
  /** The event provider's Partner API base (hackload.md §3); undefined: the embedded simulator, in-process. */
  providerUrl: string | undefined;
  /** Port of `sbor provider-simulator`. */
  providerSimPort: number;
  /** The simulator's seeded places: rows × seats per row (HackLoad's event 1 is 100 × 1000). */
  providerSimLayout: { rows: number; seatsPerRow: number };
  /** Timeout of one call to the provider. */
  providerTimeoutMs: number;
  /** Calls to the provider in flight at once, at most; more wait their turn. */
  providerConcurrency: number;
  /** How often the mirror of the provider's places is compared with the provider. */
  providerReconcileIntervalMs: number;
  /** How long the provider's circuit breaker stays open before one probe goes through. */
  providerBreakerOpenMs: number;
  /**
   * Who sells HackLoad's event 1's seats, set at every start when given; unset leaves the stored
   * choice alone (an event nobody chose for is `own`: the Billetter contract as it is).
   */
  hackloadProviderMode: 'own' | 'provider' | 'allotment' | undefined;
  /** Event 1's block in `allotment` mode: rows from-to. */
  hackloadProviderAllotment: [number, number];
  /** How often the order sagas are driven; how long one process owns a saga it took; when a failing one is parked. */
  providerSaga: { intervalMs: number; leaseMs: number; parkAfterMs: number; refundGone: boolean };
  /**
   * The waiting room: the key admission tokens are signed with (unset: one random key kept in the
   * database, shared by every process), how often each process runs admission, and joins per account.
   */
  queue: {
    tokenSecret: string | undefined;
    admitIntervalMs: number;
    joinRateLimit: { count: number; windowMs: number } | undefined;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The variable names this service reads (for `.env.example` and the docs). */
export const ENV_VARIABLES = Object.keys(EnvSchema.properties);

/**
 * Reads and validates the environment once. A bad value throws a ConfigError whose message is one
 * line naming the variable, so a failed start says exactly what to fix.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const name of ENV_VARIABLES) {
    const value = environment[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const env = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw));
  const firstError = Value.Errors(EnvSchema, env)[0];
  if (firstError) {
    const variable = firstError.instancePath.replace(/^\//, '') || 'environment';
    throw new ConfigError(`${variable}: ${firstError.message} (got ${JSON.stringify(raw[variable])})`);
  }
  const valid = env as Env;
  if (valid.PAYMENT_GATEWAY_URL && (raw.PAYMENT_TERMINAL_KEY === undefined || raw.PAYMENT_PASSWORD === undefined)) {
    throw new ConfigError(
      'PAYMENT_PASSWORD: a real gateway (PAYMENT_GATEWAY_URL) needs PAYMENT_TERMINAL_KEY and PAYMENT_PASSWORD',
    );
  }
  return {
    port: valid.PORT,
    host: valid.HOST,
    listenBacklog: valid.LISTEN_BACKLOG,
    publicUrl: (valid.PUBLIC_URL ?? `http://localhost:${valid.PORT}`).replace(/\/$/, ''),
    databaseUrl: valid.DATABASE_URL,
    databasePoolSize: valid.DATABASE_POOL_SIZE,
    dataDir: valid.DATA_DIR,
    natsUrl: valid.NATS_URL,
    natsStreamReplicas: valid.NATS_STREAM_REPLICAS,
    metricsPort: valid.METRICS_PORT,
    logLevel: valid.LOG_LEVEL,
    roles: new Set(valid.ROLES.split(',') as Role[]),
    relayIntervalMs: valid.RELAY_INTERVAL_MS,
    relayLeaseSeconds: valid.RELAY_LEASE_SECONDS,
    jobsIntervalMs: valid.JOBS_INTERVAL_MS,
    shutdownTimeoutMs: valid.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainMs: valid.SHUTDOWN_DRAIN_MS,
    accessTokenTtlSeconds: valid.ACCESS_TOKEN_TTL_SECONDS,
    authRateLimits: valid.AUTH_RATE_LIMITS === 'on',
    enableReset: valid.ENABLE_RESET === 'true',
    expirySweepIntervalMs: valid.EXPIRY_SWEEP_INTERVAL_MS,
    defaultCurrency: valid.DEFAULT_CURRENCY,
    smtpUrl: valid.SMTP_URL,
    mailFrom: valid.MAIL_FROM,
    smsUrl: valid.SMS_URL,
    paymentGatewayUrl: valid.PAYMENT_GATEWAY_URL?.replace(/\/$/, ''),
    paymentTerminalKey: valid.PAYMENT_TERMINAL_KEY,
    paymentPassword: valid.PAYMENT_PASSWORD,
    paymentWebhookSecret: valid.PAYMENT_WEBHOOK_SECRET,
    paymentTtlSeconds: valid.PAYMENT_TTL_SECONDS,
    paymentGatewayTimeoutMs: valid.PAYMENT_GATEWAY_TIMEOUT_MS,
    paymentReconcileIntervalMs: valid.PAYMENT_RECONCILE_INTERVAL_MS,
    refundCutoffHours: valid.REFUND_CUTOFF_HOURS,
    sandboxDelayMs: delayRange(valid.SANDBOX_DELAY_MS),
    sandboxPort: valid.SANDBOX_PORT,
    sandboxFaults: valid.SANDBOX_FAULTS === 'on',
    waitlistOfferTtlSeconds: valid.WAITLIST_OFFER_TTL_SECONDS,
    rentalReminderLeadMinutes: valid.RENTAL_REMINDER_LEAD_MINUTES,
    rentalWatchOfferTtlSeconds: valid.RENTAL_WATCH_OFFER_TTL_SECONDS,
    seatSelectRateLimit: parseRate(valid.SEAT_SELECT_RATE_LIMIT),
    seatSuggestionMaxAgeMs: valid.SEAT_SUGGESTION_MAX_AGE_MS,
    webhookAllowLoopback: valid.WEBHOOK_ALLOW_PRIVATE === 'loopback',
    providerUrl: valid.PROVIDER_URL?.replace(/\/$/, ''),
    providerSimPort: valid.PROVIDER_SIM_PORT,
    providerSimLayout: parseLayout(valid.PROVIDER_SIM_LAYOUT),
    providerTimeoutMs: valid.PROVIDER_TIMEOUT_MS,
    providerConcurrency: valid.PROVIDER_CONCURRENCY,
    providerReconcileIntervalMs: valid.PROVIDER_RECONCILE_INTERVAL_MS,
    providerBreakerOpenMs: valid.PROVIDER_BREAKER_OPEN_MS,
    hackloadProviderMode: valid.HACKLOAD_PROVIDER_MODE,
    hackloadProviderAllotment: rowRange(valid.HACKLOAD_PROVIDER_ALLOTMENT),
    providerSaga: {
      intervalMs: valid.PROVIDER_SAGA_INTERVAL_MS,
      leaseMs: valid.PROVIDER_SAGA_LEASE_MS,
      parkAfterMs: valid.PROVIDER_SAGA_PARK_AFTER_MS,
      refundGone: valid.PROVIDER_SAGA_REFUND_GONE === 'on',
    },
    queue: {
      tokenSecret: valid.QUEUE_TOKEN_SECRET,
      admitIntervalMs: valid.QUEUE_ADMIT_INTERVAL_MS,
      joinRateLimit: parseRate(valid.QUEUE_JOIN_RATE_LIMIT),
    },
  };
}

/** "11-25" → [11, 25] (in order whichever way it was written). */
function rowRange(value: string): [number, number] {
  const [from = 1, to = from] = value.split('-').map(Number);
  return [Math.min(from, to), Math.max(from, to)];
}

/** "500-2000" → { min: 500, max: 2000 }; "5" → { min: 5, max: 5 }. */
function delayRange(value: string): { min: number; max: number } {
  const [min = 0, max = min] = value.split('-').map(Number);
  return { min: Math.min(min, max), max: Math.max(min, max) };
}

/** "30/10" is 30 per 10 seconds; "off" is no limit. */
function parseRate(value: string): { count: number; windowMs: number } | undefined {
  if (value === 'off') return undefined;
  const [count, seconds] = value.split('/').map(Number);
  return { count: count ?? 1, windowMs: (seconds ?? 1) * 1000 };
}

/** "100x1000" → 100 rows of 1000 seats. */
function parseLayout(value: string): { rows: number; seatsPerRow: number } {
  const [rows = 1, seatsPerRow = 1] = value.split('x').map(Number);
  return { rows, seatsPerRow };
}
