import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Work that goes through the bus (outbox relay, consumers, jobs) is asynchronous and can take
    // seconds on a loaded 2-core machine; vitest's default of 1 s made such polls fail under load
    // (cancelling an event's bookings, its refunds). A poll whose work never happens still fails.
    expect: { poll: { timeout: 15_000 } },
    // Each file gets its own database; two at a time fits a 2-core machine.
    maxWorkers: 2,
  },
});
