// API types and small shared stores used only by the attendee pages.
import { api, onAuthChange, signedIn, type User } from '../api.ts';

export interface Profile extends User {
  phone: string | null;
  telegram: string | null;
  locale: 'ru' | 'en';
  notification_preferences: Preferences;
}
export interface Preferences {
  email: boolean;
  sms: boolean;
  in_app: boolean;
}
export type WaitlistStatus = 'WAITING' | 'OFFERED' | 'CLAIMED' | 'LAPSED' | 'LEFT' | 'CANCELLED';
export interface WaitlistEntry {
  id: number;
  event_id: number;
  ticket_type_id: number | null;
  quantity: number;
  status: WaitlistStatus;
  position: number | null;
  booking_id: number | null;
  offer_expires_at: string | null;
  created_at: string;
}
export interface AppNotification {
  id: number;
  kind: string;
  subject: string;
  text: string;
  link: string | null;
  read: boolean;
  created_at: string;
}
export interface NotificationPage {
  items: AppNotification[];
  page: number;
  page_size: number;
  total: number;
  unread: number;
}
export interface Refund {
  id: number;
  amount: number;
  currency: string;
  reason: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  created_at: string;
  completed_at: string | null;
}

/** Live entries: still in the queue or holding an offer. */
export const isLive = (entry: WaitlistEntry) => entry.status === 'WAITING' || entry.status === 'OFFERED';

/** Starts paying a booking (an offer is a booking): off to the gateway's page. */
export async function payBooking(bookingId: number): Promise<void> {
  const payment = await api<{ payment_url: string }>(`/api/bookings/${bookingId}/payments`, { method: 'POST' });
  window.location.assign(payment.payment_url);
}

// ── Notifications: pages that change the unread count tell the badge at once ─────────────────

const NOTIFICATIONS_CHANGED = 'sbor:notifications-changed';
export function notificationsChanged(): void {
  window.dispatchEvent(new Event(NOTIFICATIONS_CHANGED));
}
export function onNotificationsChanged(listener: () => void): () => void {
  window.addEventListener(NOTIFICATIONS_CHANGED, listener);
  return () => window.removeEventListener(NOTIFICATIONS_CHANGED, listener);
}

// ── Favourites: one set per signed-in user, loaded once and kept in step by the toggles ───────

let favorites: Set<number> | null = null;
let loading: Promise<void> | null = null;
const favoriteListeners = new Set<() => void>();
const emitFavorites = () => {
  for (const listener of favoriteListeners) listener();
};
onAuthChange(() => {
  favorites = null;
  loading = null;
  emitFavorites();
});

export function favoriteIds(): Set<number> | null {
  if (favorites === null && loading === null && signedIn()) {
    loading = api<{ id: number }[]>('/api/users/me/favorites')
      .then((events) => {
        favorites = new Set(events.map((event) => event.id));
      })
      .catch(() => {
        favorites = new Set();
      })
      .finally(() => {
        loading = null;
        emitFavorites();
      });
  }
  return favorites;
}
export function onFavoritesChange(listener: () => void): () => void {
  favoriteListeners.add(listener);
  return () => favoriteListeners.delete(listener);
}
export async function setFavorite(eventId: number, on: boolean): Promise<void> {
  await api(`/api/events/${eventId}/favorite`, { method: on ? 'POST' : 'DELETE' });
  favorites = new Set(favorites ?? []);
  if (on) favorites.add(eventId);
  else favorites.delete(eventId);
  emitFavorites();
}
