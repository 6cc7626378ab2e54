import {
  E_LEB_TOO_LARGE, E_LEB_TOO_LONG, E_LENGTH, E_UNEXPECTED_END_SECTION, E_UTF8,
} from "../errors";

/**
 * A cursor over module bytes held in VMM memory, with a sticky error: the
 * first failure is recorded and every later read returns 0, so decoders read
 * a whole structure and check `failed` once.
 */
export class Reader {
  pos: usize;
  /**
   * Reads stop here. Sections are read as the spec reads them, up to the module
   * end, and their size checked afterwards; code walkers bound it to one body.
   */
  end: usize;
  failed: bool = false;
  error: string = "";
  errorPos: usize = 0;

  constructor(public base: usize, public moduleEnd: usize) {
    this.pos = base;
    this.end = moduleEnd;
  }

  /** Byte offset of the cursor within the module, for error reports. */
  @inline get offset(): u32 { return <u32>(this.pos - this.base); }

  fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.error = message;
    this.errorPos = this.pos;
    this.pos = this.end; // stop further progress
  }

  @inline atEnd(): bool { return this.pos >= this.end; }

  private failEnd(): void {
    // As the spec's decoder, which reads the module as one stream: running out
    // of bytes anywhere is the same error ("unexpected end" is its prefix).
    this.fail(E_UNEXPECTED_END_SECTION);
  }

  u8(): u32 {
    if (this.pos >= this.end) { this.failEnd(); return 0; }
    // SAFETY: pos < end <= moduleEnd, all inside the module's bytes.
    let b = <u32>load<u8>(this.pos);
    this.pos++;
    return b;
  }

  u32(): u32 {
    let result: u32 = 0;
    for (let shift: u32 = 0; ; shift += 7) {
      let b = this.u8();
      if (this.failed) return 0;
      if (shift == 28) {
        if (b & 0x80) { this.fail(E_LEB_TOO_LONG); return 0; }
        if (b & 0x70) { this.fail(E_LEB_TOO_LARGE); return 0; }
      }
      result |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
    return 0; // not reached
  }

  i32(): i32 { return <i32>this.signed(32); }

  i64(): i64 { return this.signed(64); }

  /** The signed 33-bit block type index form; returns it as i64. */
  s33(): i64 { return this.signed(33); }

  /**
   * A signed LEB128 of at most `bits` bits, sign-extended to i64. The last
   * byte a value of that width may take holds its top bits; the unused bits
   * above them must repeat the sign bit.
   */
  private signed(bits: u32): i64 {
    const lastShift = (bits - 1) / 7 * 7;
    const used = bits - lastShift;
    const signBit: u32 = 1 << (used - 1);
    const unused: u32 = 0x7f & ~((1 << used) - 1);
    let result: i64 = 0;
    let shift: u32 = 0;
    let b: u32;
    do {
      b = this.u8();
      if (this.failed) return 0;
      if (shift == lastShift) {
        if (b & 0x80) { this.fail(E_LEB_TOO_LONG); return 0; }
        let high = b & unused;
        if ((b & signBit) ? high != unused : high != 0) { this.fail(E_LEB_TOO_LARGE); return 0; }
      }
      result |= <i64>(b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40)) result |= (<i64>-1) << shift;
    return result;
  }

  f32bits(): u32 {
    if (this.end - this.pos < 4) { this.failEnd(); return 0; }
    // SAFETY: 4 bytes are left before end.
    let v = load<u32>(this.pos);
    this.pos += 4;
    return v;
  }

  f64bits(): u64 {
    if (this.end - this.pos < 8) { this.failEnd(); return 0; }
    // SAFETY: 8 bytes are left before end.
    let v = load<u64>(this.pos);
    this.pos += 8;
    return v;
  }

  /** Skips `len` bytes, failing with "length out of bounds" if they are not there. */
  skip(len: u32): usize {
    let start = this.pos;
    if (<u64>len > <u64>(this.end - this.pos)) { this.failEnd(); return start; }
    this.pos += len;
    return start;
  }

  /**
   * A vector length. Every element takes at least one byte, so a count larger
   * than the bytes left must run out of input: fail now, before anything
   * allocates for it.
   */
  count(): u32 {
    let n = this.u32();
    if (<u64>n > <u64>(this.end - this.pos)) { this.fail(E_UNEXPECTED_END_SECTION); return 0; }
    return n;
  }

  /** A length-prefixed UTF-8 name. */
  name(): string {
    let len = this.u32();
    if (this.failed) return "";
    if (<u64>len > <u64>(this.end - this.pos)) { this.fail(E_LENGTH); return ""; }
    let start = this.pos;
    if (!validUtf8(start, len)) { this.fail(E_UTF8); return ""; }
    this.pos += len;
    return String.UTF8.decodeUnsafe(start, len);
  }
}

/** Checks UTF-8 per the Unicode standard: shortest form, no surrogates, ≤ U+10FFFF. */
export function validUtf8(ptr: usize, len: usize): bool {
  let end = ptr + len;
  while (ptr < end) {
    // SAFETY: ptr < end, within the checked range; continuation reads are guarded below.
    let b0 = <u32>load<u8>(ptr);
    if (b0 < 0x80) { ptr++; continue; }
    let need: u32;
    let min: u32;
    let cp: u32;
    if ((b0 & 0xe0) == 0xc0) { need = 1; min = 0x80; cp = b0 & 0x1f; }
    else if ((b0 & 0xf0) == 0xe0) { need = 2; min = 0x800; cp = b0 & 0x0f; }
    else if ((b0 & 0xf8) == 0xf0) { need = 3; min = 0x10000; cp = b0 & 0x07; }
    else return false;
    if (end - ptr <= <usize>need) return false;
    for (let i: u32 = 1; i <= need; i++) {
      let b = <u32>load<u8>(ptr + i);
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    ptr += need + 1;
  }
  return true;
}
