import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Lets a closing server end its kept-alive connections as soon as their answers are written.
 *
 * Node's `server.close()` destroys the connections idle at that moment and then waits for the
 * rest. A connection whose request was still being answered goes idle afterwards and would hold
 * the close for the whole keep-alive timeout (Fastify's is 72 s). Calling `closeIdleConnections()`
 * again later is no cure: Node counts a connection idle once its answer is ended, before the bytes
 * have left the socket's buffer, and destroying it then cuts the answer off. So the answers in
 * flight are marked `Connection: close` instead, and Node ends each connection after writing them.
 *
 * Returns what to call when the server starts closing.
 */
export function drainOnClose(server: Server): () => void {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return () => {
    for (const socket of sockets) {
      // The answer Node is writing on this connection: the same field closeIdleConnections reads.
      const response = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (!response) continue;
      if (!response.headersSent) response.setHeader('connection', 'close');
      // Headers gone out without it: end the connection once this answer is written, as Node does for
      // `Connection: close` (a half-open client could otherwise hold it after a bare end()).
      else response.once('finish', () => socket.end(() => socket.destroy()));
    }
  };
}
