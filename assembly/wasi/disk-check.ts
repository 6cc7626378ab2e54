/**
 * Checks of a disk image loaded from outside (an embedder's image, a
 * checkpoint, a migration's pre-copy, a snapshot's DISK sections) beyond
 * its superblock (Disk.mountImage): an image is hostile, and one that
 * passes is one the file calls can work on as on an image they wrote.
 *
 *   bitmap        the superblock, bitmap and inode blocks are marked in use
 *   inodes        inode 0 free; every inode in use a directory or a regular
 *                 file, its size at most MAX_FILE_BYTES (a directory's a
 *                 whole number of records, in blocks without holes: the
 *                 record walks below take time bounded by the disk's size)
 *   block lists   every pointer (direct, indirect, double indirect, and in
 *                 the pointer blocks) names a data block marked in use, no
 *                 block is named twice (by one inode or two), no data block
 *                 lies past its file's size
 *   directories   every record names an inode in use (never the root),
 *                 with a name of 1 to NAME_MAX bytes, no "/" or NUL, not
 *                 "." or ".."; a directory named by a record has that
 *                 directory as its parent
 *   link counts   a file's links equal the records naming it; a directory
 *                 is named once (twice or more is refused) and has 2 + its
 *                 subdirectories links, or is named by none (a removed
 *                 directory still open) and has one per subdirectory made
 *                 in it since; the root is named by none,
 *                 is its own parent and has 2 + its subdirectories
 *   tree          every directory named by a record is reached from the
 *                 root or from a removed directory still open: no cycles
 *
 * Blocks marked in use that nothing names are tolerated (space lost, not
 * a danger). Each check runs in bounded time and memory (a byte per block,
 * a word and a byte per inode); a failure leaves the disk as it was.
 */
import { BLOCK, BLOCK_SHIFT, DIRECT, Disk, Ino, PTRS_PER_BLOCK, ROOT_INODE } from "./disk";
import { MAX_FILE_BYTES } from "./disk-data";
import { DIRENT_BYTES, NAME_MAX, readRecord, recordIno, recordName, recordRawNameLen } from "./dir";
import { FileType } from "./errno";

/** Checks the superblock, then everything above; adopts the image's layout only when all hold. Returns why it is unusable, or null. */
export function mountChecked(d: Disk): string | null {
  let inodes = d.inodes, bitmapStart = d.bitmapStart, inodeStart = d.inodeStart, dataStart = d.dataStart;
  let err = d.mountImage();
  if (err === null) err = checkImage(d);
  if (err !== null) d.setLayout(inodes, bitmapStart, inodeStart, dataStart);
  return err;
}

/** Per-inode counts: the records naming it (low 16 bits) and its subdirectories (high 16). */
const NAMES_MASK: u32 = 0xffff;

class Scratch {
  /** A byte per block: named by a block list already. */
  claimed: usize;
  /** A word per inode: names and subdirectories (NAMES_MASK). */
  counts: usize;
  /** A byte per inode: reached from the root or a removed directory. */
  reached: usize;
  /** Directories to visit, a word per inode. */
  queue: usize;

  constructor(d: Disk) {
    this.claimed = heap.alloc(d.blocks);
    memory.fill(this.claimed, 0, d.blocks);
    this.counts = heap.alloc(<usize>d.inodes << 2);
    memory.fill(this.counts, 0, <usize>d.inodes << 2);
    this.reached = heap.alloc(d.inodes);
    memory.fill(this.reached, 0, d.inodes);
    this.queue = heap.alloc(<usize>d.inodes << 2);
  }

  dispose(): void {
    heap.free(this.claimed);
    heap.free(this.counts);
    heap.free(this.reached);
    heap.free(this.queue);
  }

  // SAFETY (the four below): ino < inodes, checked by every caller (Disk.hasInode or a loop bound).
  names(ino: u32): u32 { return load<u32>(this.counts + (<usize>ino << 2)) & NAMES_MASK; }
  subdirs(ino: u32): u32 { return load<u32>(this.counts + (<usize>ino << 2)) >>> 16; }
  add(ino: u32, v: u32): void { let a = this.counts + (<usize>ino << 2); store<u32>(a, load<u32>(a) + v); }
  isReached(ino: u32): bool { return load<u8>(this.reached + ino) != 0; }
}

function checkImage(d: Disk): string | null {
  let s = new Scratch(d);
  let err = checkBitmap(d);
  if (err === null) err = checkInodes(d, s);
  if (err === null) err = checkDirectories(d, s);
  if (err === null) err = checkLinks(d, s);
  if (err === null) err = checkTree(d, s);
  s.dispose();
  return err;
}

