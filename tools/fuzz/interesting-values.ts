/**
 * Constants and arguments biased towards the edges where engines disagree:
 * sign boundaries, shift widths, float limits, rounding ties, subnormals, NaN.
 */
import type { NumType, Value } from '../../host-shim/engine/types.js';
import type { Prng } from './prng.js';

const I32_EDGES = [0, 1, -1, 2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000, -2];
const I64_EDGES = [0n, 1n, -1n, 31n, 32n, 63n, 64n, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x1_0000_0000n, 0x7fffffffffffffffn, -0x8000000000000000n];
const F32_EDGES = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000, 0xbfc00000, // 0 -0 1 -1 .5 1.5 2.5 -1.5
  0x7f800000, 0xff800000, 0x7fc00000, 0x00000001, 0x007fffff, 0x00800000, 0x7f7fffff, // inf -inf nan subnormals max
  0x4f000000, 0x4f800000, 0xcf000000, 0x5f000000, 0xdf000000, 0x4effffff, // 2^31 2^32 -2^31 2^63 -2^63 below 2^31
];
const F64_EDGES = [
  0x0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x3fe0000000000000n, 0x3ff8000000000000n, 0x4004000000000000n,
  0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0x1n, 0x000fffffffffffffn, 0x7fefffffffffffffn,
  0x41e0000000000000n, 0x41f0000000000000n, 0xc1e0000000000000n, 0x43e0000000000000n, 0xc3e0000000000000n, 0x41dfffffffc00000n,
  0x41efffffffe00000n, 0xc1e0000000200000n,
];

export function randomI32(rng: Prng): number {
  switch (rng.below(4)) {
    case 0:
      return rng.pick(I32_EDGES) | 0;
    case 1:
      return rng.range(-16, 300);
    case 2:
      return (rng.pick(I32_EDGES) + rng.range(-2, 2)) | 0;
    default:
      return rng.u32() | 0;
  }
}

export function randomI64(rng: Prng): bigint {
  switch (rng.below(4)) {
    case 0:
      return BigInt.asIntN(64, rng.pick(I64_EDGES));
    case 1:
      return BigInt(rng.range(-16, 300));
    case 2:
      return BigInt.asIntN(64, rng.pick(I64_EDGES) + BigInt(rng.range(-2, 2)));
    default:
      return rng.u64();
  }
}

/** A float bit pattern; most are ordinary numbers, some are edges or random bits. */
export function randomF32Bits(rng: Prng): number {
  switch (rng.below(4)) {
    case 0:
      return rng.pick(F32_EDGES) >>> 0;
    case 1:
      return f32Bits(rng.range(-1000, 1000) / rng.pick([1, 2, 4, 10, 3]));
    case 2:
      return f32Bits(rng.range(-3_000_000_000, 3_000_000_000));
    default:
      return rng.u32();
  }
}

export function randomF64Bits(rng: Prng): bigint {
  switch (rng.below(4)) {
    case 0:
      return rng.pick(F64_EDGES);
    case 1:
      return f64Bits(rng.range(-1000, 1000) / rng.pick([1, 2, 4, 10, 3]));
    case 2:
      return f64Bits(rng.range(-3_000_000_000, 3_000_000_000) * rng.pick([1, 1, 1e9, 1e-3]));
    default:
      return BigInt.asUintN(64, rng.u64());
  }
}

export function randomValue(rng: Prng, type: NumType): Value {
  switch (type) {
    case 'i32':
      return { type, value: randomI32(rng) };
    case 'i64':
      return { type, value: randomI64(rng) };
    case 'f32':
      return { type, bits: randomF32Bits(rng) };
    case 'f64':
      return { type, bits: randomF64Bits(rng) };
  }
}

const scratch = new DataView(new ArrayBuffer(8));

function f32Bits(x: number): number {
  scratch.setFloat32(0, x, true);
  return scratch.getUint32(0, true);
}

function f64Bits(x: number): bigint {
  scratch.setFloat64(0, x, true);
  return scratch.getBigUint64(0, true);
}
