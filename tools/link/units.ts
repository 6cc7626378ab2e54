/**
 * Link settings as people write them: rates in bits per second with decimal
 * k/m/g prefixes, the way network links are sold ("100mbit" = 100,000,000 bit/s
 * = 12,500,000 bytes/s), and latencies in milliseconds.
 */
import { UsageError } from '../../host-shim/errors.js';

const PREFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/**
 * Bytes per second from a rate like `100mbit`, `1g`, `500kbit/s`, `8000`
 * (bits). `unlimited`, `none`, `0` or `off` mean no limit (null).
 */
export function parseRate(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'unlimited' || t === 'none' || t === 'off' || t === '0') return null;
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:bit|bps)?(?:\/s)?$/.exec(t);
  if (!match) throw new UsageError(`cannot read rate "${text}" (examples: 100mbit, 1gbit, 512kbit)`);
  const bits = Number(match[1]) * PREFIX[match[2]!]!;
  if (!(bits >= 8)) throw new UsageError(`rate "${text}" is below one byte per second`);
  return bits / 8;
}

/** Milliseconds from `5ms`, `5`, `0.5ms` or `1s`. */
export function parseLatency(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(text.trim().toLowerCase());
  if (!match) throw new UsageError(`cannot read latency "${text}" (examples: 5ms, 0.5ms, 1s)`);
  const value = Number(match[1]);
  return match[2] === 's' ? value * 1000 : value;
}

/** A byte rate as bits with a prefix, for messages: 12500000 → "100mbit". */
export function formatRate(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null) return 'unlimited';
  const bits = bytesPerSecond * 8;
  for (const [p, f] of [['g', 1e9], ['m', 1e6], ['k', 1e3]] as const) {
    if (bits >= f) return `${+(bits / f).toFixed(3)}${p}bit`;
  }
  return `${+bits.toFixed(3)}bit`;
}
