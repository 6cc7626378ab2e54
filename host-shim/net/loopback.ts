/** Whether an address is on the loopback interface. */
import { isIP } from 'node:net';

/** True for 127.0.0.0/8, ::1 and the IPv4-mapped form of 127.x.x.x (brackets around IPv6 allowed); false for names. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) {
    const lower = bare.toLowerCase();
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    return lower.startsWith('::ffff:127.');
  }
  return false;
}
