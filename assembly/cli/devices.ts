/**
 * The VMM's virtual devices (assembly/wasi/host.ts) in the standalone build:
 * console output to the real stdout and stderr, the host's clocks and
 * randomness, all through WASI preview1. vmm.wasm takes the same devices
 * from its embedder instead.
 */
import { clock_time_get, fd_write, random_get, Errno } from "./preview1";

/** Scratch for one iovec and a result word: the devices never allocate. */
// @ts-ignore: decorator (compiled only into the build that uses it)
@lazy const scratch = memory.data(16);

/** Writes all of [ptr, ptr+len) to `fd`; false if the host refused. */
export function writeAll(fd: u32, ptr: usize, len: usize): bool {
  while (len > 0) {
    store<u32>(scratch, <u32>ptr);
    store<u32>(scratch, <u32>len, 4);
    let err = fd_write(fd, scratch, 1, scratch + 8);
    if (err == Errno.INTR || err == Errno.AGAIN) continue;
    if (err != Errno.SUCCESS) return false;
    let n = <usize>load<u32>(scratch, 8);
    if (n == 0) return false;
    ptr += n;
    len -= n;
  }
  return true;
}

/** Guest output for fd 1 or 2. A closed stream drops it, as the embedder's sinks do. */
export function consoleWrite(fd: u32, ptr: usize, len: u32): void {
  writeAll(fd, ptr, len);
}

/** Nanoseconds on clock 0 (realtime) or 1 (monotonic): the WASI clocks of the same numbers. */
export function clockNow(clock: u32): i64 {
  if (clock_time_get(clock, 1, scratch + 8) != Errno.SUCCESS) return 0;
  return load<i64>(scratch, 8);
}

export function randomFill(ptr: usize, len: u32): void {
  random_get(ptr, len);
}
