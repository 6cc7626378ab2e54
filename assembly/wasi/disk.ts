/**
 * The guest's virtual disk: a block device of 4 KiB blocks in VMM memory
 * with a file system on it, so that every file and directory is in the
 * image itself and the image (with the open descriptors, files.ts) is all
 * a checkpoint or a migration must carry. Each block written is marked in
 * the disk's own dirty map (one byte per block), as guest memory's pages are.
 *
 *   block 0          superblock: u32 magic "WMFS", u32 version, u32 block
 *                    count, u32 inode count, u32 first bitmap block, u32
 *                    first inode block, u32 first data block
 *   bitmap blocks    one bit per block, 1 = in use (metadata blocks too)
 *   inode blocks     INODE_BYTES per inode; inode 0 is never used, 1 is the root
 *   data blocks      file contents, directories, indirect blocks
 *
 *   inode            u16 file type (0 free), u16 links, u32 parent (directories),
 *                    u64 size, u64 atime, u64 mtime, u64 ctime,
 *                    u32 direct[20], u32 indirect, u32 double indirect
 *
 * Little-endian. Block number 0 in a pointer means "no block" (a hole reads
 * as zeros). An image loaded from outside is hostile: every block number is
 * checked against the block count before it is used (blockAddr).
 */
import { FileType } from "./errno";

export const BLOCK: u32 = 4096;
export const BLOCK_SHIFT: u32 = 12;
export const INODE_BYTES: u32 = 128;
export const DIRECT: u32 = 20;
export const PTRS_PER_BLOCK: u32 = BLOCK / 4;
export const ROOT_INODE: u32 = 1;
/** Smallest and largest disk: 64 KiB and 1 GiB. */
export const MIN_BLOCKS: u32 = 16;
export const MAX_BLOCKS: u32 = 1 << 18;
const MAGIC: u32 = 0x53464d57; // "WMFS"
const VERSION: u32 = 1;

export namespace Ino {
  export const Type: u32 = 0;
  export const Links: u32 = 2;
  export const Parent: u32 = 4;
  export const Size: u32 = 8;
  export const Atime: u32 = 16;
  export const Mtime: u32 = 24;
  export const Ctime: u32 = 32;
  export const Direct: u32 = 40;
  export const Indirect: u32 = 120;
  export const Double: u32 = 124;
}

/** Inodes of a disk of `blocks`: a quarter of its blocks, in whole inode blocks, at least 32. */
export function inodesFor(blocks: u32): u32 { return max<u32>(32, (blocks / 4 + 31) & ~31); }

/** Where inode numbers outside the table lead (inodeAddr). */
let scratchInode: usize = 0;

export class Disk {
  /** VMM address of block 0 and of the dirty map (a byte per block). */
  base: usize = 0;
  dirty: usize = 0;
  blocks: u32 = 0;
  inodes: u32 = 0;
  bitmapStart: u32 = 0;
  inodeStart: u32 = 0;
  dataStart: u32 = 0;

  /** A zeroed disk of `blocks` blocks, not yet formatted. */
  constructor(blocks: u32) {
    this.blocks = blocks;
    this.base = heap.alloc(<usize>blocks << BLOCK_SHIFT);
    memory.fill(this.base, 0, <usize>blocks << BLOCK_SHIFT);
    this.dirty = heap.alloc(blocks);
    memory.fill(this.dirty, 0, blocks);
  }

  dispose(): void {
    heap.free(this.base);
    heap.free(this.dirty);
  }

  get bytes(): u64 { return <u64>this.blocks << BLOCK_SHIFT; }

  /** The address of block `b` for reading; 0 for "no block" or a number outside the disk. */
  blockAddr(b: u32): usize {
    if (b == 0 || b >= this.blocks) return 0;
    return this.base + (<usize>b << BLOCK_SHIFT);
  }

  /** The address of block `b`, marked dirty, for writing; 0 as blockAddr. */
  blockForWrite(b: u32): usize {
    let a = this.blockAddr(b);
    // SAFETY: b < blocks, and the dirty map has a byte per block.
    if (a) store<u8>(this.dirty + b, 1);
    return a;
  }

  /** Lays out an empty file system with its root directory. */
  format(now: u64): void {
    let bitmapBlocks = (this.blocks + BLOCK * 8 - 1) / (BLOCK * 8);
    let inodes = inodesFor(this.blocks);
    let inodeBlocks = inodes * INODE_BYTES / BLOCK;
    this.setLayout(inodes, 1, 1 + bitmapBlocks, 1 + bitmapBlocks + inodeBlocks);
    // Block 0 is the superblock: blockForWrite refuses it, so it is marked here.
    store<u8>(this.dirty, 1);
    store<u32>(this.base, MAGIC);
    store<u32>(this.base + 4, VERSION);
    store<u32>(this.base + 8, this.blocks);
    store<u32>(this.base + 12, inodes);
    store<u32>(this.base + 16, this.bitmapStart);
    store<u32>(this.base + 20, this.inodeStart);
    store<u32>(this.base + 24, this.dataStart);
    for (let b: u32 = 0; b < this.dataStart; b++) this.setUsed(b, true);
    let root = this.inodeForWrite(ROOT_INODE);
    store<u16>(root + Ino.Type, FileType.Directory);
    store<u16>(root + Ino.Links, 2);
    store<u32>(root + Ino.Parent, ROOT_INODE);
    this.touch(ROOT_INODE, now, true);
  }

  setLayout(inodes: u32, bitmapStart: u32, inodeStart: u32, dataStart: u32): void {
    this.inodes = inodes;
    this.bitmapStart = bitmapStart;
    this.inodeStart = inodeStart;
    this.dataStart = dataStart;
  }

