import { MemInst } from "./store";
import { config } from "./config";

/**
 * Guest memories live inside the VMM's own linear memory (Node 20 has no
 * multi-memory). Each one gets a region reserved up front, right above
 * whatever the VMM uses so far: growing the VMM memory there costs address
 * space only, not RAM, and the guest's memory then grows in place without
 * ever meeting the VMM heap, which itself grows above every region.
 *
 * Dirty tracking: one byte per 4 KiB guest page (a byte map rather than a bit
 * map, so marking is a single store in the interpreter's write paths).
 */

export const WASM_PAGE: u32 = 65536;
export const DIRTY_PAGE_SHIFT: u32 = 12; // 4 KiB
const DIRTY_PER_WASM_PAGE: u32 = WASM_PAGE >> DIRTY_PAGE_SHIFT;

/**
 * Dirty tracking is always on, except in build/vmm-notrack.wasm (asconfig
 * target "notrack", `--use WASMOTION_NO_DIRTY_TRACKING=1`), which exists only
 * to measure what tracking costs (tools/bench-snapshot). A constant, so the
 * release build compiles to the same code as without the switch.
 */
// @ts-ignore: the name is defined only by --use in the notrack build
export const DIRTY_TRACKING: bool = !isDefined(WASMOTION_NO_DIRTY_TRACKING);

/**
 * The value a write stores into the dirty map: any non-zero value means
 * dirty, for migration and snapshots. The embedder changes it between runs
 * (dirty_mark_set) to count the pages written since it last did: those hold
 * the current mark. That is how a host measures a guest's dirty rate without
 * clearing the map that migration and snapshots own.
 */
export let dirtyMark: u8 = 1;

export function setDirtyMark(mark: u8): void {
  dirtyMark = mark == 0 ? 1 : mark;
}

/** Creates a memory of `min` pages that may grow to `max`; null if it cannot be reserved. */
export function createMemory(min: u32, max: u32, hasMax: bool): MemInst | null {
  let limit = config.maxMemoryPages;
  if (min > limit) return null;
  let reserve = hasMax && max < limit ? max : limit;
  if (reserve < min) reserve = min;
  let m = new MemInst();
  m.reservedPages = reserve;
  m.maxPages = hasMax ? max : 0xffffffff;
  m.dirty = heap.alloc(<usize>reserve * DIRTY_PER_WASM_PAGE + 8);
  memory.fill(m.dirty, 0, <usize>reserve * DIRTY_PER_WASM_PAGE + 8);
  // Reserve the region at the current top of VMM memory, after the allocation above.
  let before = memory.grow(<i32>reserve);
  if (before < 0) { heap.free(m.dirty); return null; }
  m.base = <usize>before << 16;
  m.pages = min;
  m.byteLength = <u64>min << 16;
  // The reserved pages come from memory.grow: zero already.
  markRange(m, 0, m.byteLength);
  return m;
}

/** memory.grow: returns the old size in pages, or -1 (the memory is unchanged). */
export function growMemory(m: MemInst, delta: u32): i32 {
  let old = m.pages;
  let wanted = <u64>old + delta;
  if (wanted > <u64>m.reservedPages) return -1;
  m.pages = <u32>wanted;
  m.byteLength = wanted << 16;
  markRange(m, <u64>old << 16, <u64>delta << 16);
  return <i32>old;
}

/** Marks [start, start+len) of guest memory dirty. */
export function markRange(m: MemInst, start: u64, len: u64): void {
  if (!DIRTY_TRACKING || len == 0) return;
  let first = <usize>(start >> DIRTY_PAGE_SHIFT);
  let last = <usize>((start + len - 1) >> DIRTY_PAGE_SHIFT);
  // SAFETY: callers pass ranges inside the memory, and the dirty map covers the reservation.
  memory.fill(m.dirty + first, dirtyMark, last - first + 1);
}
