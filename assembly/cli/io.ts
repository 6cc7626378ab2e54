/**
 * Whole reads and writes on a WASI file descriptor, retried through short
 * counts and EINTR/EAGAIN. They never allocate: the fault handler and the
 * devices use them when nothing else may be trusted.
 */
import { fd_read, fd_write, Errno } from "./preview1";

/** One iovec and a result word each way. */
// @ts-ignore: decorator
@lazy const writeScratch = memory.data(16);
// @ts-ignore: decorator
@lazy const readScratch = memory.data(16);

/** Writes all of [ptr, ptr+len) to `fd`; false if the host refused. */
export function writeAll(fd: u32, ptr: usize, len: usize): bool {
  while (len > 0) {
    store<u32>(writeScratch, <u32>ptr);
    store<u32>(writeScratch, <u32>len, 4);
    let err = fd_write(fd, writeScratch, 1, writeScratch + 8);
    if (err == Errno.INTR || err == Errno.AGAIN) continue;
    if (err != Errno.SUCCESS) return false;
    let n = <usize>load<u32>(writeScratch, 8);
    if (n == 0) return false;
    ptr += n;
    len -= n;
  }
  return true;
}

/** Reads until [ptr, ptr+len) is full; false at the end of `fd` or on an error first. */
export function readFull(fd: u32, ptr: usize, len: usize): bool {
  while (len > 0) {
    store<u32>(readScratch, <u32>ptr);
    store<u32>(readScratch, <u32>len, 4);
    let err = fd_read(fd, readScratch, 1, readScratch + 8);
    if (err == Errno.INTR || err == Errno.AGAIN) continue;
    if (err != Errno.SUCCESS) return false;
    let n = <usize>load<u32>(readScratch, 8);
    if (n == 0) return false;
    ptr += n;
    len -= n;
  }
  return true;
}
