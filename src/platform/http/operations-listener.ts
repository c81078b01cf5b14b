import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from './server.ts';

/** What the operations listener answers; everything else is 404. */
export const OPERATIONS_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export interface OperationsListener {
  /** `http://host:port` it listens on. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves /healthz, /readyz and /metrics on a port of their own, so a worker or relay process (which
 * serves no API) can be probed by a load balancer or an orchestrator and scraped by Prometheus. It
 * forwards each request into the app's own routes with `inject` — the same checks and the same
 * registry as the api's, not a second copy — and answers nothing else: the api's routes stay
 * unreachable through it even though the app that holds them is built in every process.
 */
export async function listenForOperations(app: App, options: { port: number; host: string }): Promise<OperationsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !OPERATIONS_PATHS.has(path)) {
      response.writeHead(404, { 'content-type': 'application/problem+json' });
      response.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Not Found',
          status: 404,
          detail: 'This port serves only /healthz, /readyz and /metrics.',
        }),
      );
      return;
    }
    app.inject({ method: request.method, url: path, headers: { 'x-request-id': request.headers['x-request-id'] ?? '' } }).then(
      (answer) => {
        response.writeHead(answer.statusCode, {
          'content-type': answer.headers['content-type'] ?? 'text/plain',
          'cache-control': 'no-store',
        });
        response.end(request.method === 'HEAD' ? undefined : answer.rawPayload);
      },
      (error: unknown) => {
        response.writeHead(503, { 'content-type': 'text/plain' });
        response.end(`not ready: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  });
  // Probes come one at a time; a slow or stuck prober must not hold a socket for long.
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
