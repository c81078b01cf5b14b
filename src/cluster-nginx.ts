import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const NGINX_TEMPLATE = new URL('../deploy/nginx/sbor.conf.template', import.meta.url).pathname;

/**
 * nginx's passive health check: after 2 failed attempts a server is left out for this long, and
 * tried again only then. A rolling restart must wait this long after a restarted process is ready
 * before stopping the next, or nginx may count both out at once ("no live upstreams", 502).
 */
export const UPSTREAM_FAIL_TIMEOUT_SECONDS = 5;

/**
 * The cluster's nginx configuration: the template with its prefix directory, listen address and
 * one upstream line per api process filled in. Written to `prefix/nginx.conf`; returns its path.
 */
export async function writeNginxConfig(options: { prefix: string; listen: string; apis: string[] }): Promise<string> {
  const template = await readFile(NGINX_TEMPLATE, 'utf8');
  const upstreams = options.apis
    .map((api) => `    server ${api} max_fails=2 fail_timeout=${String(UPSTREAM_FAIL_TIMEOUT_SECONDS)}s;`)
    .join('\n');
  const config = template
    .replaceAll('{{PREFIX}}', options.prefix)
    .replaceAll('{{LISTEN}}', options.listen)
    .replaceAll('{{UPSTREAMS}}', upstreams);
  const path = join(options.prefix, 'nginx.conf');
  await writeFile(path, config);
  return path;
}
