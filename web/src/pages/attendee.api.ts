// API types (from the API's document, see api.ts) and small shared stores used only by the attendee pages.
import { api, onAuthChange, signedIn, type Answer, type Schema, type User } from '../api.ts';

export type Preferences = User['notification_preferences'];
export type WaitlistEntry = Schema<'WaitlistEntry'>;
export type AppNotification = Schema<'Notification'>;
export type Refund = Answer<'/api/bookings/{id}/payments'>['refunds'][number];

/** Live entries: still in the queue or holding an offer. */
export const isLive = (entry: WaitlistEntry) => entry.status === 'WAITING' || entry.status === 'OFFERED';

/** Starts paying a booking (an offer is a booking): off to the gateway's page. */
export async function payBooking(bookingId: number): Promise<void> {
  const payment = await api.post('/api/bookings/{id}/payments', { path: { id: bookingId } });
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
    loading = api
      .get('/api/users/me/favorites')
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
  const path = { id: eventId };
  await (on ? api.post('/api/events/{id}/favorite', { path }) : api.delete('/api/events/{id}/favorite', { path }));
  favorites = new Set(favorites ?? []);
  if (on) favorites.add(eventId);
  else favorites.delete(eventId);
  emitFavorites();
}
