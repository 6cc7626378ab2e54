/**
 * The MEMORY section (docs/snapshot-format.md; host-shim/snapshot/memory.ts
 * and memory-section.ts are the TypeScript side):
 *
 *   header:  u32 page size (4096)  u32 memory size in pages, zeros to 64 bytes
 *   the 4096 bytes of every data page, in record order
 *   records × u32: page index; bit 31 set means "all zeros" (no bytes above),
 *            then zero bytes so that index and trailer end on 64 bytes
 *   trailer: u32 records  u32 data pages  u32 0  u32 0
 *
 * Built in one pass over guest memory by the VMM's page scan (pages/scan.ts),
 * which also folds the page bytes into the checksum; pages are written from
 * guest memory in place. The DISK section is the same over the disk's blocks.
 */
import { pages_index, checksum_update } from "../../pages/scan";
import { snapshotError } from "../failure";
import { Piece } from "../fs";
import { CHECKSUM_BYTES, lanesFinish, lanesStart } from "./checksum";
import { OutSection, SECTION_DISK, SECTION_MEMORY } from "./format";
import { disk_pages_index, wasi_disk_base, wasi_disk_blocks } from "../../wasi/disk-exports";

const PAGE: usize = 4096;
const ZERO_FLAG: u32 = 0x80000000;
const HEADER: usize = 64;
const TRAILER: usize = 16;

/** Bytes of the index with its padding: index and trailer together end on 64 bytes. */
function indexBytes(count: usize): usize {
  return ((count * 4 + TRAILER + 63) & ~<usize>63) - TRAILER;
}

/** A MEMORY section ready to write, and the buffer it owns (free with release() once written). */
export class MemorySection {
  constructor(public section: OutSection, public buffer: usize, public dataBytes: u64) {}

  release(): void {
    heap.free(this.buffer);
    heap.free(this.section.checksum);
  }
}

/**
 * A full section (every non-zero page) or a diff (every dirty page, zero or
 * not) of guest memory `addr` (a store address; -1 when the guest has none),
 * whose bytes lie at [base, base + bytes).
 */
export function memorySection(addr: i32, base: usize, bytes: usize, diff: bool): MemorySection {
  return pagesSection(SECTION_MEMORY, addr, base, bytes, diff);
}

/** The DISK section: the disk's non-zero blocks (full) or its dirty ones (diff), in the MEMORY layout. */
export function diskSection(diff: bool): MemorySection {
  return pagesSection(SECTION_DISK, -1, wasi_disk_base(), <usize>wasi_disk_blocks() * PAGE, diff);
}

/** A section of the pages at [base, base + bytes): guest memory `addr`, or the disk for SECTION_DISK. */
function pagesSection(id: u32, addr: i32, base: usize, bytes: usize, diff: bool): MemorySection {
  let pages = bytes / PAGE;
  let indexCap = indexBytes(pages) + TRAILER;
  let buf = heap.alloc(HEADER + indexCap);
  memory.fill(buf, 0, HEADER);
  store<u32>(buf, <u32>PAGE);
  store<u32>(buf, <u32>pages, 4);
  let lanes = lanesStart();
  checksum_update(lanes, buf, <u32>HEADER);
  let indexAt = buf + HEADER;
  let count = pages == 0 ? 0 : id == SECTION_DISK ? disk_pages_index(diff, indexAt, lanes) : addr >= 0 ? pages_index(<u32>addr, diff, indexAt, lanes) : 0;
  let pieces = new Array<Piece>();
  pieces.push(new Piece(buf, HEADER));
  let data: usize = 0;
  let n = <usize>count;
  for (let i: usize = 0; i < n; ) {
    // SAFETY: pages_index wrote `count` entries at indexAt, each a page index below `pages`.
    let first = load<u32>(indexAt + (i << 2));
    if (first & ZERO_FLAG) { i++; continue; }
    let j = i + 1;
    while (j < n) {
      let e = load<u32>(indexAt + (j << 2));
      if ((e & ZERO_FLAG) || e != load<u32>(indexAt + ((j - 1) << 2)) + 1) break;
      j++;
    }
    pieces.push(new Piece(base + <usize>first * PAGE, (j - i) * PAGE));
    data += j - i;
    i = j;
  }
  let tail = indexBytes(n) + TRAILER;
  memory.fill(indexAt + n * 4, 0, tail - n * 4);
  store<u32>(indexAt + indexBytes(n), <u32>n);
  store<u32>(indexAt + indexBytes(n), <u32>data, 4);
  checksum_update(lanes, indexAt, <u32>tail);
  pieces.push(new Piece(indexAt, tail));
  let length = <u64>HEADER + <u64>data * PAGE + <u64>tail;
  let sum = heap.alloc(CHECKSUM_BYTES);
  lanesFinish(lanes, length, sum);
  heap.free(lanes);
  return new MemorySection(new OutSection(id, pieces, length, sum), buf, <u64>data * PAGE);
}

function corrupt(message: string): bool {
  snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", message);
  return false;
}

/**
 * Writes the pages of a MEMORY payload into guest memory [base, base+bytes),
 * checking every record first so that a bad one changes nothing. Returns
 * false after recording the failure.
 */
export function applyMemory(payload: Piece, base: usize, bytes: usize, what: string): bool {
  let p = payload.ptr, len = payload.len;
  // SAFETY: every read below is at an offset checked against len first.
  if (len < HEADER || load<u32>(p) != <u32>PAGE) return corrupt(what + ": bad memory section");
  let pages = <usize>load<u32>(p, 4);
  if (len < HEADER + TRAILER) return corrupt(what + ": memory section cut short");
  let count = <usize>load<u32>(p + len - TRAILER);
  let data = <usize>load<u32>(p + len - TRAILER + 4);
  if (<u64>pages * PAGE > <u64>bytes) {
    return corrupt(what + ": memory of " + pages.toString() + " pages does not fit the guest's " + (bytes / PAGE).toString());
  }
  if (count > pages || data > count || <u64>len != <u64>HEADER + <u64>data * PAGE + <u64>indexBytes(count) + TRAILER) {
    return corrupt(what + ": memory records do not match their size");
  }
  let indexAt = p + HEADER + data * PAGE;
  let seen: usize = 0;
  for (let i: usize = 0; i < count; i++) {
    let word = load<u32>(indexAt + (i << 2));
    let page = <usize>(word & ~ZERO_FLAG);
    if (page >= pages) return corrupt(what + ": page " + page.toString() + " beyond the memory");
    if (!(word & ZERO_FLAG)) seen++;
  }
  if (seen != data) return corrupt(what + ": " + seen.toString() + " data pages listed, " + data.toString() + " announced");
  let at = p + HEADER;
  for (let i: usize = 0; i < count; i++) {
    let word = load<u32>(indexAt + (i << 2));
    // SAFETY: page < pages and pages * PAGE <= bytes, checked above.
    let to = base + <usize>(word & ~ZERO_FLAG) * PAGE;
    if (word & ZERO_FLAG) memory.fill(to, 0, PAGE);
    else { memory.copy(to, at, PAGE); at += PAGE; }
  }
  return true;
}
