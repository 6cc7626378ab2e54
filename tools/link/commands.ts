/**
 * The line commands `link` reads on stdin, so a test in another process can
 * drive the link while traffic flows. One command per line; each is answered
 * with one line starting `ok ` or `error `.
 *
 *   cut                  reset every connection and refuse new ones until heal
 *   reset                reset every connection, keep accepting new ones
 *   heal                 accept connections again
 *   rate 100mbit         bandwidth of both directions (unlimited: `rate off`)
 *   latency 5ms          one-way latency of both directions
 *   cut-after N up|down  cut (and refuse) once N more bytes passed that way
 *   status               counters and settings
 */
import type { LinkDirection, LinkProxy } from './proxy.js';
import { formatRate, parseLatency, parseRate } from './units.js';

/** Runs one command line against the proxy and returns the answer line. */
export function runCommand(proxy: LinkProxy, line: string): string {
  const [name = '', ...args] = line.trim().split(/\s+/);
  try {
    switch (name) {
      case 'cut':
        proxy.cut({ refuseNew: true });
        return 'ok cut';
      case 'reset':
        proxy.cut();
        return 'ok reset';
      case 'heal':
        proxy.heal();
        return 'ok heal';
      case 'rate': {
        const rate = parseRate(one(args, 'rate needs a value, e.g. rate 100mbit'));
        proxy.setLimits({ bytesPerSecond: rate });
        return `ok rate ${formatRate(rate)}`;
      }
      case 'latency': {
        const ms = parseLatency(one(args, 'latency needs a value, e.g. latency 5ms'));
        proxy.setLimits({ latencyMs: ms });
        return `ok latency ${ms}ms`;
      }
      case 'cut-after': {
        const [count, direction] = args;
        if (args.length !== 2 || !/^\d+$/.test(count!) || (direction !== 'up' && direction !== 'down')) {
          return 'error usage: cut-after BYTES up|down';
        }
        proxy.cutAfterBytes(Number(count), direction as LinkDirection, { refuseNew: true });
        return `ok cut-after ${count} ${direction}`;
      }
      case 'status':
        return `ok status ${status(proxy)}`;
      default:
        return `error unknown command "${name}" (cut, reset, heal, rate X, latency Y, cut-after N up|down, status)`;
    }
  } catch (err) {
    return `error ${err instanceof Error ? err.message : String(err)}`;
  }
}

export function status(proxy: LinkProxy): string {
  const up = proxy.limits('up');
  return [
    `connections=${proxy.openConnections}`,
    `up_bytes=${proxy.bytesForwarded.up}`,
    `down_bytes=${proxy.bytesForwarded.down}`,
    `rate=${formatRate(up.bytesPerSecond)}`,
    `latency=${up.latencyMs}ms`,
  ].join(' ');
}

function one(args: string[], usage: string): string {
  if (args.length !== 1) throw new Error(usage);
  return args[0]!;
}
