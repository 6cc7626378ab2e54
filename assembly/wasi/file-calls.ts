/**
 * The fd_* calls on descriptors of the disk device (files.ts): reading and
 * writing at the position or at an offset, seek and tell, directory
 * listing, status, size, times and close. Every guest range is checked
 * before anything changes; data read from the disk goes into guest memory
 * through writable(), so the pages it lands in are marked dirty.
 */
import { MemInst } from "../runtime/store";
import { Disk, Ino } from "./disk";
import { DataStatus, dataStatus, MAX_FILE_BYTES, readData, truncateData, writeData } from "./disk-data";
import { readRecord, recordCount, recordIno, recordName, recordNameLen } from "./dir";
import { Errno, FDSTAT_BYTES, FdFlags, FILESTAT_BYTES, FileType, Rights } from "./errno";
import { fits, getU32, putBytes, putU16, putU32, putU64, putU8, putZeros, readable, writable } from "./guest";
import { IOVEC_BYTES, iovsFit, iovTotal } from "./iovec";
import { FileFd, fileAt, fileNow, releaseIfUnused } from "./files";
import { wasi } from "./state";

const DIRENT_HEAD: u32 = 24;
const WHENCE_SET: u32 = 0;
const WHENCE_CUR: u32 = 1;
const WHENCE_END: u32 = 2;

/** The disk; callers hold a FileFd, which exists only with a disk. */
function disk(): Disk { return wasi.disk!; }

function regular(f: FileFd): bool { return disk().fileType(f.ino) == FileType.RegularFile; }

/** Reads into the iovecs (checked) from `off`; returns the bytes read. */
function readInto(m: MemInst, f: FileFd, iovs: u32, count: u32, off: u64): u64 {
  let done: u64 = 0;
  for (let i: u32 = 0; i < count; i++) {
    let at = iovs + i * IOVEC_BYTES;
    let len = getU32(m, at + 4);
    if (len == 0) continue;
    let n = readData(disk(), f.ino, off + done, writable(m, getU32(m, at), len), len);
    done += n;
    if (n < len) break;
  }
  return done;
}

/** Writes the iovecs (checked) at `off`; returns the bytes written or, when none could be, a negative errno. */
function writeFrom(m: MemInst, f: FileFd, iovs: u32, count: u32, off: u64): i64 {
  if (off + iovTotal(m, iovs, count) > MAX_FILE_BYTES) return -<i64>Errno.Fbig;
  let done: u64 = 0;
  for (let i: u32 = 0; i < count; i++) {
    let at = iovs + i * IOVEC_BYTES;
    let len = getU32(m, at + 4);
    if (len == 0) continue;
    let n = writeData(disk(), f.ino, off + done, readable(m, getU32(m, at)), len);
    done += n;
    if (n < len) {
      if (done == 0) return -<i64>(dataStatus == DataStatus.Full ? Errno.Nospc : Errno.Io);
      break;
    }
  }
  if (done > 0) disk().touch(f.ino, fileNow(), false);
  return <i64>done;
}

export function file_read(m: MemInst, f: FileFd, iovs: u32, count: u32, nreadPtr: u32, at: i64): i32 {
  if (!regular(f)) return Errno.Isdir;
  if (!f.canRead) return Errno.Badf;
  if (!iovsFit(m, iovs, count) || !fits(m, nreadPtr, 4)) return Errno.Fault;
  let n = readInto(m, f, iovs, count, at < 0 ? f.pos : <u64>at);
  if (at < 0) f.pos += n;
  putU32(m, nreadPtr, <u32>n);
  return Errno.Success;
}

export function file_write(m: MemInst, f: FileFd, iovs: u32, count: u32, nwrittenPtr: u32, at: i64): i32 {
  if (!regular(f)) return Errno.Isdir;
  if (!f.canWrite) return Errno.Badf;
  if (!iovsFit(m, iovs, count) || !fits(m, nwrittenPtr, 4)) return Errno.Fault;
  if (iovTotal(m, iovs, count) > <u64>u32.MAX_VALUE) return Errno.Inval;
  let append = at < 0 && (f.fdFlags & FdFlags.Append) != 0;
  let off = at >= 0 ? <u64>at : append ? disk().size(f.ino) : f.pos;
  let n = writeFrom(m, f, iovs, count, off);
  if (n < 0) return <i32>-n;
  if (at < 0) f.pos = off + <u64>n;
  putU32(m, nwrittenPtr, <u32>n);
  return Errno.Success;
}

export function file_seek(m: MemInst, f: FileFd, offset: i64, whence: u32, newPtr: u32): i32 {
  if (!regular(f)) return Errno.Isdir;
  if (!fits(m, newPtr, 8)) return Errno.Fault;
  let base: i64;
  if (whence == WHENCE_SET) base = 0;
  else if (whence == WHENCE_CUR) base = <i64>f.pos;
  else if (whence == WHENCE_END) base = <i64>disk().size(f.ino);
  else return Errno.Inval;
  let to = base + offset;
  if ((offset > 0 && to < base) || to < 0) return Errno.Inval;
  f.pos = <u64>to;
  putU64(m, newPtr, f.pos);
  return Errno.Success;
}

