/**
 * The VMM's imports for its virtual devices: the only way a guest's WASI calls
 * reach the outside world. All are synchronous and cannot fail.
 *
 * vmm.wasm imports them from its embedder (module "host"). The standalone
 * build (vmm-cli.wasm, asconfig target "cli", `--use WASMOTION_STANDALONE=1`)
 * implements them on WASI preview1 (assembly/cli/devices.ts); the choice is
 * made at compile time, so each build holds only its own.
 */
import * as wasiDevices from "../cli/devices";

// @ts-ignore: a compile-time constant given by asconfig "use"
export const STANDALONE: bool = isDefined(WASMOTION_STANDALONE);

@external("host", "console_write")
declare function hostConsoleWrite(fd: u32, ptr: usize, len: u32): void;

@external("host", "clock_now")
declare function hostClockNow(clock: u32): i64;

@external("host", "random_fill")
declare function hostRandomFill(ptr: usize, len: u32): void;

/** Writes guest output for fd 1 (stdout) or 2 (stderr). */
// @ts-ignore: decorator
@inline export function consoleWrite(fd: u32, ptr: usize, len: u32): void {
  if (STANDALONE) wasiDevices.consoleWrite(fd, ptr, len);
  else hostConsoleWrite(fd, ptr, len);
}

/** Nanoseconds on clock 0 (realtime, since the epoch) or 1 (monotonic). */
// @ts-ignore: decorator
@inline export function clockNow(clock: u32): i64 {
  if (STANDALONE) return wasiDevices.clockNow(clock);
  return hostClockNow(clock);
}

/** Fills [ptr, ptr+len) of VMM memory with random bytes. */
// @ts-ignore: decorator
@inline export function randomFill(ptr: usize, len: u32): void {
  if (STANDALONE) wasiDevices.randomFill(ptr, len);
  else hostRandomFill(ptr, len);
}
