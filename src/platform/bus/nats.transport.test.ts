import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { findNatsServerBinary, startNatsServer, type NatsServer } from '../../../test/support/nats-server.ts';
import { Bus } from './bus.ts';
import { deliverOnce, MAX_DELIVERY_ATTEMPTS, type Subscription } from './consumer.ts';
import { NatsTransport } from './nats.transport.ts';
import { addEvent, findUnpublishedEvents, markEventsPublished, readOutboxStats } from './outbox.ts';
import { OutboxRelay } from './relay.ts';

declare module './event-map.ts' {
  interface EventMap {
    'test.happened': { n: number };
    'test.other': { n: number };
    'test.ignored': { n: number };
  }
}

type TestEventType = 'test.happened' | 'test.other' | 'test.ignored';

const natsServerBinary = findNatsServerBinary();
if (!natsServerBinary && process.env.CI) {
  throw new Error('nats-server is required in CI: install it or set NATS_SERVER_BIN');
}

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const streamName = `SBOR_TEST_${randomBytes(4).toString('hex')}`;
const settle = { timeout: 15_000, interval: 25 };

let database: TestDatabase;
let server: NatsServer;
let observer: NatsConnection;
let jsm: JetStreamManager;
let cleanups: (() => Promise<void>)[] = [];

describe.skipIf(!natsServerBinary)('the outbox with the NATS JetStream bus', () => {
  beforeAll(async () => {
    [database, server] = await Promise.all([createTestDatabase(), startNatsServer()]);
    observer = await connect({ servers: server.url, maxReconnectAttempts: -1 });
    jsm = await jetstreamManager(observer);
  });
  afterAll(async () => {
    await observer.close();
    await server.dispose();
    await database.close();
  });
  beforeEach(async () => {
    // Not `restart identity`: event ids must stay new, or the server drops them as duplicates.
    await sql`truncate platform.outbox, platform.inbox, platform.dead_letters, platform.leases`.execute(database.db);
  });
  afterEach(async () => {
    // Relays first (their last flush needs the transport), then transports.
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });

  it('publishes committed outbox events and a consumer handles each once', async () => {
    const { transport, handled } = await recordingBus('test.once', ['test.happened']);
    const ids = [...(await commit([1, 2, 3])), ...(await commit([4, 5]))];

    expect(await relay(transport).drain()).toBe(5);

    await vi.waitFor(() => expect(handled).toEqual(ids), settle);
    await caughtUp('test_once');
    expect(handled).toEqual(ids);
    expect(await inboxIds('test.once')).toEqual(ids);
  });

  it('delivers only the types a subscription asks for, in order', async () => {
    const { transport, handled: both } = await recordingBus('test.both', ['test.happened', 'test.other']);
    const { handled: otherOnly } = await recordingBus('test.other-only', ['test.other']);
    const ids = await commitTyped([
      ['test.happened', 1],
      ['test.ignored', 2],
      ['test.other', 3],
      ['test.happened', 4],
    ]);

    await relay(transport).drain();

    await vi.waitFor(() => expect(both).toEqual([ids[0], ids[2], ids[3]]), settle);
    await vi.waitFor(() => expect(otherOnly).toEqual([ids[2]]), settle);
    await caughtUp('test_both');
    await caughtUp('test_other-only');
  });

  it('loses nothing when the relay crashes after commit and before publish', async () => {
    const { transport, handled } = await recordingBus('test.crash', ['test.happened']);
    const crashed = new OutboxRelay(database.db, transport, logger, { intervalMs: 50, leaseSeconds: 1 });
    await crashed.drain(); // takes the relay lease; it never runs again nor releases it
    const ids = await commit([1, 2, 3]);
    expect((await readOutboxStats(database.db)).backlog).toBe(3);

    const restarted = relay(transport);
    // The new relay publishes once the dead one's lease has expired.
    await vi.waitFor(
      async () => {
        await restarted.drain();
        expect(handled).toEqual(ids);
      },
      { timeout: 15_000, interval: 200 },
    );
    expect((await readOutboxStats(database.db)).backlog).toBe(0);
  });

  it('handles an event published twice inside the duplicate window once', async () => {
    const { transport, handled } = await recordingBus('test.dedupe', ['test.happened']);
    const [id] = await commit([1]);
    const [event] = await findUnpublishedEvents(database.db, 10);
    const before = (await jsm.streams.info(streamName)).state.messages;

    // As a relay that published and died before marking the event published, then ran again.
    await transport.publish(event!);
    await transport.publish(event!);
    await markEventsPublished(database.db, [event!.id]);

    await vi.waitFor(() => expect(handled).toEqual([id]), settle);
    await caughtUp('test_dedupe');
    expect((await jsm.streams.info(streamName)).state.messages).toBe(before + 1);
    expect(handled).toEqual([id]);
  });

  it('handles a redelivered event once', async () => {
    const { transport, handled, subscription } = await recordingBus('test.redelivered', ['test.happened']);
    const ids = await commit([1, 2]);
    const [first, second] = await findUnpublishedEvents(database.db, 10);

    // A delivery whose ack was lost: the handler ran and committed, and the bus delivers again.
    expect(await deliverOnce(database.db, subscription, first!, logger)).toBe('handled');
    expect(await deliverOnce(database.db, subscription, first!, logger)).toBe('duplicate');
    expect(handled).toEqual([ids[0]]);

    // The same through NATS: the redelivery is acked without running the handler, and the
    // consumer goes on to the next event.
    await relay(transport).drain();
    await vi.waitFor(() => expect(handled).toEqual([first!.id, second!.id]), settle);
    await caughtUp('test_redelivered');
    expect(handled).toEqual(ids);
  });

  it('keeps accepting writes while NATS is down and drains the backlog when it returns', async () => {
    const { transport, handled } = await recordingBus('test.outage', ['test.happened']);
    const outboxRelay = relay(transport);
    const before = await commit([1]);
    await outboxRelay.drain();
    await vi.waitFor(() => expect(handled).toEqual(before), settle);

    await server.stop();
    await vi.waitFor(() => expect(transport.isConnected()).toBe(false), settle);
    const during = [...(await commit([2, 3])), ...(await commit([4]))];
    await expect(outboxRelay.drain()).rejects.toThrow();
    expect((await readOutboxStats(database.db)).backlog).toBe(3);

    await server.restart();
    outboxRelay.start();

    // The client may wait up to 30 s before it pulls again after a reconnect (its consumer check
    // back-off); on a loaded machine that is the common case, so allow well past it.
    await vi.waitFor(() => expect(handled).toEqual([...before, ...during]), { timeout: 75_000, interval: 50 });
    await vi.waitFor(async () => expect((await readOutboxStats(database.db)).backlog).toBe(0), settle);
    expect(transport.isConnected()).toBe(true);
    await caughtUp('test_outage');
    expect(handled).toEqual([...before, ...during]);
  }, 120_000);

  it('closes at once, even while its consumers are still starting', async () => {
    const { transport } = await recordingBus('test.closing', ['test.happened']);
    const started = Date.now();
    await transport.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(transport.isConnected()).toBe(false);
  });

  it('parks an event that keeps failing as a dead letter', async () => {
    const { transport, handled } = await recordingBus('test.poison', ['test.happened'], (n) => n < 0);
    const [poison, next] = await commit([-1, 2]);

    await relay(transport).drain();

    // Redelivered with backoff until the last attempt parks it; the event behind it waits its turn.
    const expected = [...Array<number>(MAX_DELIVERY_ATTEMPTS).fill(poison!), next];
    await vi.waitFor(() => expect(handled).toEqual(expected), { timeout: 30_000, interval: 100 });
    const deadLetters = await sql<{ consumer: string; event_id: string }>`
      select consumer, event_id::text from platform.dead_letters`.execute(database.db);
    expect(deadLetters.rows).toEqual([{ consumer: 'test.poison', event_id: String(poison) }]);
    await caughtUp('test_poison');
  }, 40_000);
});

