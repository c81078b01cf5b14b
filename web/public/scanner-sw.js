// The scanner's service worker: lets the app's page load without a network once the scanner has
// downloaded an event for offline use (the page itself fills the cache: index.html and the
// /assets/ files it loaded, dropping older ones). Pages are network-first, falling back to the
// cached index.html; content-hashed /assets/ come from the cache when they are there, else from
// the network (not stored: only the page's "keep offline" step fills the cache). API calls are
// never touched.

const CACHE = 'sbor-scanner-shell';
const NOT_THE_APP = /^\/(api|sandbox|docs|openapi\.json|healthz|readyz|metrics)(\/|$)/;

self.addEventListener('install', () => {
  void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // Caches of earlier versions of this worker go.
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || NOT_THE_APP.test(url.pathname)) return;
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request).catch(async () => (await caches.match('/index.html', { cacheName: CACHE })) ?? Response.error()),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
  }
});
