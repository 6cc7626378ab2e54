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

export function checksum(bytes: Uint8Array): Uint8Array {
  const L = new Uint32Array(LANE_SEEDS);
  const words = bytes.length >>> 2;
  if (bytes.byteOffset % 4 === 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
    let i = 0;
    for (; i + 16 <= words; i += 16) {
      for (let k = 0; k < 16; k++) L[k] = Math.imul(L[k] ^ w[i + k], PRIME);
    }
    for (; i < words; i++) L[i & 15] = Math.imul(L[i & 15] ^ w[i], PRIME);
  } else {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < words; i++) L[i & 15] = Math.imul(L[i & 15] ^ v.getUint32(i * 4, true), PRIME);
  }
  for (let i = words * 4; i < bytes.length; i++) L[0] = Math.imul(L[0] ^ bytes[i], PRIME);
  return fold(L, bytes.length);
}

export function sameChecksum(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
