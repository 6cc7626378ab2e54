/**
 * A list of strings as WASI hands them to a guest (argv or environ): the
 * bytes of every string, each followed by a NUL, back to back.
 */
export class StringList {
  /** Each string's bytes and its terminating NUL. */
  bytes: StaticArray<u8> = new StaticArray<u8>(0);
  count: u32 = 0;

  /**
   * Takes NUL-separated strings from VMM memory [ptr, ptr+len). A last
   * string without its NUL gets one, so "a\0b" and "a\0b\0" are both [a, b];
   * an empty buffer is no strings.
   */
  setFrom(ptr: usize, len: u32): void {
    let terminated = len == 0 || load<u8>(ptr + len - 1) == 0;
    let size = terminated ? len : len + 1;
    let bytes = new StaticArray<u8>(size);
    let count: u32 = 0;
    for (let i: u32 = 0; i < len; i++) {
      let b = load<u8>(ptr + i);
      bytes[i] = b;
      if (b == 0) count++;
    }
    if (!terminated) { bytes[len] = 0; count++; }
    this.bytes = bytes;
    this.count = count;
  }

  get byteSize(): u32 { return <u32>this.bytes.length; }
}
