import { accessSync, constants } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { delimiter, join } from 'node:path';

// What starting local servers needs (the cluster command, and the tests that run their own
// nats-server): finding a program and knowing when a port answers.

/** `configured` if set (and executable), else `name` on PATH, else the first executable fallback. */
export function findBinary(name: string, fallbacks: string[], configured?: string): string | undefined {
  if (configured) return isExecutable(configured) ? configured : undefined;
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name));
  return [...onPath, ...fallbacks].find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