/**
 * A transport with one consumer that records the ids it handled, in order, counting every run of
 * the handler (also runs that failed and rolled back).
 */
async function recordingBus(consumer: string, types: TestEventType[], fails?: (n: number) => boolean) {
  const transport = await NatsTransport.connect({ url: server.url, db: database.db, logger, streamName });
  cleanups.push(() => transport.close());
  const handled: number[] = [];
  const bus = new Bus(transport);
  bus.subscribe(consumer, types, async (event) => {
    handled.push(event.id);
    if (fails?.(event.payload.n)) throw new Error(`event ${event.id} fails`);
    await Promise.resolve();
  });
  await bus.startConsumers();
  const subscription: Subscription = {
    consumer,
    types: new Set(types),
    handle: async (event) => {
      handled.push(event.id);
      await Promise.resolve();
    },
  };
  return { transport, handled, subscription };
}

function relay(transport: NatsTransport): OutboxRelay {
  const outboxRelay = new OutboxRelay(database.db, transport, logger, { intervalMs: 50 });
  cleanups.push(() => outboxRelay.stop());
  return outboxRelay;
}

async function commit(numbers: number[]): Promise<number[]> {
  return commitTyped(numbers.map((n) => ['test.happened', n]));
}

async function commitTyped(events: [TestEventType, number][]): Promise<number[]> {
  return database.db.transaction().execute(async (trx) => {
    const ids: number[] = [];
    for (const [type, n] of events) ids.push(await addEvent(trx, type, 'aggregate-1', { n }));
    return ids;
  });
}

/** Waits until the consumer has acknowledged everything in the stream meant for it. */
async function caughtUp(durable: string): Promise<void> {
  await vi.waitFor(async () => {
    const info = await jsm.consumers.info(streamName, durable);
    expect({ pending: info.num_pending, unacknowledged: info.num_ack_pending }).toEqual({ pending: 0, unacknowledged: 0 });
  }, settle);
}

async function inboxIds(consumer: string): Promise<number[]> {
  const result = await sql<{ event_id: string }>`
    select event_id::text from platform.inbox where consumer = ${consumer} order by event_id`.execute(database.db);
  return result.rows.map((row) => Number(row.event_id));
}
