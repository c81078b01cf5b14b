import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, outcomeOf, percentile, runOpenLoop, summarize, type Sample } from '../bench/load/open-loop.ts';

describe('the open-loop accounting', () => {
  let server: http.Server;
  let url: string;
  /** While set, answers wait until this instant (performance.now()). */
  let stallUntil = 0;

  beforeAll(async () => {
    server = http.createServer((_request, response) => {
      const answer = () => response.end('{}');
      const wait = stallUntil - performance.now();
      if (wait > 0) setTimeout(answer, wait);
      else answer();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('counts a 1 s stall in every request that fell due during it, from its due time', async () => {
    const client = httpClient(url, 4);
    const rate = 100;
    const startedAt = performance.now();
    // The server stalls for the first second of the run: every answer due then waits for its end.
    stallUntil = startedAt + 1000;
    const samples = await runOpenLoop({
      rate: () => rate,
      durationSeconds: 1.5,
      send: () => outcomeOf(client, 'GET', '/'),
    });
    client.close();
    // The schedule was kept during the stall: about 100 requests fell due in that second, although
    // only 4 connections existed and none of them was answered until it ended.
    const duringStall = samples.filter((sample) => sample.dueMs < 1000);
    expect(duringStall.length).toBeGreaterThanOrEqual(90);
    expect(duringStall.length).toBeLessThanOrEqual(110);
    expect(samples.every((sample) => sample.ok)).toBe(true);
    // Each waited at least until the stall ended: 1000 ms minus its due time (wide margin below).
    for (const sample of duringStall) expect(sample.latencyMs).toBeGreaterThanOrEqual(1000 - sample.dueMs - 50);
    // A closed loop of 4 connections would have recorded 4 slow samples; here half the stall's
    // requests waited half a second or more.
    expect(duringStall.filter((sample) => sample.latencyMs >= 500).length).toBeGreaterThanOrEqual(45);
  });

  it('reports rate, percentiles and success as HackLoad scores them: slow or wrong answers fail', () => {
    const samples: Sample[] = [
      ...Array.from({ length: 96 }, (_, index) => ({ dueMs: index * 10, latencyMs: 10 + index, status: 200, ok: true })),
      { dueMs: 960, latencyMs: 2500, status: 200, ok: true },
      { dueMs: 970, latencyMs: 5, status: 500, ok: false, error: 'status 500' },
      { dueMs: 980, latencyMs: 10_000, status: 0, ok: false, error: 'timeout' },
      { dueMs: 990, latencyMs: 5, status: 419, ok: true },
    ];
    const summary = summarize(samples, 1, 2000);
    expect(summary).toMatchObject({ requests: 100, rps: 100, ok: 97, errors: 3, errorRate: 0.03, successRate: 0.97 });
    expect(summary.failures).toEqual({ 'slower than 2000 ms': 1, 'status 500': 1, timeout: 1 });
    expect(summary.p50).toBe(57);
    expect(summary.p99).toBe(2500);
    expect(summary.max).toBe(10_000);
    expect(percentile([], 0.95)).toBe(0);
  });

  it('refuses arrivals beyond the in-flight cap as failures instead of queueing them without bound', async () => {
    const release: (() => void)[] = [];
    const samples = await runOpenLoop({
      rate: () => 1000,
      durationSeconds: 0.1,
      maxInFlight: 5,
      send: () =>
        new Promise((resolve) => {
          release.push(() => resolve({ status: 200, ok: true }));
          // The five first stay stuck until the schedule is over.
          if (release.length === 5) setTimeout(() => release.forEach((answer) => answer()), 150);
        }),
    });
    expect(release).toHaveLength(5);
    expect(samples.length).toBeGreaterThan(50);
    expect(samples.filter((sample) => sample.ok)).toHaveLength(5);
    expect(samples.filter((sample) => sample.error === 'generator overloaded')).toHaveLength(samples.length - 5);
  });
});
