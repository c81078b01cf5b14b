// The public API, typed as far as the app uses it. The session's tokens are kept by session.ts.
import { currentTokens, renewAfter, setTokens, type Tokens } from './session.ts';

export { onAuthChange, signedIn } from './session.ts';

export interface User {
  id: number;
  email: string;
  first_name: string;
  surname: string;
  role: string;
  locale: string;
}
/** The event types the API knows (EventTypeSchema): the organizer's choice and the attendee's filter. */
export const EVENT_TYPES = [
  'concert',
  'film',
  'cinema',
  'stage',
  'game',
  'festival',
  'exhibition',
  'conference',
  'sport',
  'other',
] as const;

export interface EventSummary {
  id: number;
  title: string;
  type: string;
  venue: string;
  starts_at: string;
  /** The venue's IANA zone: dates are shown in it. */
  timezone: string;
  local_date: string;
  status: EventStatus;
}
export type EventStatus = 'DRAFT' | 'PUBLISHED' | 'COMPLETED' | 'CANCELLED';
export interface SbEvent extends EventSummary {
  ends_at: string | null;
  description: string;
  address: string;
  hold_ttl_seconds: number;
  organizer_id: number | null;
  organizer_slug?: string | null;
}
export interface TicketType {
  id: number;
  name: string;
  price: number;
  currency: string;
  available: number;
  quantity: number;
  /** The type's own sales window, when it has one. */
  sales_start: string | null;
  sales_end: string | null;
}
export interface Booking {
  id: number;
  event_id: number;
  status: 'CREATED' | 'PENDING' | 'CONFIRMED' | 'COMPLETED' | 'CANCELLED' | 'EXPIRED';
  expires_at: string | null;
  total_amount: number;
  currency: string;
  quantity: number | null;
  seats: { id: number; row: number; number: number; price: number }[];
  created_at: string;
  user_id: number;
}
export interface Ticket {
  id: number;
  status: string;
  code: string;
  event_id: number;
  booking_id: number;
  seat: { row: number | null; number: number | null; zone: string | null } | null;
  ticket_type: { name: string } | null;
  used_at: string | null;
  event: { title: string; starts_at: string; timezone: string; venue: string } | null;
}
export interface SeatMap {
  event_id: number;
  zones: { id: number; name: string; price: number; currency: string; from_row: number; to_row: number; seats_per_row: number }[];
  rows: { row: number; zone_id: number; first_id: number; last_id: number; ids: number[] | null; status: string }[];
}
export interface Availability {
  total: number;
  free: number;
  held: number;
  sold: number;
  /** Only for the event's owners, managers and admins. */
  revenue?: number;
  bookings_count?: number;
  zones: { zone_id: number; name: string; total: number; free: number; held: number; sold: number }[];
}

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

export interface RequestOptions {
  method?: string;
  body?: unknown;
  etag?: string;
}

/**
 * Calls the API; a 401 renews the access token (one refresh shared by every call that needs it) and
 * repeats the call once. 304 (with `etag`) resolves to null.
 */
export async function api<T>(path: string, options: RequestOptions = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const used = currentTokens()?.access_token;
  if (used) headers.authorization = `Bearer ${used}`;
  if (options.etag) headers['if-none-match'] = options.etag;
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
  });
  if (response.status === 401 && used && !retried && !path.startsWith('/api/auth/')) {
    if (await renewAfter(used)) return api<T>(path, options, true);
  }
  if (response.status === 304) return null as T;
  if (!response.ok) {
    let code = 'error';
    let message = `${response.status} ${response.statusText}`;
    let body: Record<string, unknown> | undefined;
    try {
      const problem = (await response.json()) as { type?: string; title?: string; detail?: string };
      code = problem.type?.split('/').pop() ?? code;
      message = problem.detail ?? problem.title ?? message;
      body = problem;
    } catch {
      // Not problem+json: the status line says what we know.
    }
    const error = new ApiError(response.status, code, message);
    error.problem = body;
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

/**
 * GET with an ETag kept per path: null when nothing changed since the last answer. Signed in, it
 * sends the token, since a draft's seat map answers only its team.
 */
const etags = new Map<string, string>();
export async function poll<T>(path: string, retried = false): Promise<T | null> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const used = currentTokens()?.access_token;
  if (used) headers.authorization = `Bearer ${used}`;
  const etag = etags.get(path);
  if (etag) headers['if-none-match'] = etag;
  const response = await fetch(path, { headers });
  if (response.status === 401 && used && !retried && (await renewAfter(used))) return poll<T>(path, true);
  if (response.status === 304) return null;
  if (!response.ok) throw new ApiError(response.status, 'error', response.statusText);
  const next = response.headers.get('etag');
  if (next) etags.set(path, next);
  return (await response.json()) as T;
}

export async function signIn(email: string, password: string): Promise<void> {
  await setTokens(await api<Tokens>('/api/auth/login', { method: 'POST', body: { email, password } }));
}

export async function signOut(): Promise<void> {
  const current = currentTokens();
  await setTokens(null);
  if (current)
    await api('/api/auth/logout', { method: 'POST', body: { refresh_token: current.refresh_token } }).catch(() => undefined);
}

export function money(amount: number, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 2 }).format(amount / 100);
}
