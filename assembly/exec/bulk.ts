import { Trap } from "../errors";
import { markRange } from "../runtime/memory";
import { DataInst, ElemInst, MemInst, TableInst } from "../runtime/store";

/**
 * Bulk memory and table instructions. Each checks its whole range first and
 * returns a Trap (None on success) without changing anything on failure.
 * Every write to guest memory marks the pages it touches dirty.
 */

export function memoryFill(m: MemInst, d: u32, value: u32, n: u32): Trap {
  if (<u64>d + n > m.byteLength) return Trap.OutOfBoundsMemory;
  // SAFETY: [d, d+n) is inside the memory, checked above.
  memory.fill(m.base + d, <u8>value, n);
  markRange(m, d, n);
  return Trap.None;
}

export function memoryCopy(m: MemInst, d: u32, s: u32, n: u32): Trap {
  if (<u64>d + n > m.byteLength || <u64>s + n > m.byteLength) return Trap.OutOfBoundsMemory;
  // SAFETY: both ranges are inside the memory; memory.copy handles overlap.
  memory.copy(m.base + d, m.base + s, n);
  markRange(m, d, n);
  return Trap.None;
}

export function memoryInit(m: MemInst, data: DataInst, d: u32, s: u32, n: u32): Trap {
  if (<u64>s + n > data.length || <u64>d + n > m.byteLength) return Trap.OutOfBoundsMemory;
  // SAFETY: source inside the segment, destination inside the memory.
  memory.copy(m.base + d, data.start + s, n);
  markRange(m, d, n);
  return Trap.None;
}

export function tableGrow(t: TableInst, init: u32, n: u32): i32 {
  let old = t.size;
  let wanted = <u64>old + n;
  if (wanted > <u64>t.max || wanted > 10000000) return -1;
  if (wanted > <u64>t.capacity) {
    let cap = <u32>wanted;
    if (cap < t.capacity * 2) cap = t.capacity * 2;
    if (cap < 8) cap = 8;
    let elements = heap.alloc(<usize>cap << 2);
    if (t.elements != 0) {
      memory.copy(elements, t.elements, <usize>old << 2);
      heap.free(t.elements);
    }
    t.elements = elements;
    t.capacity = cap;
  }
  for (let i = old; i < <u32>wanted; i++) store<u32>(t.elements + (<usize>i << 2), init);
  t.size = <u32>wanted;
  return <i32>old;
}

export function tableFill(t: TableInst, i: u32, value: u32, n: u32): Trap {
  if (<u64>i + n > t.size) return Trap.OutOfBoundsTable;
  // SAFETY: [i, i+n) is inside the table, checked above.
  for (let k: u32 = 0; k < n; k++) store<u32>(t.elements + (<usize>(i + k) << 2), value);
  return Trap.None;
}

export function tableCopy(dst: TableInst, src: TableInst, d: u32, s: u32, n: u32): Trap {
  if (<u64>s + n > src.size || <u64>d + n > dst.size) return Trap.OutOfBoundsTable;
  // SAFETY: both ranges are inside their tables; memory.copy handles overlap.
  memory.copy(dst.elements + (<usize>d << 2), src.elements + (<usize>s << 2), <usize>n << 2);
  return Trap.None;
}

export function tableInit(t: TableInst, e: ElemInst, d: u32, s: u32, n: u32): Trap {
  if (<u64>s + n > e.length || <u64>d + n > t.size) return Trap.OutOfBoundsTable;
  // SAFETY: source inside the segment, destination inside the table.
  memory.copy(t.elements + (<usize>d << 2), e.items + (<usize>s << 2), <usize>n << 2);
  return Trap.None;
}
