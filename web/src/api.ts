// The public API, typed from its OpenAPI document. api.types.ts is generated from /openapi.json
// (`npm run gen:api-types`, checked by `npm run check`), and every call names its route by the
// document's path: a route whose path, parameters, body or answer changes on the server stops the
// web app compiling wherever a call or a page no longer fits. The session's tokens are kept by
// session.ts.
import type { components, paths } from './api.types.ts';
import { currentQueueToken } from './queue-token.ts';
import { currentTokens, renewAfter, setTokens } from './session.ts';

export { onAuthChange, signedIn } from './session.ts';

// ── Types from the API's document ───────────────────────────────────────────────────────────────

/** One of the API's named schemas (those with an $id on the server): `Schema<'Booking'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The document's paths that answer `method`, e.g. '/api/events/{id}'. */
export type PathOf<M extends Method> = { [P in keyof paths]: paths[P][M] extends undefined ? never : P }[keyof paths];
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type SuccessStatus = 200 | 201 | 202 | 204;
type ContentOf<Response> = Response extends { content: infer Content } ? Content[keyof Content] : undefined;

/** What an operation answers when it succeeds (undefined for 204): `Answer<'/api/events/{id}/availability'>`. */
export type Answer<P extends PathOf<M>, M extends Method = 'get'> =
  Operation<P, M> extends { responses: infer Responses }
    ? { [Status in keyof Responses & SuccessStatus]: ContentOf<Responses[Status]> }[keyof Responses & SuccessStatus]
    : never;

type BodyPart<O> = O extends { requestBody?: undefined }
  ? { body?: never }
  : O extends { requestBody: { content: { 'application/json': infer Body } } }
    ? { body: Body }
    : O extends { requestBody?: { content: { 'application/json': infer Body } } }
      ? { body?: Body }
      : { body?: never };
/**
 * What a call sends: `path`, `query` and `header` parameters as the document names them (a header
 * such as `idempotency-key`), and the JSON `body`.
 */
type RequestOf<O> = (O extends { parameters: infer Parameters } ? Omit<Parameters, 'cookie'> : object) & BodyPart<O>;
/** The request may be left out when nothing in it is required. */
type RequestArgs<O> = object extends RequestOf<O> ? [request?: RequestOf<O>] : [request: RequestOf<O>];

/** The query parameters of a GET: `Query<'/api/events'>`. */
export type Query<P extends PathOf<'get'>> = NonNullable<RequestOf<Operation<P, 'get'>> extends { query?: infer Q } ? Q : never>;
/** The JSON body of an operation: `RequestBody<'/api/events', 'post'>`. */
export type RequestBody<P extends PathOf<M>, M extends Method> = NonNullable<BodyPart<Operation<P, M>>['body']>;

// The shapes the pages share, named once.
export type User = Schema<'User'>;
export type EventSummary = Schema<'EventSummary'>;
export type EventStatus = EventSummary['status'];
export type SbEvent = Schema<'Event'>;
export type TicketType = Answer<'/api/events/{id}/ticket-types'>[number];
export type Booking = Schema<'Booking'>;
export type Ticket = Schema<'Ticket'>;
export type SeatMap = Answer<'/api/events/{id}/seat-map'>;
export type Availability = Answer<'/api/events/{id}/availability'>;
export type EventType = NonNullable<Query<'/api/events'>['type']>;

/**
 * The event types the API knows: the organizer's choice and the attendee's filter. A record, so a
 * type added or removed on the server is a compile error here until the list follows.
 */
const EVENT_TYPE_SET: Record<EventType, true> = {
  concert: true,
  film: true,
  cinema: true,
  stage: true,
  game: true,
  festival: true,
  exhibition: true,
  conference: true,
  sport: true,
  other: true,
};
export const EVENT_TYPES = Object.keys(EVENT_TYPE_SET) as EventType[];
export const isEventType = (value: string): value is EventType => Object.hasOwn(EVENT_TYPE_SET, value);

// ── Calls ──────────────────────────────────────────────────────────────────────────────────────────

/** An API answer that is not 2xx, with the problem+json words when there are some. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The whole problem+json body when there was one (extension members: `errors`, `max`, …). */
  problem?: Record<string, unknown>;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A request as the calls below receive it, before the types are forgotten. */
