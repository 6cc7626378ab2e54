/**
 * Little-endian byte buffers for checkpoint state: a growable writer and a
 * bounded reader with a sticky error. The reader never reads past its end,
 * whatever a (possibly hostile) checkpoint claims.
 */

export class ByteWriter {
  buf: usize;
  cap: usize = 256;
  len: usize = 0;

  constructor() { this.buf = heap.alloc(this.cap); }

  private reserve(n: usize): void {
    if (this.len + n <= this.cap) return;
    let cap = this.cap << 1;
    while (cap < this.len + n) cap <<= 1;
    let buf = heap.alloc(cap);
    memory.copy(buf, this.buf, this.len);
    heap.free(this.buf);
    this.buf = buf;
    this.cap = cap;
  }

  u8(v: u32): void { this.reserve(1); store<u8>(this.buf + this.len, <u8>v); this.len += 1; }
  u32(v: u32): void { this.reserve(4); store<u32>(this.buf + this.len, v); this.len += 4; }
  u64(v: u64): void { this.reserve(8); store<u64>(this.buf + this.len, v); this.len += 8; }
  bytes(ptr: usize, n: usize): void { this.reserve(n); memory.copy(this.buf + this.len, ptr, n); this.len += n; }

  /** Hands the buffer over, prefixed by its u32 length; the caller frees it with heap.free. */
  finish(): usize {
    let out = heap.alloc(this.len + 4);
    store<u32>(out, <u32>this.len);
    memory.copy(out + 4, this.buf, this.len);
    heap.free(this.buf);
    this.buf = 0;
    return out;
  }
}

export class ByteReader {
  pos: usize;
  failed: bool = false;
  error: string = "";

  constructor(public start: usize, public end: usize) { this.pos = start; }

  fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.error = message;
    this.pos = this.end;
  }

  private take(n: usize): usize {
    if (this.end - this.pos < n) { this.fail("checkpoint state truncated"); return 0; }
    let at = this.pos;
    this.pos += n;
    return at;
  }

  // SAFETY: take() checked that the bytes lie inside [start, end).
  u8(): u32 { let at = this.take(1); return this.failed ? 0 : <u32>load<u8>(at); }
  u32(): u32 { let at = this.take(4); return this.failed ? 0 : load<u32>(at); }
  u64(): u64 { let at = this.take(8); return this.failed ? 0 : load<u64>(at); }
  /** Address of the next n bytes, or 0 if they are not there. */
  bytes(n: usize): usize { let at = this.take(n); return this.failed ? 0 : at; }

  /** A count of items of at least `itemBytes` each: never more than the bytes left can hold. */
  count(itemBytes: usize): u32 {
    let n = this.u32();
    if (<u64>n * itemBytes > <u64>(this.end - this.pos)) { this.fail("checkpoint state truncated"); return 0; }
    return n;
  }
}
