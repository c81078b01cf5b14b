import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { writeNginxConfig } from '../src/cluster-nginx.ts';
import { freePort } from './support/ports.ts';

// No container engine or cluster runs here: these check what can be checked without one — the
// files parse, name what they must, and the nginx configuration passes `nginx -t`.
const root = new URL('..', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), 'utf8');
type Manifest = { kind: string; metadata: { name: string }; spec: Record<string, unknown> };
const manifests = readdirSync(join(root, 'deploy/k8s'))
  .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
  .map((file) => parse(read(`deploy/k8s/${file}`)) as Manifest);
const hasNginx = spawnSync('sh', ['-c', 'command -v nginx || test -x /usr/sbin/nginx']).status === 0;

describe('the deployment artifacts', () => {
  it('runs the image as a non-root user, with a health check, the web app built in', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:24\S* AS build$/m);
    expect(dockerfile).toContain('RUN npm run build:web');
    expect(dockerfile).toContain('COPY --from=build --chown=root:root /app/web/dist ./web/dist');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(read('.dockerignore')).toMatch(/^node_modules$/m);
  });

  it('composes PostgreSQL, three NATS nodes, two api, a worker, two relays, nginx and the sandbox', () => {
    const compose = parse(read('compose.yaml'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string>; command?: string[] }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'api-1',
        'api-2',
        'migrate',
        'nats-1',
        'nats-2',
        'nats-3',
        'nginx',
        'postgres',
        'relay-1',
        'relay-2',
        'sandbox',
        'worker',
      ].sort(),
    );
    const roles = Object.values(compose.services)
      .map((service) => service.environment?.ROLES)
      .filter(Boolean);
    expect(roles.sort()).toEqual(['api', 'api', 'relay', 'relay', 'worker']);
    expect(compose.services.worker!.environment!.NATS_STREAM_REPLICAS).toBe('3');
    for (const node of ['nats-1', 'nats-2', 'nats-3']) expect(compose.services[node]!.command).toContain('--cluster_name');
  });

  it('has Deployments for each role with both probes and resource requests, a PDB, an HPA and a Service for api', () => {
    const deployments = manifests.filter((manifest) => manifest.kind === 'Deployment');
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual(['sbor-api', 'sbor-relay', 'sbor-worker']);
    for (const deployment of deployments) {
      type Container = {
        readinessProbe: { httpGet: { path: string } };
        livenessProbe: { httpGet: { path: string } };
        resources: { requests: { cpu: string; memory: string } };
      };
      const [container] = (deployment.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;
      expect(container!.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container!.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container!.resources.requests.cpu).toBeTruthy();
      expect(container!.resources.requests.memory).toBeTruthy();
    }
    const kinds = manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'PodDisruptionBudget/sbor-api',
        'HorizontalPodAutoscaler/sbor-api',
        'Service/sbor-api',
        'ConfigMap/sbor-config',
      ]),
    );
    const listed = (parse(read('deploy/k8s/kustomization.yaml')) as { resources: string[] }).resources;
    expect(listed.sort()).toEqual(
      readdirSync(join(root, 'deploy/k8s'))
        .filter((file) => file !== 'kustomization.yaml')
        .sort(),
    );
  });

  it.skipIf(!hasNginx)('generates an nginx configuration that nginx -t accepts, retrying only idempotent requests', async () => {
    const prefix = mkdtempSync(join(tmpdir(), 'sbor-nginx-'));
    try {
      const path = await writeNginxConfig({ prefix, listen: '127.0.0.1:18999', apis: ['127.0.0.1:18998', '127.0.0.1:18997'] });
      const config = readFileSync(path, 'utf8');
      expect(config).toContain('server 127.0.0.1:18998 max_fails=2 fail_timeout=5s;');
      expect(config).toMatch(/proxy_next_upstream error timeout http_502 http_503;/);
      expect(config).not.toMatch(/proxy_next_upstream [^;]*non_idempotent/);
      const nginx = spawnSync(
        'sh',
        ['-c', `nginx -t -q -p ${prefix} -c ${path} || /usr/sbin/nginx -t -q -p ${prefix} -c ${path}`],
        {
          encoding: 'utf8',
        },
      );
      expect(nginx.status, nginx.stderr).toBe(0);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasNginx)('answers its own 502 as a problem with Retry-After when no api process can take the request', async () => {
    const prefix = mkdtempSync(join(tmpdir(), 'sbor-nginx-'));
    const [listen, dead] = await Promise.all([freePort(), freePort()]);
    const path = await writeNginxConfig({ prefix, listen: `127.0.0.1:${listen}`, apis: [`127.0.0.1:${dead}`] });
    const nginx = spawn('sh', ['-c', `exec $(command -v nginx || echo /usr/sbin/nginx) -p ${prefix} -c ${path}`], {
      stdio: 'ignore',
    });
    try {
      await expect
        .poll(() =>
          fetch(`http://127.0.0.1:${listen}/nginx-health`).then(
            (answer) => answer.status,
            () => 0,
          ),
        )
        .toBe(200);
      const answer = await fetch(`http://127.0.0.1:${listen}/api/bookings`, {
        method: 'POST',
        headers: { 'x-request-id': 'req-42', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(answer.status).toBe(502);
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(answer.headers.get('retry-after')).toBe('2');
      expect(await answer.json()).toMatchObject({
        type: 'https://sbor.dev/problems/upstream-unavailable',
        status: 502,
        request_id: 'req-42',
      });
      // A request id that is not plain is not written into the JSON: nginx's own stands in.
      const odd = await fetch(`http://127.0.0.1:${listen}/api/events`, { headers: { 'x-request-id': 'a"b' } });
      const { request_id: requestId } = (await odd.json()) as { request_id: string };
      expect(requestId).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      nginx.kill('SIGTERM');
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});
