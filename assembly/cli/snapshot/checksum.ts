/**
 * The snapshot checksum (docs/snapshot-format.md; host-shim/snapshot/
 * checksum.ts is the reference, and the two agree to the bit): FNV-1a over
 * 32-bit words in sixteen lanes, folded to 16 bytes. Whole 64-byte blocks go
 * through the VMM's SIMD form (pages/scan.ts, checksum_update); this adds the
 * seeds, the last words and bytes, and the fold.
 */
import { checksum_update } from "../../pages/scan";

export const CHECKSUM_BYTES: usize = 16;
export const LANE_BYTES: usize = 64;
const PRIME: u32 = 0x01000193;

/** A fresh lane state in a heap buffer of 64 bytes (the caller frees it). */
export function lanesStart(): usize {
  let lanes = heap.alloc(LANE_BYTES);
  for (let k: u32 = 0; k < 16; k++) {
    let seed = ((0x811c9dc5 ^ (k * 0x9e3779b9)) * PRIME) | 1;
    store<u32>(lanes + (<usize>k << 2), seed);
  }
  return lanes;
}

/** Folds the lanes into the 16-byte checksum at `out`, for a payload of `length` bytes. */
export function lanesFinish(lanes: usize, length: u64, out: usize): void {
  for (let k: usize = 0; k < 4; k++) {
    let x = load<u32>(lanes + (k << 2));
    x = (x ^ load<u32>(lanes + ((k + 4) << 2))) * PRIME;
    x = (x ^ load<u32>(lanes + ((k + 8) << 2))) * PRIME;
    x = (x ^ load<u32>(lanes + ((k + 12) << 2))) * PRIME;
    if (k == 3) x = (x ^ <u32>length) * PRIME;
    store<u32>(out + (k << 2), x);
  }
}

/** The checksum of [ptr, ptr+len) into the 16 bytes at `out`. */
export function checksumOf(ptr: usize, len: usize, out: usize): void {
  let lanes = lanesStart();
  let blocks = len & ~<usize>63;
  // SAFETY: [ptr, ptr+blocks) lies inside the caller's buffer.
  checksum_update(lanes, ptr, <u32>blocks);
  let words = len >> 2;
  for (let i = blocks >> 2; i < words; i++) {
    let lane = lanes + ((i & 15) << 2);
    store<u32>(lane, (load<u32>(lane) ^ load<u32>(ptr + (i << 2))) * PRIME);
  }
  for (let i = words << 2; i < len; i++) store<u32>(lanes, (load<u32>(lanes) ^ <u32>load<u8>(ptr + i)) * PRIME);
  lanesFinish(lanes, len, out);
  heap.free(lanes);
}

export function sameChecksum(a: usize, b: usize): bool {
  return load<u64>(a) == load<u64>(b) && load<u64>(a, 8) == load<u64>(b, 8);
}
