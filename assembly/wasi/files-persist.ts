/**
 * Save and restore of the disk device (disk.ts, files.ts), part of the WASI
 * section of a checkpoint (persist.ts, from WASI state version 1.2):
 *
 *   u8  disk present; if 1:
 *   u32 block count B
 *   u32 count K of blocks that are not all zeros, then K x (u32 block, 4096 bytes)
 *   u32 descriptor count N, then N x:
 *       u32 fd, u32 inode, u64 position, u32 fd flags, u8 access bits (1 read, 2 write),
 *       u32 preopen name length, the name (UTF-8; empty but for the preopened root)
 *
 * The image carries every file and directory; the descriptors carry what a
 * guest holds open. A checkpoint is hostile: the image is checked as a
 * loaded image is (Disk.mountImage), descriptors against the image and the
 * descriptor table, before anything is changed.
 */
import { ByteReader, ByteWriter } from "../checkpoint/bytes";
import { BLOCK, BLOCK_SHIFT, Disk, MAX_BLOCKS, MIN_BLOCKS } from "./disk";
import { FileType } from "./errno";
import { FileFd } from "./files";
import { FIRST_SOCKET_FD, SocketTable } from "./sockets";

function isZeroBlock(a: usize): bool {
  // SAFETY: `a` is the start of a block inside the disk; BLOCK is a multiple of 8.
  for (let off: usize = 0; off < BLOCK; off += 8) if (load<u64>(a + off) != 0) return false;
  return true;
}

export function saveFiles(w: ByteWriter, d: Disk | null, t: SocketTable): void {
  w.u8(d !== null ? 1 : 0);
  if (d === null) return;
  w.u32(d.blocks);
  let count: u32 = 0;
  for (let b: u32 = 0; b < d.blocks; b++) if (!isZeroBlock(d.base + (<usize>b << BLOCK_SHIFT))) count++;
  w.u32(count);
  for (let b: u32 = 0; b < d.blocks; b++) {
    let a = d.base + (<usize>b << BLOCK_SHIFT);
    if (isZeroBlock(a)) continue;
    w.u32(b);
    w.bytes(a, BLOCK);
  }
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

/** The restored disk (null when the checkpoint has none), with its descriptors placed in `t`; sets r's error and returns null on failure. */
export function restoreFiles(r: ByteReader, t: SocketTable): Disk | null {
  if (r.u8() == 0) return null;
  let blocks = r.u32();
  if (r.failed) return null;
  if (blocks < MIN_BLOCKS || blocks > MAX_BLOCKS) { r.fail("bad disk size"); return null; }
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
  let err = d.mountImage();
  if (err !== null) { r.fail("bad disk image: " + err); d.dispose(); return null; }
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
  if (r.failed) { d.dispose(); return null; }
  return d;
}
