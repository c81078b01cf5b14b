import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Requests to addresses that users gave us (organizers' webhook URLs): only to the public
 * internet. Without this a URL like http://169.254.169.254/ or http://localhost:5432/ makes the
 * server call its own network on the user's behalf (SSRF).
 *
 * The destination is checked twice: when the URL is given (`refusedDestination`, for a clear 400)
 * and on every request (`postToPublicAddress`), where the check sits in the socket's own DNS
 * lookup — the address checked is the address connected to, so a name that resolves to a public
 * address at registration and to 127.0.0.1 later (DNS rebinding) is refused at connect time.
 * Redirects are never followed.
 */

export interface DestinationPolicy {
  /** Let loopback (127.0.0.0/8, ::1) through: tests and development with a local receiver. */
  allowLoopback: boolean;
  /** Resolves names (dns.lookup by default); tests give their own to play a rebinding DNS. */
  lookup?: typeof dnsLookup;
}

export class RefusedDestinationError extends Error {
  override name = 'RefusedDestinationError';
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Everything that is not a public unicast address (IANA's special-purpose registries), in two
 * lists: BlockList checks an IPv4 address against IPv6 rules as ::ffff:a.b.c.d, so one list with
 * ::/3 would refuse every IPv4 address. It does match IPv4-mapped IPv6 (::ffff:127.0.0.1) against
 * IPv4 rules, which is wanted.
 */
const IPV4_NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  IPV4_NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
// IPv6: only global unicast (2000::/3) is public. Outside it: ::, ::1, IPv4-mapped and -compatible
// forms, NAT64 (checked by its embedded IPv4 below), unique-local fc00::/7, link-local fe80::/10,
// multicast ff00::/8.
const IPV6_NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['::', 3],
  ['4000::', 2],
  ['8000::', 1],
  ['2001::', 23], // IETF protocol assignments (Teredo, benchmarking, ORCHID …)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address that could be private
  ['3fff::', 20], // documentation
] as const) {
  IPV6_NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address inside a NAT64 address (64:ff9b::/96), which DNS64 hands out on IPv6-only hosts. */
function nat64Embedded(address: string): string | undefined {
  const normalized = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const match = /^64:ff9b::(?:([0-9a-f]{1,4}):)?([0-9a-f]{1,4})$/.exec(normalized);
  if (!match) return undefined;
  const value = (parseInt(match[1] ?? '0', 16) << 16) | parseInt(match[2] ?? '0', 16);
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

/** Why the server must not connect to this IP address, or undefined when it may. */
export function refusedAddress(address: string, policy: DestinationPolicy): string | undefined {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (policy.allowLoopback && LOOPBACK.check(address, type)) return undefined;
  const refused = `${address} is not a public address`;
  if (type === 'ipv4') return IPV4_NOT_PUBLIC.check(address, 'ipv4') ? refused : undefined;
  const embedded = nat64Embedded(address);
  if (embedded) return refusedAddress(embedded, policy) && refused;
  return IPV4_NOT_PUBLIC.check(address, 'ipv6') || IPV6_NOT_PUBLIC.check(address, 'ipv6') ? refused : undefined;
}

/** The host of a URL as DNS or an IP parser takes it ([::1] → ::1). */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function resolveAll(hostname: string, policy: DestinationPolicy, family = 0): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    (policy.lookup ?? dnsLookup)(hostname, { all: true, family }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses);
    });
  });
}

/**
 * Why a name's addresses must not be called. One refused address among public ones is enough:
 * which of them a connection picks is not ours to say.
 */
function refusedAmong(host: string, addresses: LookupAddress[], policy: DestinationPolicy): string | undefined {
  if (addresses.length === 0) return `${host} does not resolve`;
  const refused = addresses.find(({ address }) => refusedAddress(address, policy));
  return refused && `${host} resolves to ${refused.address}, which is not a public address`;
}

/**
 * Why a URL given by a user must not be called, or undefined when it may: an IP literal must be
 * public; a name must resolve, and to public addresses only.
 */
export async function refusedDestination(url: URL, policy: DestinationPolicy): Promise<string | undefined> {
  const host = hostOf(url);
  if (isIP(host)) return refusedAddress(host, policy);
  try {
    return refusedAmong(host, await resolveAll(host, policy), policy);
  } catch {
    return `${host} does not resolve`;
  }
}

/** A socket's DNS lookup that hands out only allowed addresses, so the one connected to was checked. */
function guardedLookup(policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolveAll(hostname, policy, options.family === 4 || options.family === 6 ? options.family : 0).then(
      (addresses) => {
        const refused = refusedAmong(hostname, addresses, policy);
        const [first] = addresses;
        if (refused || !first) callback(new RefusedDestinationError(refused ?? `${hostname} does not resolve`), '');
        // Node's connection racing (autoSelectFamily) asks for every address, a plain connect for one.
        else if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, ''),
    );
  };
}

const MAX_DRAINED_BYTES = 64 * 1024;

// Own agents, so no socket opened elsewhere in the process (without the guarded lookup) is reused.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * POSTs a body to a user-given http(s) URL if its address is public, and answers the response's
 * status (the body is not read). Throws RefusedDestinationError for a refused address, and the
 * socket's error for anything else (refused connection, timeout). Redirects are not followed.
 */
export async function postToPublicAddress(
  url: URL,
  request: { headers: Record<string, string>; body: string; timeoutMs: number; policy: DestinationPolicy },
): Promise<number> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedDestinationError(`${url.protocol} is not http(s)`);
  const host = hostOf(url);
  // A literal address is connected to without a lookup, so it is checked here.
  const refused = isIP(host) ? refusedAddress(host, request.policy) : undefined;
  if (refused) throw new RefusedDestinationError(refused);
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup: guardedLookup(request.policy),
        signal: AbortSignal.timeout(request.timeoutMs),
      },
      (response) => {
        resolve(response.statusCode ?? 0);
        // Only the status matters. A short body is read so the connection can be reused; a receiver
        // that streams a long one loses the connection instead of holding it.
        let received = 0;
        response.on('error', () => {});
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_DRAINED_BYTES) response.destroy();
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
