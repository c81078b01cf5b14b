/**
 * The child half of the protocol in children.ts: announce the address on stdout, then stop on
 * SIGTERM, SIGINT or when stdin closes (the parent is gone), with a hard deadline so a stuck
 * shutdown cannot leave the process behind.
 */
export function announceAndServe(address: string, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 5_000).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.stdin.on('end', shutdown).on('close', shutdown).resume();
  process.stdout.on('error', shutdown); // EPIPE: the parent is gone
  process.stdout.write(`${JSON.stringify({ address })}\n`);
}
