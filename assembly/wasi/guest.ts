/**
 * Access to guest memory for WASI calls. Guest pointers are hostile: every
 * range is checked against the memory's current size before it is touched,
 * and every write goes through writable(), which also marks the range dirty
 * (DESIGN.md requirement 3: a write the dirty map misses is silent
 * corruption after migration). Calls check all their ranges first, then
 * write, so a call that fails with EFAULT has written nothing.
 */
import { MemInst } from "../runtime/store";
import { markRange } from "../runtime/memory";

/** Stands in for a guest without memory: every non-empty range is out of bounds. */
export const NO_MEMORY = new MemInst();

/** Whether [ptr, ptr+len) lies inside the guest memory. */
export function fits(m: MemInst, ptr: u32, len: u64): bool {
  // u64 arithmetic: ptr + len cannot wrap (len < 2^33 for every caller).
  return <u64>ptr + len <= m.byteLength;
}

/** Whether an array of `count` records of `size` bytes at `ptr` fits. */
export function fitsArray(m: MemInst, ptr: u32, count: u32, size: u32): bool {
  return fits(m, ptr, <u64>count * <u64>size);
}

/**
 * The VMM address of guest range [ptr, ptr+len), marked dirty, ready to be
 * written; 0 when the range is outside the memory (nothing is marked then).
 */
export function writable(m: MemInst, ptr: u32, len: u64): usize {
  if (!fits(m, ptr, len)) return 0;
  markRange(m, <u64>ptr, len);
  return m.base + <usize>ptr;
}

export function putU8(m: MemInst, ptr: u32, v: u8): void {
  let a = writable(m, ptr, 1);
  if (a) store<u8>(a, v);
}

export function putU16(m: MemInst, ptr: u32, v: u16): void {
  let a = writable(m, ptr, 2);
  if (a) store<u16>(a, v);
}

export function putU32(m: MemInst, ptr: u32, v: u32): void {
  let a = writable(m, ptr, 4);
  if (a) store<u32>(a, v);
}

export function putU64(m: MemInst, ptr: u32, v: u64): void {
  let a = writable(m, ptr, 8);
  if (a) store<u64>(a, v);
}

/** Copies `len` bytes from VMM address `src` to guest `ptr`. */
export function putBytes(m: MemInst, ptr: u32, src: usize, len: u32): void {
  let a = writable(m, ptr, len);
  if (a) memory.copy(a, src, len);
}

/** Zeroes guest [ptr, ptr+len). */
export function putZeros(m: MemInst, ptr: u32, len: u32): void {
  let a = writable(m, ptr, len);
  if (a) memory.fill(a, 0, len);
}

// Reads. SAFETY: callers check the range with fits() first; a read never
// changes guest memory, so it needs no dirty marking.

export function getU8(m: MemInst, ptr: u32): u8 { return load<u8>(m.base + <usize>ptr); }
export function getU16(m: MemInst, ptr: u32): u16 { return load<u16>(m.base + <usize>ptr); }
export function getU32(m: MemInst, ptr: u32): u32 { return load<u32>(m.base + <usize>ptr); }
export function getU64(m: MemInst, ptr: u32): u64 { return load<u64>(m.base + <usize>ptr); }

/** The VMM address of guest `ptr`, for reading a checked range in place. */
export function readable(m: MemInst, ptr: u32): usize { return m.base + <usize>ptr; }
