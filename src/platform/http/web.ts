import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Type } from 'typebox';
import type { App } from './server.ts';

/** Where `npm run build:web` writes the single-page app (web/ → web/dist). */
export const WEB_DIST_DIR = resolve(import.meta.dirname, '../../../web/dist');

/** Paths that belong to the API and its tools: never answered with the app. */
const NOT_THE_APP = /^\/(api|sandbox|docs|openapi\.json|healthz|readyz|metrics)(\/|$|\?)/;

/**
 * Serves the web app (web/dist) at `/`: its files as they are, and index.html for any other page a
 * browser navigates to (Accept: text/html), so the app's own routes survive a reload. Anything
 * else — API paths, clients that do not ask for HTML — keeps the API's 404 problem.
 *
 * The gateway sends the browser back to /api/payments/success|fail; a browser (not an API client)
 * is redirected to the app's result page, which asks the same endpoint for the outcome.
 */
export async function registerWebApp(app: App, root = WEB_DIST_DIR): Promise<boolean> {
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'web app not built (npm run build:web): / answers 404');
    return false;
  }
  const files = new Set(
    (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map(
        (entry) =>
          `/${join(entry.parentPath, entry.name)
            .slice(root.length + 1)
            .replaceAll('\\', '/')}`,
      ),
  );
  await app.register(fastifyStatic, { root, serve: false });

  app.addHook('onRequest', async (request, reply) => {
    const outcome = /^\/api\/payments\/(success|fail)\?/.exec(request.url)?.[1];
    if (outcome && request.method === 'GET' && wantsHtml(request.headers.accept)) {
      const query = request.url.slice(request.url.indexOf('?'));
      return reply.redirect(`/payment-result${query}${query ? '&' : '?'}outcome=${outcome}`, 303);
    }
  });

  const schema = {
    tags: ['web'],
    summary: 'The web app: its files, and its page for any path a browser navigates to.',
    response: { 200: Type.String({ contentMediaType: 'text/html' }) },
  };
  for (const url of ['/', '/*']) {
    app.get(url, { config: { access: 'public' }, schema }, async (request, reply) => {
      const path = decodeURIComponent(request.url.split('?')[0] ?? '/');
      if (files.has(path) && path !== '/index.html') {
        // Vite names assets by their content hash: they never change under one name.
        reply.header('cache-control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
        return reply.sendFile(path.slice(1), { cacheControl: false });
      }
      if (NOT_THE_APP.test(path) || !wantsHtml(request.headers.accept)) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    });
  }
  return true;
}

function wantsHtml(accept: string | undefined): boolean {
  return accept?.includes('text/html') ?? false;
}
