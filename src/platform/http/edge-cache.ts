import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { JSON_UTF8 } from './shared-json.ts';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** Longer URLs are not stored: a search's URL is far shorter, and keys stay small. */
const MAX_URL_LENGTH = 1024;

/** The request's id: the caller's `x-request-id` when it is sane, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

interface EdgeEntry {
  body: Buffer;
  isCurrent: () => boolean;
}

/**
 * Answers a repeated GET from the bytes Fastify sent for the same URL, before Fastify sees the
 * request (decision record 0012). It is a micro-cache in front of the app, like a reverse proxy's,
 * kept in the process so that a catalog change can invalidate it at once:
 *
 * - A route stores an answer with `store(request, body, isCurrent)` after it has validated the
 *   request and built the body. Only answers that depend on nothing but the URL may be stored;
 *   `store` refuses any route not declared `access: 'public'`, and any method but GET and HEAD.
 * - Every hit asks `isCurrent()`, which the route ties to its own cache (the search cache's entry
 *   is still the value those bytes were made from), so the edge never outlives what it mirrors.
 * - A hit sends the same status, content type, body and `x-request-id` as Fastify would. It skips
 *   Fastify's hooks: it is not logged per request, and it is counted in `hits` (exported as
 *   `http_edge_cache_hits_total`), not in the latency histogram.
 */
export class EdgeCache {
  private readonly entries = new Map<string, EdgeEntry>();
  private closing = false;
  private readonly maxEntries: number;
  hits = 0;

  constructor(maxEntries = 1000) {
    this.maxEntries = maxEntries;
  }

  /** Serves `body` for GETs of exactly the request's URL while `isCurrent()` holds. */
  store(request: FastifyRequest, body: Buffer, isCurrent: () => boolean): void {
    const { url, method } = request;
    if (request.routeOptions.config.access !== 'public') throw new Error(`${url}: only public answers may be stored`);
    if ((method !== 'GET' && method !== 'HEAD') || url.length > MAX_URL_LENGTH) return;
    this.entries.delete(url);
    this.entries.set(url, { body, isCurrent });
    // The least recently used goes first; a stale entry also goes at its next request.
    const oldest = this.entries.keys().next();
    if (this.entries.size > this.maxEntries && !oldest.done) this.entries.delete(oldest.value);
  }

  /** Answers from the cache and returns true, or returns false and leaves the request to Fastify. */
  answer(request: IncomingMessage, response: ServerResponse): boolean {
    if (this.closing || request.method !== 'GET' || request.url === undefined) return false;
    const entry = this.entries.get(request.url);
    if (!entry) return false;
    if (!entry.isCurrent()) {
      this.entries.delete(request.url);
      return false;
    }
    this.hits++;
    // Most recently used goes last, so URLs seen once (cache-busting parameters) cannot push out busy ones.
    this.entries.delete(request.url);
    this.entries.set(request.url, entry);
    response.writeHead(200, {
      'x-request-id': requestIdOf(request),
      'content-type': JSON_UTF8,
      'content-length': entry.body.length,
    });
    response.end(entry.body);
    return true;
  }

  /** From now on every request goes to Fastify (which answers 503 while the server closes). */
  close(): void {
    this.closing = true;
    this.entries.clear();
  }
}
