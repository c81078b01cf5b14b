import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { Bus } from './bus.ts';
import { MAX_DELIVERY_ATTEMPTS, type Subscription } from './consumer.ts';
import type { BusEvent } from './event-map.ts';
import { InProcessTransport } from './in-process.transport.ts';
import { addEvent, readOutboxStats } from './outbox.ts';
import { OutboxRelay } from './relay.ts';

declare module './event-map.ts' {
  interface EventMap {
    'test.counted': { n: number };
  }
}

const logger = pino({ level: 'silent' });
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});
beforeEach(async () => {
  await sql`truncate platform.outbox, platform.inbox, platform.dead_letters, platform.leases`.execute(database.db);
});

async function commitEvents(aggregateId: string, numbers: number[]): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    for (const n of numbers) await addEvent(trx, 'test.counted', aggregateId, { n });
  });
}

/** A bus whose one consumer records what it handled, in a table, inside the handler's transaction. */
async function recordingBus(handle?: (event: BusEvent<'test.counted'>) => void) {
  await sql`create table if not exists test_handled (consumer text, n int)`.execute(database.db);
  await sql`truncate test_handled`.execute(database.db);
  const transport = new InProcessTransport(database.db, logger);
  const bus = new Bus(transport);
  bus.subscribe('test.recorder', ['test.counted'], async (event, trx) => {
    handle?.(event);
    await sql`insert into test_handled values ('test.recorder', ${event.payload.n})`.execute(trx);
  });
  await bus.startConsumers();
  return { transport, relay: new OutboxRelay(database.db, transport, logger, { intervalMs: 10 }) };
}

async function handledNumbers(): Promise<number[]> {
  const result = await sql<{ n: number }>`select n from test_handled order by n`.execute(database.db);
  return result.rows.map((row) => row.n);
}

describe('the outbox with the in-process bus', () => {
  it('delivers committed events to consumers in commit order, each once', async () => {
    const seen: number[] = [];
    const { relay } = await recordingBus((event) => seen.push(event.payload.n));
    await commitEvents('a', [1, 2, 3]);
    await commitEvents('a', [4, 5]);
    expect(await relay.drain()).toBe(5);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(await relay.drain()).toBe(0);
    expect(await handledNumbers()).toEqual([1, 2, 3, 4, 5]);
    expect(await readOutboxStats(database.db)).toEqual({ backlog: 0, lagSeconds: 0 });
  });

  it('writes no event when the transaction rolls back', async () => {
    const { relay } = await recordingBus();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await addEvent(trx, 'test.counted', 'a', { n: 1 });
        throw new Error('use case failed');
      }),
    ).rejects.toThrow('use case failed');
    expect(await relay.drain()).toBe(0);
    expect(await handledNumbers()).toEqual([]);
  });

  it('loses nothing when the relay crashes after commit and before publish', async () => {
    await commitEvents('a', [1, 2]);
    expect((await readOutboxStats(database.db)).backlog).toBe(2);
    // The process that committed died before its relay ran; a new process starts a new relay.
    const { relay } = await recordingBus();
    await relay.drain();
    expect(await handledNumbers()).toEqual([1, 2]);
  });

  it('handles a redelivered event once', async () => {
    const { transport } = await recordingBus();
    await commitEvents('a', [7]);
    const [event] = (await sql<{ id: number }>`select id from platform.outbox`.execute(database.db)).rows;
    const delivered: BusEvent = { id: event!.id, type: 'test.counted', aggregateId: 'a', payload: { n: 7 }, occurredAt: '' };
    // As when the relay published but crashed before marking the event published.
    await transport.publish(delivered);
    await transport.publish(delivered);
    await Promise.all([transport.publish(delivered), transport.publish(delivered)]);
    expect(await handledNumbers()).toEqual([7]);
  });

  it('retries a failing consumer and keeps the order for the events behind it', async () => {
    let failuresLeft = 2;
    const { relay } = await recordingBus((event) => {
      if (event.payload.n === 2 && failuresLeft-- > 0) throw new Error('mail server down');
    });
    await commitEvents('a', [1, 2, 3]);
    await expect(relay.drain()).rejects.toThrow('mail server down');
    expect(await handledNumbers()).toEqual([1]);
    await expect(relay.drain()).rejects.toThrow('mail server down');
    await relay.drain();
    expect(await handledNumbers()).toEqual([1, 2, 3]);
  });

  it('parks an event that keeps failing as a dead letter and moves on', async () => {
    const { relay } = await recordingBus((event) => {
      if (event.payload.n === 2) throw new Error('poison');
    });
    await commitEvents('a', [1, 2, 3]);
    for (let attempt = 1; attempt < MAX_DELIVERY_ATTEMPTS; attempt += 1) {
      await expect(relay.drain()).rejects.toThrow('poison');
    }
    await relay.drain();
    expect(await handledNumbers()).toEqual([1, 3]);
    const dead = await sql<{ consumer: string; error: string }>`select consumer, error from platform.dead_letters`.execute(
      database.db,
    );
    expect(dead.rows).toEqual([{ consumer: 'test.recorder', error: expect.stringContaining('poison') as unknown }]);
  });

  it('lets only one of two concurrent relays publish, so each event goes out once and in order', async () => {
    const seen: number[] = [];
    const transport = new InProcessTransport(database.db, logger);
    const subscription: Subscription = {
      consumer: 'test.order',
      types: new Set(['test.counted']),
      handle: async (event) => {
        seen.push((event as BusEvent<'test.counted'>).payload.n);
      },
    };
    await transport.startConsumers([subscription]);
    const numbers = Array.from({ length: 50 }, (_, index) => index);
    await commitEvents('a', numbers);
    const first = new OutboxRelay(database.db, transport, logger, { intervalMs: 10, batchSize: 7 });
    const second = new OutboxRelay(database.db, transport, logger, { intervalMs: 10, batchSize: 7 });
    const published = await Promise.all([first.drain(), second.drain(), first.drain(), second.drain()]);
    expect(published.reduce((sum, count) => sum + count, 0)).toBe(50);
    expect(seen).toEqual(numbers);
  });

  it('reports the backlog and the age of its oldest event', async () => {
    await commitEvents('a', [1, 2, 3]);
    await sql`update platform.outbox set created_at = now() - interval '90 seconds'`.execute(database.db);
    const stats = await readOutboxStats(database.db);
    expect(stats.backlog).toBe(3);
    expect(stats.lagSeconds).toBeGreaterThanOrEqual(90);
  });
});
