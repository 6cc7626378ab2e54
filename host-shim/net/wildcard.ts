/**
 * Listeners bound to every interface. A host started with `--listen
 * 0.0.0.0:7001` has its migration listener there too, and advertises that
 * address; a peer that connected to it would reach its own machine instead.
 * So a peer reaches such a listener at the address it reached the host's
 * API at.
 */
import { isIP } from 'node:net';

/** True for 0.0.0.0 and :: in any spelling (brackets around IPv6 allowed). */
export function isWildcardAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 4) return bare === '0.0.0.0';
  if (isIP(bare) === 6) return /^[0:]+$/.test(bare);
  return false;
}

/** Where to connect to a listener advertised at `host` by the host whose API is at `apiUrl`. */
export function reachableHost(host: string, apiUrl: string): string {
  if (!isWildcardAddress(host)) return host;
  return new URL(apiUrl).hostname.replace(/^\[(.*)\]$/, '$1');
}
