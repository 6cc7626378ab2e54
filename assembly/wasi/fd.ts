/**
 * The guest's file descriptors: only standard input, output and error, as
 * character devices. Output goes to the host's console device; input comes
 * from the stdin buffer the embedder fills. There are no preopened
 * directories, so every other descriptor number is EBADF.
 */
import { MemInst } from "../runtime/store";
import { BLOCKED, Errno, FdFlags, FileType, Rights } from "./errno";
import { fits, fitsArray, getU32, putU16, putU32, putU64, putU8, putZeros, readable, writable } from "./guest";
import { consoleWrite } from "./host";
import { BlockedOn, isOpenStdio, wasi } from "./state";

const STDIN: u32 = 0;
const IOVEC_BYTES: u32 = 8;
const FDSTAT_BYTES: u32 = 24;
const FILESTAT_BYTES: u32 = 64;

/** Sum of the lengths of `count` iovecs at `iovs` (which must fit), as u64 so it cannot wrap. */
function iovTotal(m: MemInst, iovs: u32, count: u32): u64 {
  let total: u64 = 0;
  for (let i: u32 = 0; i < count; i++) total += getU32(m, iovs + i * IOVEC_BYTES + 4);
  return total;
}

/** Whether every buffer an iovec array names lies inside guest memory. */
function iovsFit(m: MemInst, iovs: u32, count: u32): bool {
  if (!fitsArray(m, iovs, count, IOVEC_BYTES)) return false;
  for (let i: u32 = 0; i < count; i++) {
    let at = iovs + i * IOVEC_BYTES;
    if (!fits(m, getU32(m, at), getU32(m, at + 4))) return false;
  }
  return true;
}

export function fd_write(m: MemInst, fd: u32, iovs: u32, count: u32, nwrittenPtr: u32): i32 {
  if (fd == STDIN || !isOpenStdio(fd)) return Errno.Badf;
  if (!iovsFit(m, iovs, count) || !fits(m, nwrittenPtr, 4)) return Errno.Fault;
  let total = iovTotal(m, iovs, count);
  if (total > <u64>u32.MAX_VALUE) return Errno.Inval;
  for (let i: u32 = 0; i < count; i++) {
    let at = iovs + i * IOVEC_BYTES;
    let len = getU32(m, at + 4);
    if (len > 0) consoleWrite(fd, readable(m, getU32(m, at)), len);
  }
  putU32(m, nwrittenPtr, <u32>total);
  return Errno.Success;
}

/**
 * Reads stdin into the iovecs. With nothing buffered: end of file once the
 * embedder closed stdin, EAGAIN for a non-blocking descriptor, otherwise
 * Blocked (nothing is written, so the call can simply run again).
 */
export function fd_read(m: MemInst, fd: u32, iovs: u32, count: u32, nreadPtr: u32): i32 {
  if (!isOpenStdio(fd)) return Errno.Badf;
  if (fd != STDIN) return Errno.Badf;
  if (!iovsFit(m, iovs, count) || !fits(m, nreadPtr, 4)) return Errno.Fault;
  let stdin = wasi.stdin;
  if (stdin.available == 0 && !stdin.closed && iovTotal(m, iovs, count) > 0) {
    if (wasi.fdFlags[fd] & FdFlags.Nonblock) return Errno.Again;
    wasi.blockedOn = BlockedOn.Stdin;
    return BLOCKED;
  }
  let done: u32 = 0;
  for (let i: u32 = 0; i < count && stdin.available > 0; i++) {
    let at = iovs + i * IOVEC_BYTES;
    let len = min(getU32(m, at + 4), stdin.available);
    let dst = writable(m, getU32(m, at), len);
    if (dst) done += stdin.take(dst, len);
  }
  putU32(m, nreadPtr, done);
  return Errno.Success;
}

export function fd_fdstat_get(m: MemInst, fd: u32, statPtr: u32): i32 {
  if (!isOpenStdio(fd)) return Errno.Badf;
  if (!fits(m, statPtr, FDSTAT_BYTES)) return Errno.Fault;
  putZeros(m, statPtr, FDSTAT_BYTES);
  putU8(m, statPtr, FileType.CharacterDevice);
  putU16(m, statPtr + 2, wasi.fdFlags[fd]);
  putU64(m, statPtr + 8, Rights.Stdio);
  putU64(m, statPtr + 16, 0);
  return Errno.Success;
}

export function fd_fdstat_set_flags(fd: u32, flags: u32): i32 {
  if (!isOpenStdio(fd)) return Errno.Badf;
  if (flags & ~<u32>(FdFlags.Append | FdFlags.Nonblock)) return Errno.Notsup;
  wasi.fdFlags[fd] = <u16>flags;
  return Errno.Success;
}

export function fd_filestat_get(m: MemInst, fd: u32, statPtr: u32): i32 {
  if (!isOpenStdio(fd)) return Errno.Badf;
  if (!fits(m, statPtr, FILESTAT_BYTES)) return Errno.Fault;
  // dev, ino, size and times are 0: a character device with no backing file.
  putZeros(m, statPtr, FILESTAT_BYTES);
  putU8(m, statPtr + 16, FileType.CharacterDevice);
  putU64(m, statPtr + 24, 1); // nlink
  return Errno.Success;
}

/** No preopened directories: there is no descriptor a prestat could describe. */
export function fd_prestat_get(fd: u32): i32 { return Errno.Badf; }
export function fd_prestat_dir_name(fd: u32): i32 { return Errno.Badf; }

export function fd_close(fd: u32): i32 {
  if (!isOpenStdio(fd)) return Errno.Badf;
  wasi.closed[fd] = true;
  return Errno.Success;
}

/** fd_seek and fd_tell: a character device has no position. */
export function fd_seek(fd: u32): i32 { return isOpenStdio(fd) ? Errno.Spipe : Errno.Badf; }
