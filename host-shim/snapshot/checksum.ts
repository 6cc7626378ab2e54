/**
 * The snapshot checksum: FNV-1a over little-endian 32-bit words in sixteen
 * lanes (word i goes to lane i mod 16), folded to 16 bytes at the end. Not
 * cryptographic: it catches corruption (any one flipped bit changes it). The
 * sixteen lanes are four independent SIMD chains, so the VMM's version
 * (assembly/pages/scan.ts, checksum_update) runs near memory speed; the two
 * must agree to the bit.
 *
 *   lanes:  FNV offset basis per lane (LANE_SEEDS)
 *   word:   L[i mod 16] = (L[i mod 16] xor w_i) * 0x01000193   (mod 2^32)
 *   tail:   trailing bytes (length mod 4) into lane 0, one at a time
 *   finish: out[k] = fold of L[k], L[k+4], L[k+8], L[k+12] (k = 0..3),
 *           then out[3] = (out[3] xor length) * prime
 */
export const CHECKSUM_BYTES = 16;
/** Bytes of lane state, and the block the streaming form takes at a time. */
export const LANE_BYTES = 64;

const PRIME = 0x01000193;

function seed(k: number): number {
  // Distinct odd seeds per lane, derived from the FNV basis.
  return (Math.imul(0x811c9dc5 ^ (k * 0x9e3779b9), PRIME) | 1) >>> 0;
}

const LANE_SEEDS = Array.from({ length: 16 }, (_, k) => seed(k));

/** Lane state before any byte (64 bytes, little-endian u32 lanes): the VMM streams over it. */
export function checksumStart(): Uint8Array {
  const out = new Uint8Array(LANE_BYTES);
  const v = new DataView(out.buffer);
  LANE_SEEDS.forEach((s, k) => v.setUint32(k * 4, s, true));
  return out;
}

function fold(lanes: Uint32Array | number[], length: number): Uint8Array {
  const out = new Uint8Array(CHECKSUM_BYTES);
  const v = new DataView(out.buffer);
  for (let k = 0; k < 4; k++) {
    let x = lanes[k] | 0;
    x = Math.imul(x ^ lanes[k + 4], PRIME);
    x = Math.imul(x ^ lanes[k + 8], PRIME);
    x = Math.imul(x ^ lanes[k + 12], PRIME);
    if (k === 3) x = Math.imul(x ^ length, PRIME);
    v.setUint32(k * 4, x >>> 0, true);
  }
  return out;
}

/** The checksum from lane state that took `length` bytes, a multiple of 64. */
export function checksumFinish(state: Uint8Array, length: number): Uint8Array {
  const v = new DataView(state.buffer, state.byteOffset, LANE_BYTES);
  return fold(Array.from({ length: 16 }, (_, k) => v.getUint32(k * 4, true)), length);
}

/**
 * Folds `count` words of `w` from `at` (count a multiple of 16) into the
 * lanes `L`, in place; returns the OR of those words (0: all were zero).
 * The lanes live in locals for the loop: V8 keeps them in registers, which
 * makes this several times faster than indexing a lane array per word.
 */
function absorb(L: Uint32Array, w: Uint32Array, at: number, count: number): number {
  let a0 = L[0], a1 = L[1], a2 = L[2], a3 = L[3], a4 = L[4], a5 = L[5], a6 = L[6], a7 = L[7];
  let a8 = L[8], a9 = L[9], a10 = L[10], a11 = L[11], a12 = L[12], a13 = L[13], a14 = L[14], a15 = L[15];
  let any = 0;
  for (let i = at, end = at + count; i < end; i += 16) {
    const w0 = w[i], w1 = w[i + 1], w2 = w[i + 2], w3 = w[i + 3], w4 = w[i + 4], w5 = w[i + 5], w6 = w[i + 6], w7 = w[i + 7];
    const w8 = w[i + 8], w9 = w[i + 9], w10 = w[i + 10], w11 = w[i + 11], w12 = w[i + 12], w13 = w[i + 13], w14 = w[i + 14], w15 = w[i + 15];
    any |= w0 | w1 | w2 | w3 | w4 | w5 | w6 | w7 | w8 | w9 | w10 | w11 | w12 | w13 | w14 | w15;
    a0 = Math.imul(a0 ^ w0, PRIME); a1 = Math.imul(a1 ^ w1, PRIME); a2 = Math.imul(a2 ^ w2, PRIME); a3 = Math.imul(a3 ^ w3, PRIME);
    a4 = Math.imul(a4 ^ w4, PRIME); a5 = Math.imul(a5 ^ w5, PRIME); a6 = Math.imul(a6 ^ w6, PRIME); a7 = Math.imul(a7 ^ w7, PRIME);
    a8 = Math.imul(a8 ^ w8, PRIME); a9 = Math.imul(a9 ^ w9, PRIME); a10 = Math.imul(a10 ^ w10, PRIME); a11 = Math.imul(a11 ^ w11, PRIME);
    a12 = Math.imul(a12 ^ w12, PRIME); a13 = Math.imul(a13 ^ w13, PRIME); a14 = Math.imul(a14 ^ w14, PRIME); a15 = Math.imul(a15 ^ w15, PRIME);
  }
  L[0] = a0; L[1] = a1; L[2] = a2; L[3] = a3; L[4] = a4; L[5] = a5; L[6] = a6; L[7] = a7;
  L[8] = a8; L[9] = a9; L[10] = a10; L[11] = a11; L[12] = a12; L[13] = a13; L[14] = a14; L[15] = a15;
  return any;
}

export function checksum(bytes: Uint8Array): Uint8Array {
  const L = new Uint32Array(LANE_SEEDS);
  const words = bytes.length >>> 2;
  if (bytes.byteOffset % 4 === 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
    const blocks = words & ~15;
    absorb(L, w, 0, blocks);
    for (let i = blocks; i < words; i++) L[i & 15] = Math.imul(L[i & 15] ^ w[i], PRIME);
  } else {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < words; i++) L[i & 15] = Math.imul(L[i & 15] ^ v.getUint32(i * 4, true), PRIME);
  }
  for (let i = words * 4; i < bytes.length; i++) L[0] = Math.imul(L[0] ^ bytes[i], PRIME);
  return fold(L, bytes.length);
}

/** Lanes reused by checksumWordsInto: one thread runs one checksum at a time. */
const scratch = new Uint32Array(16);

/**
 * The checksum of `count` words of `w` from `at` (count a multiple of 16,
 * so a 4 KiB page), written as four little-endian u32 words to `out` from
 * `outAt`, without allocating; equal to checksum() of those bytes on a
 * little-endian machine, which the typed-array views here assume as
 * checksum() does. Returns whether every word was zero.
 */
export function checksumWordsInto(w: Uint32Array, at: number, count: number, out: Uint32Array, outAt: number): boolean {
  scratch.set(LANE_SEEDS);
  const any = absorb(scratch, w, at, count);
  const L = scratch;
  for (let k = 0; k < 4; k++) {
    let x = L[k] | 0;
    x = Math.imul(x ^ L[k + 4], PRIME);
    x = Math.imul(x ^ L[k + 8], PRIME);
    x = Math.imul(x ^ L[k + 12], PRIME);
    if (k === 3) x = Math.imul(x ^ (count * 4), PRIME);
    out[outAt + k] = x >>> 0;
  }
  return any === 0;
}

export function sameChecksum(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
