/**
 * Endpoints of the link emulator. Every address it listens on or connects to
 * is on the loopback interface: the emulator exists for tests and benchmarks
 * between processes of one machine, and must never send traffic elsewhere.
 */
import { isIP } from 'node:net';
import { UsageError } from '../../host-shim/errors.js';
import { isLoopbackAddress } from '../../host-shim/net/addresses.js';

export { isLoopbackAddress };

export interface Endpoint {
  host: string;
  port: number;
}

/**
 * The endpoint with a loopback IP address, or a UsageError. `localhost` maps to
 * 127.0.0.1 without asking a resolver, so a hosts file cannot redirect it.
 */
export function requireLoopback(endpoint: Endpoint, role: string): Endpoint {
  const host = endpoint.host === 'localhost' ? '127.0.0.1' : endpoint.host;
  if (!isLoopbackAddress(host)) {
    throw new UsageError(`link ${role} ${endpoint.host} is not a loopback address (only 127.0.0.0/8 and ::1 are allowed)`);
  }
  if (!Number.isInteger(endpoint.port) || endpoint.port < 0 || endpoint.port > 65535) {
    throw new UsageError(`link ${role} port ${endpoint.port} is not a TCP port`);
  }
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  return { host: bare, port: endpoint.port };
}

/** Parses `host:port` or `[v6]:port`. */
export function parseEndpoint(text: string): Endpoint {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text.trim());
  if (!match) throw new UsageError(`expected host:port, got "${text}"`);
  return { host: match[1]!, port: Number(match[2]) };
}

export function formatEndpoint(e: Endpoint): string {
  return isIP(e.host) === 6 ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}
