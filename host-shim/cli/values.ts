/**
 * Command-line forms of wasm values: how `run --invoke` reads arguments and
 * prints results (one per line, as wasmtime does).
 */
import { UsageError } from '../errors.js';
import type { ValType } from '../engine/types.js';
import type { JsValue } from '../api.js';
import { bareHost } from '../net/addresses.js';

export function parseArg(type: ValType, text: string, index: number): JsValue {
  const where = `argument ${index + 1} (${type})`;
  switch (type) {
    case 'i32': {
      const n = parseInteger(text, where);
      if (n < -(2n ** 31n) || n >= 2n ** 32n) throw new UsageError(`${where}: ${text} does not fit in 32 bits`);
      return Number(BigInt.asIntN(32, n));
    }
    case 'i64': {
      const n = parseInteger(text, where);
      if (n < -(2n ** 63n) || n >= 2n ** 64n) throw new UsageError(`${where}: ${text} does not fit in 64 bits`);
      return BigInt.asIntN(64, n);
    }
    case 'f32':
    case 'f64': {
      const v = text === 'nan' ? NaN : text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
      if (Number.isNaN(v) && text !== 'nan') throw new UsageError(`${where}: ${JSON.stringify(text)} is not a number`);
      return v;
    }
    default:
      throw new UsageError(`${where}: values of type ${type} cannot be given on the command line`);
  }
}

function parseInteger(text: string, where: string): bigint {
  if (!/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(text)) throw new UsageError(`${where}: ${JSON.stringify(text)} is not an integer`);
  const negative = text.startsWith('-');
  const digits = text.replace(/^[-+]/, '');
  const n = BigInt(digits);
  return negative ? -n : n;
}

export function formatResult(v: JsValue): string {
  if (v === null) return 'null';
  if (typeof v === 'number' && Number.isNaN(v)) return 'nan';
  return String(v);
}

/** Sizes like 65536, 64KiB, 16MiB, 1GiB (also K, M, G), in bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*(k|ki|kib|kb|m|mi|mib|mb|g|gi|gib|gb)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${JSON.stringify(text)} is not a size (examples: 65536, 64MiB, 1GiB)`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const scale = unit === 'k' ? 2 ** 10 : unit === 'm' ? 2 ** 20 : unit === 'g' ? 2 ** 30 : 1;
  return Number(m[1]) * scale;
}

/** A TCP port number, 0 to 65535 (0: let the listener pick one). */
export function parsePort(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UsageError(`${flag} ${text} is not a port number (0-65535)`);
  return Number(text);
}

/** HOST:PORT as a listen or connect address (port 0 allowed: pick a free one). */
export function parseHostPort(flag: string, text: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`${flag} ${text} is not HOST:PORT`);
  return { host: bareHost(m[1]), port: parsePort(flag, m[2]) };
}
