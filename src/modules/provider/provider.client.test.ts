import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  httpTransport,
  ProviderCallError,
  ProviderClient,
  type ProviderClientOptions,
  type ProviderTransport,
} from './provider.client.ts';
import { ProviderUnavailableError } from './provider.errors.ts';
import { startProviderSimulatorServer, type SimulatorServer } from './simulator/simulator.server.ts';

/** The client against the simulator over real HTTP (a socket on 127.0.0.1), with its switches as the faults. */

let server: SimulatorServer;

beforeAll(async () => {
  server = await startProviderSimulatorServer({ port: 0, host: '127.0.0.1', layout: { rows: 2, seatsPerRow: 10 } });
});
afterAll(async () => server.close());
beforeEach(() => server.simulator.reset());

function client(options: Partial<ProviderClientOptions> = {}): ProviderClient {
  return new ProviderClient({ transport: httpTransport(server.url), timeoutMs: 1000, concurrency: 8, backoffMs: 5, ...options });
}

describe('ProviderClient', () => {
  it('retries reads through a flaky provider and counts the retries', async () => {
    const registry = new Registry();
    // Half the answers are 500s: with 20 retries a read fails for good once in two million, and
    // among 30 reads none retrying is one in a billion (8 retries and 10 reads failed a CI run).
    const flaky = client({ retries: 20, registry, breaker: { failureThreshold: 1000, openMs: 1000 } });
    server.simulator.setSwitches({ errorRate: 0.5 });
    const pages = await Promise.all(Array.from({ length: 30 }, () => flaky.listPlaces(1, 20)));
    expect(pages.every((page) => page.length === 20)).toBe(true);
    const metrics = await registry.getMetricsAsJSON();
    const retries = metrics.find((metric) => metric.name === 'provider_retries_total')?.values[0]?.value ?? 0;
    expect(retries).toBeGreaterThan(0);
    expect(metrics.map((metric) => metric.name)).toEqual(
      expect.arrayContaining(['provider_calls_total', 'provider_call_duration_seconds', 'provider_breaker_state']),
    );
  });

  it('never repeats a change: a failed start is one call to the provider, not a second order', async () => {
    server.simulator.setSwitches({ errorRate: 1 });
    const before = server.simulator.counters.calls;
    await expect(client().startOrder()).rejects.toBeInstanceOf(ProviderCallError);
    expect(server.simulator.counters.calls - before).toBe(1);
  });

  it('gives up on a call after its timeout', async () => {
    server.simulator.setSwitches({ latencyMs: 1000 });
    const started = performance.now();
    await expect(client({ timeoutMs: 100, retries: 0 }).getPlace('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      ProviderCallError,
    );
    expect(performance.now() - started).toBeLessThan(800);
  });

  it('opens the breaker after failures in a row, then refuses at once without calling, and a probe closes it again', async () => {
    const registry = new Registry();
    const guarded = client({ retries: 0, registry, breaker: { failureThreshold: 3, openMs: 300 } });
    server.simulator.setSwitches({ outageUntil: Date.now() + 60_000 });
    for (let index = 0; index < 3; index += 1) await expect(guarded.startOrder()).rejects.toBeInstanceOf(ProviderCallError);
    expect(guarded.breaker.state).toBe('open');
    const calls = server.simulator.counters.calls;
    const started = performance.now();
    const refused = await guarded.startOrder().catch((error: unknown) => error);
    expect(performance.now() - started).toBeLessThan(20);
    expect(refused).toBeInstanceOf(ProviderUnavailableError);
    expect((refused as ProviderUnavailableError).kind).toBe('unavailable');
    expect(server.simulator.counters.calls).toBe(calls);
    expect((await registry.getSingleMetric('provider_breaker_state')?.get())?.values[0]?.value).toBe(2);

    server.simulator.setSwitches({ outageUntil: 0 });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await guarded.startOrder()).toMatch(/^[0-9a-f-]{36}$/);
    expect(guarded.breaker.state).toBe('closed');
    expect((await registry.getSingleMetric('provider_breaker_state')?.get())?.values[0]?.value).toBe(0);
  });

  it('does not count a lost select race (the provider answers 500) as the provider failing', async () => {
    const guarded = client({ breaker: { failureThreshold: 2, openMs: 60_000 } });
    // A wide window, so every select of the six is in flight at once even on a loaded machine.
    server.simulator.setSwitches({ raceWindowMs: 300 });
    const [place] = await guarded.listPlaces(1, 1);
    const orders = await Promise.all(Array.from({ length: 6 }, () => guarded.startOrder()));
    const answers = await Promise.all(orders.map((orderId) => guarded.selectPlace(place?.id ?? '', orderId)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 204)).toHaveLength(1);
    expect(statuses.filter((status) => status === 500).length).toBeGreaterThanOrEqual(2);
    expect(guarded.breaker.state).toBe('closed');
  });

  it('keeps at most `concurrency` calls in flight and refuses at once beyond its queue', async () => {
    let inFlight = 0;
    let peak = 0;
    const base = httpTransport(server.url);
    const counting: ProviderTransport = async (request) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      try {
        return await base(request);
      } finally {
        inFlight -= 1;
      }
    };
    server.simulator.setSwitches({ latencyMs: 20 });
    const limited = client({ transport: counting, concurrency: 3 });
    await Promise.all(Array.from({ length: 30 }, () => limited.listPlaces(1, 5)));
    expect(peak).toBe(3);
    // Queue: 20 × concurrency; the 64th call at once finds it full.
    const flood = await Promise.allSettled(Array.from({ length: 64 }, () => limited.listPlaces(1, 5)));
    const refused = flood.filter((result) => result.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(ProviderUnavailableError);
  });
});
