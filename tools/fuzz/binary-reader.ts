/**
 * Just enough of a wasm reader for the decoder fuzzer: where the sections are
 * (to edit their length fields), and the signatures of exported functions (to
 * call them with zero arguments). Tolerant: it stops quietly at the first byte
 * it cannot make sense of, since its input is often deliberately broken.
 */
import type { ValType, Value } from '../../host-shim/engine/types.js';
import { typeName } from '../../host-shim/engine/valtype-codes.js';
import type { FuncType } from './wasm-writer.js';

export interface SectionSpan {
  id: number;
  /** Offset of the id byte. */
  start: number;
  /** Offset and byte length of the size LEB. */
  sizeAt: number;
  sizeBytes: number;
  contentAt: number;
  size: number;
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
  ) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError('end');
    return this.bytes[this.at++];
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
    }
    throw new RangeError('leb');
  }

  skip(n: number): void {
    this.at += n;
    if (this.at > this.bytes.length) throw new RangeError('end');
  }
}

export function readSections(bytes: Uint8Array): SectionSpan[] {
  const spans: SectionSpan[] = [];
  const r = new Reader(bytes, 8);
  try {
    while (r.at < bytes.length) {
      const start = r.at;
      const id = r.byte();
      const sizeAt = r.at;
      const size = r.u32();
      const contentAt = r.at;
      spans.push({ id, start, sizeAt, sizeBytes: contentAt - sizeAt, contentAt, size });
      r.skip(size);
    }
  } catch {
    // a broken tail: the sections found so far are what we know
  }
  return spans;
}

/** Exported function name -> signature, for a module that compiled (so is well formed). */
export function readExportSignatures(bytes: Uint8Array): Map<string, FuncType> {
  const types: FuncType[] = [];
  const funcTypes: number[] = [];
  const exports = new Map<string, FuncType>();
  const exported: [string, number][] = [];
  try {
    for (const s of readSections(bytes)) {
      const r = new Reader(bytes, s.contentAt);
      if (s.id === 1) {
        for (let n = r.u32(); n > 0; n--) {
          r.byte(); // 0x60
          const params = Array.from({ length: r.u32() }, () => typeName(r.byte()));
          const results = Array.from({ length: r.u32() }, () => typeName(r.byte()));
          types.push({ params, results });
        }
      } else if (s.id === 2) {
        for (let n = r.u32(); n > 0; n--) {
          r.skip(r.u32());
          r.skip(r.u32());
          const kind = r.byte();
          if (kind === 0) funcTypes.push(r.u32());
          else if (kind === 1) skipTable(r);
          else if (kind === 2) skipLimits(r);
          else r.skip(2);
        }
      } else if (s.id === 3) {
        for (let n = r.u32(); n > 0; n--) funcTypes.push(r.u32());
      } else if (s.id === 7) {
        for (let n = r.u32(); n > 0; n--) {
          const len = r.u32();
          const name = Buffer.from(bytes.subarray(r.at, r.at + len)).toString('utf8');
          r.skip(len);
          const kind = r.byte();
          const index = r.u32();
          if (kind === 0) exported.push([name, index]);
        }
      }
    }
  } catch {
    return exports;
  }
  for (const [name, index] of exported) {
    const type = types[funcTypes[index]];
    if (type) exports.set(name, type);
  }
  return exports;
}

function skipLimits(r: Reader): void {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
}

function skipTable(r: Reader): void {
  r.byte();
  skipLimits(r);
}

/** The zero (or null) value of a type, to call an export with. */
export function zeroValue(t: ValType): Value {
  switch (t) {
    case 'i32':
      return { type: t, value: 0 };
    case 'i64':
      return { type: t, value: 0n };
    case 'f32':
      return { type: t, bits: 0 };
    case 'f64':
      return { type: t, bits: 0n };
    case 'externref':
      return { type: t, value: null };
    default:
      return { type: 'funcref', value: null };
  }
}
