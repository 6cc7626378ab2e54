/**
 * The VMM's virtual devices (assembly/wasi/host.ts) in the standalone build:
 * console output to the real stdout and stderr, the host's clocks and
 * randomness, all through WASI preview1. vmm.wasm takes the same devices
 * from its embedder instead.
 */
import { clock_time_get, random_get, Errno } from "./preview1";
import { writeAll } from "./io";
import { CONSOLE, sendFrame, serving } from "./serve/link";

/** A result word: the devices never allocate. */
// @ts-ignore: decorator (compiled only into the build that uses it)
@lazy const scratch = memory.data(8);

/**
 * Guest output for fd 1 or 2. A closed stream drops it, as the embedder's
 * sinks do. Serving a host shim, it goes to the shim as a CONSOLE frame.
 */
export function consoleWrite(fd: u32, ptr: usize, len: u32): void {
  if (serving()) sendFrame(CONSOLE, fd, ptr, len);
  else writeAll(fd, ptr, len);
}

/** Nanoseconds on clock 0 (realtime) or 1 (monotonic): the WASI clocks of the same numbers. */
export function clockNow(clock: u32): i64 {
  if (clock_time_get(clock, 1, scratch) != Errno.SUCCESS) return 0;
  return load<i64>(scratch);
}

export function randomFill(ptr: usize, len: u32): void {
  random_get(ptr, len);
}