export function file_tell(m: MemInst, f: FileFd, posPtr: u32): i32 {
  if (!regular(f)) return Errno.Isdir;
  if (!fits(m, posPtr, 8)) return Errno.Fault;
  putU64(m, posPtr, f.pos);
  return Errno.Success;
}

/** The preview1 filestat of inode `ino` at guest `ptr` (checked). */
export function putFilestat(m: MemInst, ptr: u32, ino: u32): void {
  let d = disk();
  let a = d.inodeAddr(ino);
  putZeros(m, ptr, FILESTAT_BYTES);
  putU64(m, ptr, 1); // dev: the disk
  putU64(m, ptr + 8, ino);
  putU8(m, ptr + 16, d.fileType(ino));
  putU64(m, ptr + 24, load<u16>(a + Ino.Links));
  putU64(m, ptr + 32, d.size(ino));
  putU64(m, ptr + 40, load<u64>(a + Ino.Atime));
  putU64(m, ptr + 48, load<u64>(a + Ino.Mtime));
  putU64(m, ptr + 56, load<u64>(a + Ino.Ctime));
}

export function file_filestat_get(m: MemInst, f: FileFd, ptr: u32): i32 {
  if (!fits(m, ptr, FILESTAT_BYTES)) return Errno.Fault;
  putFilestat(m, ptr, f.ino);
  return Errno.Success;
}

export function file_fdstat_get(m: MemInst, f: FileFd, ptr: u32): i32 {
  if (!fits(m, ptr, FDSTAT_BYTES)) return Errno.Fault;
  putZeros(m, ptr, FDSTAT_BYTES);
  putU8(m, ptr, disk().fileType(f.ino));
  putU16(m, ptr + 2, f.fdFlags);
  let rights = Rights.File;
  if (!f.canRead) rights &= ~Rights.FdRead;
  if (!f.canWrite) rights &= ~Rights.FdWrite;
  putU64(m, ptr + 8, rights);
  putU64(m, ptr + 16, Rights.File);
  return Errno.Success;
}

export function file_fdstat_set_flags(f: FileFd, flags: u32): i32 {
  if (flags & ~<u32>(FdFlags.Append | FdFlags.Nonblock | FdFlags.Dsync | FdFlags.Rsync | FdFlags.Sync)) return Errno.Inval;
  f.fdFlags = <u16>flags;
  return Errno.Success;
}

export function file_set_size(f: FileFd, size: u64): i32 {
  if (!regular(f)) return Errno.Isdir;
  if (!f.canWrite) return Errno.Badf;
  if (size > MAX_FILE_BYTES) return Errno.Fbig;
  truncateData(disk(), f.ino, size);
  disk().touch(f.ino, fileNow(), false);
  return Errno.Success;
}

const ATIM: u32 = 1;
const ATIM_NOW: u32 = 2;
const MTIM: u32 = 4;
const MTIM_NOW: u32 = 8;

/** fd_filestat_set_times and path_filestat_set_times on inode `ino`. */
export function setTimes(ino: u32, atim: u64, mtim: u64, flags: u32): i32 {
  if (flags & ~<u32>15 || (flags & ATIM && flags & ATIM_NOW) || (flags & MTIM && flags & MTIM_NOW)) return Errno.Inval;
  let a = disk().inodeForWrite(ino);
  let now = fileNow();
  if (flags & (ATIM | ATIM_NOW)) store<u64>(a + Ino.Atime, flags & ATIM ? atim : now);
  if (flags & (MTIM | MTIM_NOW)) store<u64>(a + Ino.Mtime, flags & MTIM ? mtim : now);
  store<u64>(a + Ino.Ctime, now);
  return Errno.Success;
}

/**
 * fd_readdir: entries from cookie on (a cookie is a record index; free
 * records are skipped). The last entry may be cut short: a full buffer tells
 * the guest to call again from that entry's cookie.
 */
export function file_readdir(m: MemInst, f: FileFd, buf: u32, bufLen: u32, cookie: u64, usedPtr: u32): i32 {
  let d = disk();
  if (d.fileType(f.ino) != FileType.Directory) return Errno.Notdir;
  if (!fits(m, buf, bufLen) || !fits(m, usedPtr, 4)) return Errno.Fault;
  let n = recordCount(d, f.ino);
  let used: u32 = 0;
  let entry = heap.alloc(DIRENT_HEAD + 64);
  for (let i = cookie; i < <u64>n && used < bufLen; i++) {
    if (!readRecord(d, f.ino, <u32>i) || recordIno() == 0) continue;
    let len = recordNameLen();
    store<u64>(entry, i + 1);
    store<u64>(entry + 8, recordIno());
    store<u32>(entry + 16, len);
    store<u32>(entry + 20, d.fileType(recordIno()));
    memory.copy(entry + DIRENT_HEAD, recordName(), len);
    let take = min(DIRENT_HEAD + len, bufLen - used);
    putBytes(m, buf + used, entry, take);
    used += take;
  }
  heap.free(entry);
  putU32(m, usedPtr, used);
  return Errno.Success;
}

export function file_close(fd: u32, f: FileFd): i32 {
  wasi.sockets.freeFd(<i32>fd);
  releaseIfUnused(disk(), f.ino);
  return Errno.Success;
}