function checkBitmap(d: Disk): string | null {
  for (let b: u32 = 0; b < d.dataStart; b++) if (!d.isUsed(b)) return "metadata block " + b.toString() + " is marked free";
  return null;
}

function inodeError(ino: u32, what: string): string { return "inode " + ino.toString() + " " + what; }

function recordError(dir: u32, i: u32, what: string): string { return "directory " + dir.toString() + " record " + i.toString() + " " + what; }

function checkInodes(d: Disk, s: Scratch): string | null {
  // SAFETY: the inode table starts inside the disk (mountImage checked the layout); inode 0 is its first entry.
  if (load<u16>(d.base + (<usize>d.inodeStart << BLOCK_SHIFT) + Ino.Type) != 0) return "inode 0 is in use";
  for (let ino: u32 = 1; ino < d.inodes; ino++) {
    let type = d.fileType(ino);
    if (type == 0) continue;
    if (type != FileType.Directory && type != FileType.RegularFile) return inodeError(ino, "has an unknown type");
    let size = d.size(ino);
    if (size > MAX_FILE_BYTES) return inodeError(ino, "is larger than a file can be");
    if (type == FileType.Directory && size % DIRENT_BYTES != 0) return inodeError(ino, "is a directory of a partial record");
    let limit = (size + BLOCK - 1) >> BLOCK_SHIFT;
    dataBlocks = 0;
    let err = checkBlockList(d, s, ino, limit);
    if (err !== null) return err;
    // Records are only ever appended: a directory has no holes, so its size is bounded by the disk's.
    if (type == FileType.Directory && <u64>dataBlocks != limit) return inodeError(ino, "is a directory with holes");
  }
  return null;
}

/** Data blocks claimed for the inode being checked. */
let dataBlocks: u32 = 0;

/**
 * Claims block `b` for inode `ino`: a data block of the file at `fileBlock`
 * (past `limit`, the blocks its size covers, there must be none), or a
 * pointer block (`fileBlock` -1: one allocated for a write that then found
 * the disk full may cover nothing yet).
 */
function claim(d: Disk, s: Scratch, ino: u32, b: u32, fileBlock: i64, limit: u64): string | null {
  if (b < d.dataStart || b >= d.blocks) return inodeError(ino, "names block " + b.toString() + ", outside the data blocks");
  if (!d.isUsed(b)) return inodeError(ino, "names block " + b.toString() + ", which is marked free");
  // SAFETY: b < blocks, and claimed has a byte per block.
  if (load<u8>(s.claimed + b) != 0) return "block " + b.toString() + " is named twice (again by inode " + ino.toString() + ")";
  store<u8>(s.claimed + b, 1);
  if (fileBlock >= 0 && <u64>fileBlock >= limit) return inodeError(ino, "has block " + b.toString() + " past its size");
  if (fileBlock >= 0) dataBlocks++;
  return null;
}

/** Claims the pointers of pointer block `b` (checked already): data blocks from file block `first` on, or (depth 1) pointer blocks of 1,024 each. */
function claimPointers(d: Disk, s: Scratch, ino: u32, b: u32, depth: u32, first: u64, limit: u64): string | null {
  let a = d.blockAddr(b);
  for (let i: u32 = 0; i < PTRS_PER_BLOCK; i++) {
    // SAFETY: a is a block inside the disk (claim checked b), i < PTRS_PER_BLOCK.
    let child = load<u32>(a + (<usize>i << 2));
    if (child == 0) continue;
    let err: string | null;
    if (depth == 0) err = claim(d, s, ino, child, <i64>(first + i), limit);
    else {
      err = claim(d, s, ino, child, -1, limit);
      if (err === null) err = claimPointers(d, s, ino, child, 0, first + <u64>i * PTRS_PER_BLOCK, limit);
    }
    if (err !== null) return err;
  }
  return null;
}

function checkBlockList(d: Disk, s: Scratch, ino: u32, limit: u64): string | null {
  let a = d.inodeAddr(ino);
  for (let i: u32 = 0; i < DIRECT; i++) {
    let b = load<u32>(a + Ino.Direct + i * 4);
    if (b == 0) continue;
    let err = claim(d, s, ino, b, <i64>i, limit);
    if (err !== null) return err;
  }
  let ind = load<u32>(a + Ino.Indirect);
  if (ind != 0) {
    let err = claim(d, s, ino, ind, -1, limit);
    if (err === null) err = claimPointers(d, s, ino, ind, 0, DIRECT, limit);
    if (err !== null) return err;
  }
  let dbl = load<u32>(a + Ino.Double);
  if (dbl != 0) {
    let err = claim(d, s, ino, dbl, -1, limit);
    if (err === null) err = claimPointers(d, s, ino, dbl, 1, <u64>DIRECT + PTRS_PER_BLOCK, limit);
    if (err !== null) return err;
  }
  return null;
}

