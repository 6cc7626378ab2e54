/**
 * File contents on the virtual disk (disk.ts): which block holds byte `n`
 * of an inode (20 direct pointers, then one indirect and one double
 * indirect block of 1,024 pointers each), reading, writing and truncating.
 * Directories are files of DIRENT_BYTES records (dir.ts), so they use the
 * same code.
 */
import { BLOCK, BLOCK_SHIFT, DIRECT, Disk, Ino, PTRS_PER_BLOCK } from "./disk";

/** Largest file: what the pointers of one inode can reach. */
export const MAX_FILE_BYTES: u64 = (<u64>DIRECT + PTRS_PER_BLOCK + <u64>PTRS_PER_BLOCK * PTRS_PER_BLOCK) << BLOCK_SHIFT;

/** Why a data operation stopped short. */
export namespace DataStatus {
  export const Ok: i32 = 0;
  export const Full: i32 = 1; // no free block left
  export const Corrupt: i32 = 2; // a pointer names a block outside the disk
}

/** Set by the functions below when they stop short. */
export let dataStatus: i32 = DataStatus.Ok;

/**
 * The pointer slot of `slotIndex` in the pointer block `holder` points to,
 * reading (alloc false: 0 when absent) or allocating what is missing.
 */
function follow(d: Disk, holder: u32, slotIndex: u32, alloc: bool): u32 {
  let a = d.blockAddr(holder);
  if (!a) { dataStatus = DataStatus.Corrupt; return 0; }
  // SAFETY: slotIndex < PTRS_PER_BLOCK, inside the block.
  let b = load<u32>(a + (<usize>slotIndex << 2));
  if (b != 0 || !alloc) return b;
  b = d.allocBlock();
  if (b == 0) { dataStatus = DataStatus.Full; return 0; }
  store<u32>(d.blockForWrite(holder) + (<usize>slotIndex << 2), b);
  return b;
}

/** The pointer stored at inode field `field`, allocating a block if `alloc` and none is there. */
function inodePointer(d: Disk, ino: u32, field: u32, alloc: bool): u32 {
  let b = load<u32>(d.inodeAddr(ino) + field);
  if (b != 0 || !alloc) return b;
  b = d.allocBlock();
  if (b == 0) { dataStatus = DataStatus.Full; return 0; }
  store<u32>(d.inodeForWrite(ino) + field, b);
  return b;
}

/** The disk block holding block `n` of the file; 0 for a hole (or a failure, in dataStatus, when allocating). */
export function mapBlock(d: Disk, ino: u32, n: u32, alloc: bool): u32 {
  if (n < DIRECT) return inodePointer(d, ino, Ino.Direct + n * 4, alloc);
  n -= DIRECT;
  if (n < PTRS_PER_BLOCK) {
    let ind = inodePointer(d, ino, Ino.Indirect, alloc);
    return ind ? follow(d, ind, n, alloc) : 0;
  }
  n -= PTRS_PER_BLOCK;
  let dbl = inodePointer(d, ino, Ino.Double, alloc);
  if (!dbl) return 0;
  let ind = follow(d, dbl, n / PTRS_PER_BLOCK, alloc);
  return ind ? follow(d, ind, n % PTRS_PER_BLOCK, alloc) : 0;
}

/** Copies up to `len` bytes from `off` of the file to VMM address `dst`; returns how many (fewer at the end of the file). */
export function readData(d: Disk, ino: u32, off: u64, dst: usize, len: u32): u32 {
  let size = d.size(ino);
  if (off >= size) return 0;
  let n = <u32>min<u64>(<u64>len, size - off);
  let done: u32 = 0;
  while (done < n) {
    let pos = off + done;
    let within = <u32>(pos & (BLOCK - 1));
    let chunk = min(n - done, BLOCK - within);
    let a = d.blockAddr(mapBlock(d, ino, <u32>(pos >> BLOCK_SHIFT), false));
    if (a) memory.copy(dst + done, a + within, chunk);
    else memory.fill(dst + done, 0, chunk);
    done += chunk;
  }
  return n;
}

/**
 * Writes `len` bytes from VMM address `src` at `off`, growing the file;
 * returns how many were written (fewer when the disk filled up: dataStatus).
 */
export function writeData(d: Disk, ino: u32, off: u64, src: usize, len: u32): u32 {
  dataStatus = DataStatus.Ok;
  let done: u32 = 0;
  while (done < len) {
    let pos = off + done;
    let within = <u32>(pos & (BLOCK - 1));
    let chunk = min(len - done, BLOCK - within);
    let b = mapBlock(d, ino, <u32>(pos >> BLOCK_SHIFT), true);
    let a = d.blockForWrite(b);
    if (!a) { if (dataStatus == DataStatus.Ok) dataStatus = DataStatus.Corrupt; break; }
    memory.copy(a + within, src + done, chunk);
    done += chunk;
  }
  if (off + done > d.size(ino)) d.setSize(ino, off + done);
  return done;
}

/** Frees the pointer block `b` and, below it, `depth` more levels of pointer blocks and their data blocks from index `from` on. */
function freeTree(d: Disk, b: u32, depth: u32, from: u64): bool {
  let a = d.blockAddr(b);
  if (!a) return false;
  let span: u64 = depth == 0 ? 1 : PTRS_PER_BLOCK;
  for (let i: u32 = 0; i < PTRS_PER_BLOCK; i++) {
    let first = <u64>i * span;
    if (first + span <= from) continue;
    let child = load<u32>(a + (<usize>i << 2));
    if (child == 0) continue;
    if (depth > 0) {
      let childFrom = from > first ? from - first : 0;
      if (!freeTree(d, child, depth - 1, childFrom) || childFrom > 0) continue;
    }
    d.freeBlock(child);
    store<u32>(d.blockForWrite(b) + (<usize>i << 2), 0);
  }
  return true;
}

/** Frees the inode pointer at `field` (a tree of `depth` levels covering file blocks from `base`) for blocks from `keep` on. */
function truncatePointer(d: Disk, ino: u32, field: u32, depth: u32, base: u64, keep: u64): void {
  let b = load<u32>(d.inodeAddr(ino) + field);
  if (b == 0) return;
  let from = keep > base ? keep - base : 0;
  if (depth == 0) {
    if (from > 0) return;
    d.freeBlock(b);
  } else {
    if (!freeTree(d, b, depth - 1, from) || from > 0) return;
    d.freeBlock(b);
  }
  store<u32>(d.inodeForWrite(ino) + field, 0);
}

/** Sets the file's size: blocks past it are freed, the tail of its last block zeroed; growing leaves a hole. */
export function truncateData(d: Disk, ino: u32, size: u64): void {
  let keep = (size + BLOCK - 1) >> BLOCK_SHIFT;
  if (size & (BLOCK - 1)) {
    let a = d.blockForWrite(mapBlock(d, ino, <u32>(size >> BLOCK_SHIFT), false));
    let within = <u32>(size & (BLOCK - 1));
    if (a) memory.fill(a + within, 0, BLOCK - within);
  }
  for (let i: u32 = 0; i < DIRECT; i++) truncatePointer(d, ino, Ino.Direct + i * 4, 0, <u64>i, keep);
  truncatePointer(d, ino, Ino.Indirect, 1, DIRECT, keep);
  truncatePointer(d, ino, Ino.Double, 2, <u64>DIRECT + PTRS_PER_BLOCK, keep);
  d.setSize(ino, size);
}
