/**
 * The guest's file descriptors: standard input, output and error as
 * character devices, and from 3 on the sockets of the socket device
 * (sock.ts handles those) and the files of the disk device (file-calls.ts
 * handles those). Output goes to the host's console device; input comes
 * from the stdin buffer the embedder fills. Every other descriptor number is
 * EBADF.
 */
import { MemInst } from "../runtime/store";
import { BLOCKED, Errno, FDSTAT_BYTES, FdFlags, FILESTAT_BYTES, FileType, Rights } from "./errno";
import { fits, getU32, putU16, putU32, putU64, putU8, putZeros, readable } from "./guest";
import { consoleWrite } from "./host";
import { IOVEC_BYTES, iovsFit, iovTotal, scatter } from "./iovec";
import {
  isSocketFd, socket_close, socket_fdstat_get, socket_fdstat_set_flags, socket_filestat_get, socket_read, socket_write,
} from "./sock";
import { BlockedOn, isOpenStdio, wasi } from "./state";
import {
  file_close, file_fdstat_get, file_fdstat_set_flags, file_filestat_get, file_read, file_seek, file_tell, file_write,
} from "./file-calls";
import { fileAt } from "./files";
import { preopen_dir_name, preopen_prestat_get } from "./path-calls";

const STDIN: u32 = 0;

export function fd_write(m: MemInst, fd: u32, iovs: u32, count: u32, nwrittenPtr: u32): i32 {
  let f = fileAt(fd);
  if (f !== null) return file_write(m, f, iovs, count, nwrittenPtr, -1);
  if (isSocketFd(fd)) return socket_write(m, fd, iovs, count, nwrittenPtr);
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
  let f = fileAt(fd);
  if (f !== null) return file_read(m, f, iovs, count, nreadPtr, -1);
  if (isSocketFd(fd)) return socket_read(m, fd, iovs, count, nreadPtr);
  if (!isOpenStdio(fd)) return Errno.Badf;
  if (fd != STDIN) return Errno.Badf;
  if (!iovsFit(m, iovs, count) || !fits(m, nreadPtr, 4)) return Errno.Fault;
  let stdin = wasi.stdin;
  if (stdin.available == 0 && !stdin.closed && iovTotal(m, iovs, count) > 0) {
    if (wasi.fdFlags[fd] & FdFlags.Nonblock) return Errno.Again;
    wasi.blockedOn = BlockedOn.Stdin;
    return BLOCKED;
  }
  putU32(m, nreadPtr, scatter(m, iovs, count, stdin, false));
  return Errno.Success;
}

export function fd_fdstat_get(m: MemInst, fd: u32, statPtr: u32): i32 {
  let f = fileAt(fd);
  if (f !== null) return file_fdstat_get(m, f, statPtr);
  if (isSocketFd(fd)) return socket_fdstat_get(m, fd, statPtr);
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
  let f = fileAt(fd);
  if (f !== null) return file_fdstat_set_flags(f, flags);
  if (isSocketFd(fd)) return socket_fdstat_set_flags(fd, flags);
  if (!isOpenStdio(fd)) return Errno.Badf;
  if (flags & ~<u32>(FdFlags.Append | FdFlags.Nonblock)) return Errno.Notsup;
  wasi.fdFlags[fd] = <u16>flags;
  return Errno.Success;
}

export function fd_filestat_get(m: MemInst, fd: u32, statPtr: u32): i32 {
  let f = fileAt(fd);
  if (f !== null) return file_filestat_get(m, f, statPtr);
  if (isSocketFd(fd)) return socket_filestat_get(m, statPtr);
  if (!isOpenStdio(fd)) return Errno.Badf;
  if (!fits(m, statPtr, FILESTAT_BYTES)) return Errno.Fault;
  // dev, ino, size and times are 0: a character device with no backing file.
  putZeros(m, statPtr, FILESTAT_BYTES);
  putU8(m, statPtr + 16, FileType.CharacterDevice);
  putU64(m, statPtr + 24, 1); // nlink
  return Errno.Success;
}

/** Only the disk's preopened directory has a prestat (a socket has none). */
export function fd_prestat_get(m: MemInst, fd: u32, ptr: u32): i32 {
  let f = fileAt(fd);
  return f !== null ? preopen_prestat_get(m, f, ptr) : Errno.Badf;
}

export function fd_prestat_dir_name(m: MemInst, fd: u32, ptr: u32, len: u32): i32 {
  let f = fileAt(fd);
  return f !== null ? preopen_dir_name(m, f, ptr, len) : Errno.Badf;
}

export function fd_close(fd: u32): i32 {
  let f = fileAt(fd);
  if (f !== null) return file_close(fd, f);
  if (isSocketFd(fd)) return socket_close(fd);
  if (!isOpenStdio(fd)) return Errno.Badf;
  wasi.closed[fd] = true;
  return Errno.Success;
}

/** Why a call for files fails on `fd`: `ifOpen` for stdio or a socket, EBADF for a number nothing holds. */
export function notFile(fd: u32, ifOpen: i32): i32 { return isOpenStdio(fd) || isSocketFd(fd) ? ifOpen : Errno.Badf; }

/** fd_seek: only a file has a position (not a character device, not a socket). */
export function fd_seek(m: MemInst, fd: u32, offset: i64, whence: u32, newPtr: u32): i32 {
  let f = fileAt(fd);
  return f !== null ? file_seek(m, f, offset, whence, newPtr) : notFile(fd, Errno.Spipe);
}

export function fd_tell(m: MemInst, fd: u32, posPtr: u32): i32 {
  let f = fileAt(fd);
  return f !== null ? file_tell(m, f, posPtr) : notFile(fd, Errno.Spipe);
}
