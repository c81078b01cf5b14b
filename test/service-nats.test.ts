import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service.ts';

const natsUrl = process.env.TEST_NATS_URL;
if (process.env.CI && !natsUrl) throw new Error('CI must set TEST_NATS_URL: the service is tested on real NATS there');

describe.skipIf(!natsUrl)('the running service on NATS JetStream', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ env: { NATS_URL: natsUrl ?? '' } });
  });
  afterAll(async () => {
    await service.stop();
  });

  it('uses the NATS transport and reports the bus ready', async () => {
    expect(service.bus.transport.name).toBe('nats');
    const response = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', bus: 'ok', serving: 'ok' } });
  });
});
