/**
 * The snapshot checksum: FNV-1a over 32-bit words in four interleaved lanes,
 * 16 bytes. Not cryptographic: it catches corruption (any flipped bit
 * changes it) at several GB/s, so it never dominates saving memory.
 */
export const CHECKSUM_BYTES = 16;

const PRIME = 0x01000193;

export function checksum(bytes: Uint8Array): Uint8Array {
  const words = bytes.length >>> 4;
  let a = 0x811c9dc5 | 0;
  let b = 0x050c5d1f | 0;
  let c = 0x1b873593 | 0;
  let d = 0xcc9e2d51 | 0;
  if (bytes.byteOffset % 4 === 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset, words * 4);
    for (let i = 0; i < w.length; i += 4) {
      a = Math.imul(a ^ w[i], PRIME);
      b = Math.imul(b ^ w[i + 1], PRIME);
      c = Math.imul(c ^ w[i + 2], PRIME);
      d = Math.imul(d ^ w[i + 3], PRIME);
    }
  } else {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < words * 16; i += 16) {
      a = Math.imul(a ^ v.getUint32(i, true), PRIME);
      b = Math.imul(b ^ v.getUint32(i + 4, true), PRIME);
      c = Math.imul(c ^ v.getUint32(i + 8, true), PRIME);
      d = Math.imul(d ^ v.getUint32(i + 12, true), PRIME);
    }
  }
  for (let i = words * 16; i < bytes.length; i++) a = Math.imul(a ^ bytes[i], PRIME);
  // The length too, so a truncation to a word boundary is caught.
  d = Math.imul(d ^ bytes.length, PRIME);
  const out = new Uint8Array(CHECKSUM_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, a >>> 0, true);
  view.setUint32(4, b >>> 0, true);
  view.setUint32(8, c >>> 0, true);
  view.setUint32(12, d >>> 0, true);
  return out;
}

export function sameChecksum(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
