/**
 * The fd_* calls that only files have (positional I/O, directory listing,
 * sync, size, times, advice): a file descriptor goes to file-calls.ts, stdio
 * and sockets get the errno POSIX gives them, any other number EBADF.
 */
import { MemInst } from "../runtime/store";
import { MAX_FILE_BYTES, truncateData } from "./disk-data";
import { BLOCKED, Errno, FileType } from "./errno";
import { notFile } from "./fd";
import { file_read, file_readdir, file_set_size, file_write, setTimes } from "./file-calls";
import { fileAt, fileNow } from "./files";
import { BlockedOn, wasi } from "./state";

export function fd_pread(m: MemInst, fd: u32, iovs: u32, count: u32, offset: u64, nreadPtr: u32): i32 {
  let f = fileAt(fd);
  if (f === null) return notFile(fd, Errno.Spipe);
  if (offset > <u64>i64.MAX_VALUE) return Errno.Inval;
  return file_read(m, f, iovs, count, nreadPtr, <i64>offset);
}

export function fd_pwrite(m: MemInst, fd: u32, iovs: u32, count: u32, offset: u64, nwrittenPtr: u32): i32 {
  let f = fileAt(fd);
  if (f === null) return notFile(fd, Errno.Spipe);
  if (offset > <u64>i64.MAX_VALUE) return Errno.Inval;
  return file_write(m, f, iovs, count, nwrittenPtr, <i64>offset);
}

export function fd_readdir(m: MemInst, fd: u32, buf: u32, bufLen: u32, cookie: u64, usedPtr: u32): i32 {
  let f = fileAt(fd);
  return f !== null ? file_readdir(m, f, buf, bufLen, cookie, usedPtr) : notFile(fd, Errno.Notdir);
}

/**
 * fd_sync, fd_datasync: the disk is in VMM memory, so a write is as durable
 * as the guest already, unless the embedder keeps the disk in a file too
 * (wasi_disk_sync_outside). Then the call blocks until the embedder has
 * written the disk back there and synced it (wasi_disk_synced), and returns
 * its answer: a guest that syncs knows its data is on the host's storage.
 * The call is made again once unblocked, and takes the answer then.
 */
export function fd_sync(fd: u32): i32 {
  if (fileAt(fd) === null) return notFile(fd, Errno.Inval);
  if (!wasi.diskSyncOutside) return Errno.Success;
  let answer = wasi.diskSynced;
  if (answer >= 0) {
    wasi.diskSynced = -1;
    return answer;
  }
  wasi.blockedOn = BlockedOn.DiskSync;
  return BLOCKED;
}

export function fd_advise(fd: u32, advice: u32): i32 {
  if (fileAt(fd) === null) return notFile(fd, Errno.Spipe);
  return advice <= 5 ? Errno.Success : Errno.Inval;
}

/** fd_allocate: grows the file to offset+len (blocks are taken when written, as for a sparse file). */
export function fd_allocate(fd: u32, offset: u64, len: u64): i32 {
  let f = fileAt(fd);
  if (f === null) return notFile(fd, Errno.Spipe);
  let d = wasi.disk!;
  if (d.fileType(f.ino) != FileType.RegularFile) return Errno.Isdir;
  if (!f.canWrite) return Errno.Badf;
  if (len == 0) return Errno.Inval;
  let end = offset + len;
  if (end < offset || end > MAX_FILE_BYTES) return Errno.Fbig;
  if (end > d.size(f.ino)) {
    truncateData(d, f.ino, end);
    d.touch(f.ino, fileNow(), false);
  }
  return Errno.Success;
}

export function fd_filestat_set_size(fd: u32, size: u64): i32 {
  let f = fileAt(fd);
  return f !== null ? file_set_size(f, size) : notFile(fd, Errno.Inval);
}

export function fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32): i32 {
  let f = fileAt(fd);
  return f !== null ? setTimes(f.ino, atim, mtim, flags) : notFile(fd, Errno.Inval);
}