function badName(p: usize, len: u32): bool {
  if (len == 0 || len > NAME_MAX) return true;
  if (load<u8>(p) == 0x2e && (len == 1 || (len == 2 && load<u8>(p + 1) == 0x2e))) return true;
  // SAFETY: len <= NAME_MAX, inside the scratch record's name field.
  for (let i: u32 = 0; i < len; i++) { let c = load<u8>(p + i); if (c == 0x2f || c == 0) return true; }
  return false;
}

/** Counts the records naming each inode and each directory's subdirectories, checking every record. */
function checkDirectories(d: Disk, s: Scratch): string | null {
  for (let dir: u32 = 1; dir < d.inodes; dir++) {
    if (d.fileType(dir) != FileType.Directory) continue;
    let n = <u32>(d.size(dir) / DIRENT_BYTES);
    for (let i: u32 = 0; i < n; i++) {
      readRecord(d, dir, i);
      let ino = recordIno();
      if (ino == 0) continue;
      if (!d.hasInode(ino) || d.fileType(ino) == 0) return recordError(dir, i, "names a free or missing inode");
      if (ino == ROOT_INODE) return recordError(dir, i, "names the root");
      if (badName(recordName(), recordRawNameLen())) return recordError(dir, i, "has a bad name");
      if (s.names(ino) == NAMES_MASK) return inodeError(ino, "is named too often");
      s.add(ino, 1);
      if (d.fileType(ino) == FileType.Directory) {
        if (load<u32>(d.inodeAddr(ino) + Ino.Parent) != dir) return recordError(dir, i, "names a directory whose parent is another");
        if (s.subdirs(dir) == NAMES_MASK) return inodeError(dir, "has too many subdirectories");
        s.add(dir, 1 << 16);
      }
    }
  }
  return null;
}

function checkLinks(d: Disk, s: Scratch): string | null {
  for (let ino: u32 = 1; ino < d.inodes; ino++) {
    let type = d.fileType(ino);
    if (type == 0) continue;
    let links = <u32>load<u16>(d.inodeAddr(ino) + Ino.Links);
    let names = s.names(ino);
    if (type == FileType.RegularFile) {
      if (links != names) return inodeError(ino, "has " + links.toString() + " links and " + names.toString() + " names");
      continue;
    }
    if (names > 1) return inodeError(ino, "is a directory named " + names.toString() + " times");
    // A removed directory still open had its links set to 0; directories made in it since count 1 each.
    let expected = names == 0 && ino != ROOT_INODE ? s.subdirs(ino) : 2 + s.subdirs(ino);
    if (links != expected) return inodeError(ino, "is a directory with " + links.toString() + " links, not " + expected.toString());
  }
  if (load<u32>(d.inodeAddr(ROOT_INODE) + Ino.Parent) != ROOT_INODE) return "the root's parent is not the root";
  return null;
}

/** Walks the directories from the root and from every removed directory; every directory named by a record must be reached. */
function checkTree(d: Disk, s: Scratch): string | null {
  let tail: u32 = 0;
  for (let ino: u32 = 1; ino < d.inodes; ino++) {
    if (d.fileType(ino) != FileType.Directory || s.names(ino) != 0) continue;
    // SAFETY: each directory enters the queue once (reached is set first), so tail < inodes.
    store<u8>(s.reached + ino, 1);
    store<u32>(s.queue + (<usize>tail << 2), ino);
    tail++;
  }
  for (let head: u32 = 0; head < tail; head++) {
    let dir = load<u32>(s.queue + (<usize>head << 2));
    let n = <u32>(d.size(dir) / DIRENT_BYTES);
    for (let i: u32 = 0; i < n; i++) {
      readRecord(d, dir, i);
      let ino = recordIno();
      // Records were checked (checkDirectories): a non-zero one names an inode in use.
      if (ino == 0 || d.fileType(ino) != FileType.Directory || s.isReached(ino)) continue;
      store<u8>(s.reached + ino, 1);
      store<u32>(s.queue + (<usize>tail << 2), ino);
    tail++;
    }
  }
  for (let ino: u32 = 1; ino < d.inodes; ino++) {
    if (d.fileType(ino) == FileType.Directory && !s.isReached(ino)) return inodeError(ino, "is a directory the root does not reach (a cycle)");
  }
  return null;
}