  /**
   * Checks the superblock of an image the embedder filled in and adopts its
   * layout; returns why it is unusable, or null. The rest of the image is
   * checked by disk-check.ts (mountChecked), which every loaded image goes
   * through.
   */
  mountImage(): string | null {
    let b = this.base;
    if (load<u32>(b) != MAGIC) return "not a wasmotion disk image";
    if (load<u32>(b + 4) != VERSION) return "unsupported disk image version";
    if (load<u32>(b + 8) != this.blocks) return "the image's block count does not match its size";
    let inodes = load<u32>(b + 12);
    let bitmapStart = load<u32>(b + 16);
    let inodeStart = load<u32>(b + 20);
    let dataStart = load<u32>(b + 24);
    let bitmapBlocks = (this.blocks + BLOCK * 8 - 1) / (BLOCK * 8);
    // Version 1 images have the inode count format() gives their size.
    if (inodes != inodesFor(this.blocks)) return "bad inode count";
    if (bitmapStart != 1 || inodeStart != 1 + bitmapBlocks) return "bad layout";
    if (<u64>dataStart != <u64>inodeStart + <u64>inodes * INODE_BYTES / BLOCK || dataStart >= this.blocks) return "bad layout";
    this.setLayout(inodes, bitmapStart, inodeStart, dataStart);
    if (this.fileType(ROOT_INODE) != FileType.Directory) return "the root is not a directory";
    return null;
  }

  // ---- block bitmap ----

  isUsed(b: u32): bool {
    // SAFETY: b < blocks, and the bitmap blocks cover every block (format, mountImage).
    let a = this.base + (<usize>this.bitmapStart << BLOCK_SHIFT) + (<usize>b >> 3);
    return ((load<u8>(a) >> <u8>(b & 7)) & 1) != 0;
  }

  private setUsed(b: u32, used: bool): void {
    let off = <usize>this.bitmapStart * BLOCK + (<usize>b >> 3);
    let a = this.base + off;
    store<u8>(this.dirty + <usize>(off >> BLOCK_SHIFT), 1);
    let v = load<u8>(a);
    store<u8>(a, used ? v | (<u8>1 << <u8>(b & 7)) : v & ~(<u8>1 << <u8>(b & 7)));
  }

  /** A zeroed free block, now in use; 0 when the disk is full. */
  allocBlock(): u32 {
    for (let b = this.dataStart; b < this.blocks; b++) {
      if (this.isUsed(b)) continue;
      this.setUsed(b, true);
      memory.fill(this.blockForWrite(b), 0, BLOCK);
      return b;
    }
    return 0;
  }

  freeBlock(b: u32): void {
    if (b >= this.dataStart && b < this.blocks) this.setUsed(b, false);
  }

  freeBlocks(): u32 {
    let n: u32 = 0;
    for (let b = this.dataStart; b < this.blocks; b++) if (!this.isUsed(b)) n++;
    return n;
  }

  // ---- inodes ----

  /** Whether `ino` names an inode of the table (0 never does). */
  hasInode(ino: u32): bool {
    return ino != 0 && ino < this.inodes;
  }

  /**
   * The address of inode `ino` for reading. A number outside the table (a
   * hostile image's directory entry or parent pointer) gets a freshly zeroed
   * scratch inode instead, a free one: whatever is read or written through
   * it touches nothing else.
   */
  inodeAddr(ino: u32): usize {
    if (!this.hasInode(ino)) {
      if (!scratchInode) scratchInode = heap.alloc(INODE_BYTES);
      memory.fill(scratchInode, 0, INODE_BYTES);
      return scratchInode;
    }
    return this.base + (<usize>this.inodeStart << BLOCK_SHIFT) + <usize>ino * INODE_BYTES;
  }

  inodeForWrite(ino: u32): usize {
    // SAFETY: ino < inodes, so its inode block is inside the disk and has a byte in the dirty map.
    if (this.hasInode(ino)) store<u8>(this.dirty + this.inodeStart + ino * INODE_BYTES / BLOCK, 1);
    return this.inodeAddr(ino);
  }

  /** The file type of inode `ino` (FileType), 0 when free or out of range. */
  fileType(ino: u32): u8 {
    return <u8>load<u16>(this.inodeAddr(ino) + Ino.Type);
  }

  /** A fresh inode of `type`; 0 when the table is full. */
  allocInode(type: u8, now: u64): u32 {
    for (let ino: u32 = 2; ino < this.inodes; ino++) {
      if (this.fileType(ino) != 0) continue;
      let a = this.inodeForWrite(ino);
      memory.fill(a, 0, INODE_BYTES);
      store<u16>(a + Ino.Type, type);
      store<u16>(a + Ino.Links, 1);
      this.touch(ino, now, true);
      return ino;
    }
    return 0;
  }

  freeInode(ino: u32): void {
    memory.fill(this.inodeForWrite(ino), 0, INODE_BYTES);
  }

  size(ino: u32): u64 { return load<u64>(this.inodeAddr(ino) + Ino.Size); }

  setSize(ino: u32, size: u64): void { store<u64>(this.inodeForWrite(ino) + Ino.Size, size); }

  /** Sets the modification and change times (and the access time when `all`). */
  touch(ino: u32, now: u64, all: bool): void {
    let a = this.inodeForWrite(ino);
    store<u64>(a + Ino.Mtime, now);
    store<u64>(a + Ino.Ctime, now);
    if (all) store<u64>(a + Ino.Atime, now);
  }
}
