/**
 * What an address is: on the loopback interface, or every interface (a
 * wildcard), and where a listener on every interface is reached.
 *
 * A host started with `--listen 0.0.0.0:7001` has its migration listener
 * there too, and names that address in its host info and its cluster
 * enrollment; a peer that connected to it would reach its own machine
 * instead. So a peer reaches such a listener at the address it reached the
 * host at: a migration source where it reached the host's API, the cluster
 * manager where the host's enrollment came from.
 */
import { isIP } from 'node:net';

/** `host` without the brackets of an IPv6 address in a URL or HOST:PORT. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** True for 127.0.0.0/8, ::1 and the IPv4-mapped form of 127.x.x.x (brackets around IPv6 allowed); false for names. */
export function isLoopbackAddress(host: string): boolean {
  const bare = bareHost(host);
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) {
    const lower = bare.toLowerCase();
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    return lower.startsWith('::ffff:127.');
  }
  return false;
}

/** True for 0.0.0.0 and :: in any spelling (brackets around IPv6 allowed). */
export function isWildcardAddress(host: string): boolean {
  const bare = bareHost(host);
  if (isIP(bare) === 4) return bare === '0.0.0.0';
  if (isIP(bare) === 6) return /^[0:]+$/.test(bare);
  return false;
}

/** Where to connect to a listener advertised at `host` by the host whose API is at `apiUrl`. */
export function reachableHost(host: string, apiUrl: string): string {
  if (!isWildcardAddress(host)) return host;
  return bareHost(new URL(apiUrl).hostname);
}

/** `url` (a host's API), its wildcard host put as `peer`, the address the host's request came from. */
export function reachableUrl(url: string, peer: string | undefined): string {
  const parsed = new URL(url);
  if (!isWildcardAddress(parsed.hostname) || !peer) return url;
  // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
  const address = peer.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  parsed.hostname = isIP(address) === 6 ? `[${address}]` : address;
  return parsed.href.replace(/\/+$/, '');
}
