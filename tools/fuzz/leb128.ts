/** LEB128 encoders as the wasm binary format uses them. */

export function unsignedLeb(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) throw new RangeError(`unsigned LEB of negative ${v}`);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

export function signedLeb(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n; // arithmetic shift on bigint keeps the sign
    const signBitSet = (byte & 0x40) !== 0;
    if ((v === 0n && !signBitSet) || (v === -1n && signBitSet)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/**
 * An unsigned LEB padded to exactly `width` bytes: legal for the decoder (up to
 * the type's maximum length) and a good way to exercise its length handling.
 */
export function paddedUnsignedLeb(value: number, width: number): number[] {
  const out = unsignedLeb(value);
  while (out.length < width) {
    out[out.length - 1] |= 0x80;
    out.push(0);
  }
  return out;
}
