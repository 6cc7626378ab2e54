/**
 * Save and restore of the disk device (disk.ts, files.ts), part of the WASI
 * section of a checkpoint (persist.ts, from WASI state version 1.2):
 *
 *   u8  disk: 0 none, 1 image inside, 2 image held outside (version 1.3 and later)
 *   u32 block count B
 *   if 1: u32 count K of blocks that are not all zeros, then K x (u32 block, 4096 bytes)
 *   u32 descriptor count N, then N x:
 *       u32 fd, u32 inode, u64 position, u32 fd flags, u8 access bits (1 read, 2 write),
 *       u32 preopen name length, the name (UTF-8; empty but for the preopened root)
 *
 * The image carries every file and directory; the descriptors carry what a
 * guest holds open. An image held outside travelled another way (a
 * migration's pre-copy, a snapshot's DISK section): the embedder has put it
 * into the VMM's disk (wasi_disk_create, wasi_disk_base) before the restore,
 * which keeps that disk, checking its size. A checkpoint is hostile: the
 * image is checked as a loaded image is (Disk.mountImage), descriptors
 * against the image and the descriptor table, before anything is changed.
 */
import { ByteReader, ByteWriter } from "../checkpoint/bytes";
import { BLOCK, BLOCK_SHIFT, Disk, MAX_BLOCKS, MIN_BLOCKS } from "./disk";
import { mountChecked } from "./disk-check";
import { FileType } from "./errno";
import { FileFd } from "./files";
import { FIRST_SOCKET_FD, SocketTable } from "./sockets";

export namespace DiskIn {
  export const None: u8 = 0;
  export const Inside: u8 = 1;
  export const Outside: u8 = 2;
}

/** Set by the embedder (wasi_disk_keep_outside): checkpoints leave the image out. */
export let keepImageOutside = false;

export function setKeepImageOutside(on: bool): void { keepImageOutside = on; }

function isZeroBlock(a: usize): bool {
  // SAFETY: `a` is the start of a block inside the disk; BLOCK is a multiple of 8.
  for (let off: usize = 0; off < BLOCK; off += 8) if (load<u64>(a + off) != 0) return false;
  return true;
}

function saveImage(w: ByteWriter, d: Disk): void {
  let count: u32 = 0;
  for (let b: u32 = 0; b < d.blocks; b++) if (!isZeroBlock(d.base + (<usize>b << BLOCK_SHIFT))) count++;
  w.u32(count);
  for (let b: u32 = 0; b < d.blocks; b++) {
    let a = d.base + (<usize>b << BLOCK_SHIFT);
    if (isZeroBlock(a)) continue;
    w.u32(b);
    w.bytes(a, BLOCK);
  }
}

function saveDescriptors(w: ByteWriter, t: SocketTable): void {
  let files = new Array<FileFd>();
  let fds = new Array<u32>();
  for (let i = 0; i < t.fds.length; i++) {
    let s = t.fds[i];
    if (s !== null && s.isFile) { files.push(changetype<FileFd>(s)); fds.push(<u32>i + FIRST_SOCKET_FD); }
  }
  w.u32(<u32>files.length);
  for (let i = 0; i < files.length; i++) {
    let f = files[i];
    w.u32(fds[i]);
    w.u32(f.ino);
    w.u64(f.pos);
    w.u32(f.fdFlags);
    w.u8((f.canRead ? 1 : 0) | (f.canWrite ? 2 : 0));
    let name = String.UTF8.encode(f.preopen);
    w.u32(<u32>name.byteLength);
    w.bytes(changetype<usize>(name), name.byteLength);
  }
}

/** Writes the disk; `outside`: its size and descriptors only, the image left to travel another way. */
export function saveFiles(w: ByteWriter, d: Disk | null, t: SocketTable, outside: bool): void {
  w.u8(d === null ? DiskIn.None : outside ? DiskIn.Outside : DiskIn.Inside);
  if (d === null) return;
  w.u32(d.blocks);
  if (!outside) saveImage(w, d);
  saveDescriptors(w, t);
}

/** A new disk of `blocks` holding the image that follows in `r`; null with r's error set. */
function restoreImage(r: ByteReader, blocks: u32): Disk | null {
  let count = r.count(4 + BLOCK);
  if (r.failed) return null;
  let d = new Disk(blocks);
  let last: i64 = -1;
  for (let i: u32 = 0; i < count; i++) {
    let b = r.u32();
    let src = r.bytes(BLOCK);
    if (r.failed || b >= blocks || <i64>b <= last) { r.fail("bad disk block list"); d.dispose(); return null; }
    last = <i64>b;
    memory.copy(d.base + (<usize>b << BLOCK_SHIFT), src, BLOCK);
  }
  return d;
}

function restoreDescriptors(r: ByteReader, d: Disk, t: SocketTable): void {
  let n = r.count(25);
  for (let i: u32 = 0; i < n && !r.failed; i++) {
    let fd = r.u32();
    let f = new FileFd(r.u32());
    f.pos = r.u64();
    f.fdFlags = <u16>r.u32();
    let access = r.u8();
    f.canRead = (access & 1) != 0;
    f.canWrite = (access & 2) != 0;
    let len = r.count(1);
    let name = r.bytes(len);
    if (r.failed) break;
    f.preopen = String.UTF8.decodeUnsafe(name, len);
    let type = d.fileType(f.ino);
    if (type != FileType.Directory && type != FileType.RegularFile) { r.fail("a descriptor names no file"); break; }
    if (!t.placeFd(<i32>fd, f)) { r.fail("a file descriptor number is taken or out of range"); break; }
  }
}

/**
 * The restored disk (null when the checkpoint has none), with its
 * descriptors placed in `t`; sets r's error and returns null on failure.
 * `present` is the disk already in the VMM: an image held outside is that
 * one, which is then returned (and never disposed here); `outsideAllowed`
 * is false for states before 1.3, which cannot say so.
 */
export function restoreFiles(r: ByteReader, t: SocketTable, present: Disk | null, outsideAllowed: bool): Disk | null {
  let mode = r.u8();
  if (r.failed || mode == DiskIn.None) return null;
  if (mode != DiskIn.Inside && !(mode == DiskIn.Outside && outsideAllowed)) { r.fail("bad disk presence"); return null; }
  let blocks = r.u32();
  if (r.failed) return null;
  if (blocks < MIN_BLOCKS || blocks > MAX_BLOCKS) { r.fail("bad disk size"); return null; }
  let d: Disk;
  if (mode == DiskIn.Outside) {
    if (present === null) { r.fail("the disk image is held outside the state, and no disk is present"); return null; }
    if (present.blocks != blocks) { r.fail("the disk present has " + present.blocks.toString() + " blocks, the state says " + blocks.toString()); return null; }
    d = present;
  } else {
    let loaded = restoreImage(r, blocks);
    if (loaded === null) return null;
    d = loaded;
  }
  let err = mountChecked(d);
  if (err === null) restoreDescriptors(r, d, t);
  else r.fail("bad disk image: " + err);
  if (r.failed) {
    if (d !== present) d.dispose();
    return null;
  }
  return d;
}
