import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postToPublicAddress, refusedAddress, refusedDestination, RefusedDestinationError } from './outbound.ts';

const STRICT = { allowLoopback: false };
const LOOPBACK = { allowLoopback: true };

/** A DNS that answers each question with the next of `answers` (the last one repeats). */
function scriptedDns(...answers: string[][]): typeof dnsLookup {
  let asked = 0;
  const lookup = (_hostname: string, _options: unknown, callback: (error: null, addresses: LookupAddress[]) => void) => {
    const answer = answers[Math.min(asked, answers.length - 1)] ?? [];
    asked += 1;
    callback(
      null,
      answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return lookup as unknown as typeof dnsLookup;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A local receiver that counts requests and answers with `status` (and `headers`). */
async function receiver(status = 200, headers: Record<string, string> = {}) {
  const state = { port: 0, requests: 0 };
  const server = createServer((request, response) => {
    state.requests += 1;
    request.resume();
    response.writeHead(status, headers).end('ok');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

const post = (url: string, policy: { allowLoopback: boolean; lookup?: typeof dnsLookup }) =>
  postToPublicAddress(new URL(url), { headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5_000, policy });

describe('refusedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '192.0.2.1',
    '198.18.0.1',
    '224.0.0.1',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::7f00:1',
    '64:ff9b::a00:1',
    '2002:7f00:1::1',
    '2001:db8::1',
  ])('refuses %s', (address) => {
    expect(refusedAddress(address, STRICT)).toBe(`${address} is not a public address`);
  });

  it.each(['8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '64:ff9b::808:808'])(
    'allows the public address %s',
    (address) => {
      expect(refusedAddress(address, STRICT)).toBeUndefined();
    },
  );

  it('allows loopback, and only loopback, when the policy says so', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      expect(refusedAddress(address, LOOPBACK), address).toBeUndefined();
    }
    for (const address of ['0.0.0.0', '10.0.0.1', '169.254.169.254', 'fe80::1', '::']) {
      expect(refusedAddress(address, LOOPBACK), address).toBeDefined();
    }
  });
});

describe('refusedDestination', () => {
  it('refuses URLs whose host is an internal address in any spelling', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hooks',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://017700000001/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[0:0:0:0:0:ffff:7f00:1]/',
      'http://0.0.0.0/',
      'http://10.1.2.3/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/',
      'http://[fd00::1]/',
    ]) {
      expect(await refusedDestination(new URL(url), STRICT), url).toMatch(/is not a public address$/);
    }
  });

  it('resolves a name and refuses it if any of its addresses is internal', async () => {
    expect(await refusedDestination(new URL('http://localhost:3000/'), STRICT)).toMatch(
      /^localhost resolves to (127\.0\.0\.1|::1), which is not a public address$/,
    );
    const mixed = scriptedDns(['93.184.216.34', '10.0.0.7']);
    expect(await refusedDestination(new URL('https://hooks.example/x'), { ...STRICT, lookup: mixed })).toBe(
      'hooks.example resolves to 10.0.0.7, which is not a public address',
    );
    const publicOnly = scriptedDns(['93.184.216.34', '2606:2800:220:1::1']);
    expect(await refusedDestination(new URL('https://hooks.example/x'), { ...STRICT, lookup: publicOnly })).toBeUndefined();
    expect(await refusedDestination(new URL('https://hooks.example/x'), { ...STRICT, lookup: scriptedDns([]) })).toBe(
      'hooks.example does not resolve',
    );
  });
});

describe('postToPublicAddress', () => {
  it('refuses an internal address without connecting', async () => {
    const local = await receiver();
    await expect(post(`http://127.0.0.1:${local.port}/`, STRICT)).rejects.toThrow(RefusedDestinationError);
    await expect(post(`http://[::ffff:127.0.0.1]:${local.port}/`, STRICT)).rejects.toThrow(RefusedDestinationError);
    await expect(post(`http://localhost:${local.port}/`, STRICT)).rejects.toThrow(
      /^localhost resolves to .*, which is not a public address$/,
    );
    expect(local.requests).toBe(0);
  });

  it('checks the address it connects to: a name rebound to 127.0.0.1 after the check is refused', async () => {
    const local = await receiver();
    const rebinding = scriptedDns(['93.184.216.34'], ['127.0.0.1']);
    const policy = { ...STRICT, lookup: rebinding };
    const url = `http://rebind.example:${local.port}/hooks`;
    expect(await refusedDestination(new URL(url), policy)).toBeUndefined();
    await expect(post(url, policy)).rejects.toThrow(
      new RefusedDestinationError('rebind.example resolves to 127.0.0.1, which is not a public address'),
    );
    expect(local.requests).toBe(0);
  });

  it('connects to the address its lookup checked (loopback allowed), and follows no redirect', async () => {
    const target = await receiver(200);
    const redirecting = await receiver(302, { location: `http://127.0.0.1:${target.port}/` });
    const policy = { ...LOOPBACK, lookup: scriptedDns(['127.0.0.1']) };
    expect(await post(`http://receiver.example:${redirecting.port}/hooks`, policy)).toBe(302);
    expect(redirecting.requests).toBe(1);
    expect(target.requests).toBe(0);
    expect(await post(`http://127.0.0.1:${target.port}/`, LOOPBACK)).toBe(200);
    expect(target.requests).toBe(1);
  });
});