interface Parts {
  path?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  header?: Record<string, string | undefined>;
  body?: unknown;
}

/** The document's path with its parameters filled in, and the query string. */
function urlOf(template: string, parts: Parts | undefined): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(parts?.path?.[name])));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parts?.query ?? {})) if (value !== undefined) query.append(name, String(value));
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

/**
 * Sends one request; a 401 renews the access token (one refresh shared by every call that needs
 * it) and repeats the call once. JSON answers are parsed, other types (an SVG) come as text.
 */
async function send(method: string, url: string, body: unknown, extra: Parts['header'] = {}, retried = false): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) headers[name] = value;
  if (body !== undefined) headers['content-type'] = 'application/json';
  // Booking and buying while an event's waiting room is on need the admission token (docs/waiting-room.md).
  const queueToken = method === 'GET' ? undefined : currentQueueToken();
  if (queueToken) headers['queue-token'] = queueToken;
  const used = currentTokens()?.access_token;
  if (used) headers.authorization = `Bearer ${used}`;
  const response = await fetch(url, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  if (response.status === 401 && used && !retried && !url.startsWith('/api/auth/')) {
    if (await renewAfter(used)) return send(method, url, body, extra, true);
  }
  if (!response.ok) {
    let code = 'error';
    let message = `${response.status} ${response.statusText}`;
    let problem: Record<string, unknown> | undefined;
    try {
      const words = (await response.json()) as { type?: string; title?: string; detail?: string };
      code = words.type?.split('/').pop() ?? code;
      message = words.detail ?? words.title ?? message;
      problem = words;
    } catch {
      // Not problem+json: the status line says what we know.
    }
    const error = new ApiError(response.status, code, message);
    error.problem = problem;
    throw error;
  }
  if (response.status === 204) return undefined;
  const type = response.headers.get('content-type') ?? '';
  return type.includes('json') ? response.json() : response.text();
}

type Call<M extends Method> = <P extends PathOf<M>>(path: P, ...request: RequestArgs<Operation<P, M>>) => Promise<Answer<P, M>>;

function caller<M extends Method>(method: M): Call<M> {
  const call = (path: string, parts?: Parts) => send(method.toUpperCase(), urlOf(path, parts), parts?.body, parts?.header);
  return call as Call<M>;
}

/**
 * The API by method and the document's path: `api.get('/api/events/{id}', { path: { id } })`,
 * `api.post('/api/bookings', { body })`. Parameters, body and answer are the document's types.
 */
export const api = {
  get: caller('get'),
  post: caller('post'),
  put: caller('put'),
  patch: caller('patch'),
  delete: caller('delete'),
};

/**
 * GET with an ETag kept per URL: null when nothing changed since the last answer. Signed in, it
 * sends the token, since a draft's seat map answers only its team.
 */
const etags = new Map<string, string>();
export async function poll<P extends PathOf<'get'>>(
  path: P,
  ...request: RequestArgs<Operation<P, 'get'>>
): Promise<Answer<P> | null> {
  return (await pollUrl(urlOf(path, request[0]))) as Answer<P> | null;
}
async function pollUrl(url: string, retried = false): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const used = currentTokens()?.access_token;
  if (used) headers.authorization = `Bearer ${used}`;
  const etag = etags.get(url);
  if (etag) headers['if-none-match'] = etag;
  const response = await fetch(url, { headers });
  if (response.status === 401 && used && !retried && (await renewAfter(used))) return pollUrl(url, true);
  if (response.status === 304) return null;
  if (!response.ok) throw new ApiError(response.status, 'error', response.statusText);
  const next = response.headers.get('etag');
  if (next) etags.set(url, next);
  return response.json();
}

export async function signIn(email: string, password: string): Promise<void> {
  await setTokens(await api.post('/api/auth/login', { body: { email, password } }));
}

export async function signOut(): Promise<void> {
  const current = currentTokens();
  await setTokens(null);
  if (current) await api.post('/api/auth/logout', { body: { refresh_token: current.refresh_token } }).catch(() => undefined);
}

export function money(amount: number, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 2 }).format(amount / 100);
}
