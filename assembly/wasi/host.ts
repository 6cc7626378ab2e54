/**
 * The VMM's imports for its virtual devices: the only way a guest's WASI calls
 * reach the outside world. All are synchronous and cannot fail.
 */

/** Writes guest output for fd 1 (stdout) or 2 (stderr). */
@external("host", "console_write")
export declare function consoleWrite(fd: u32, ptr: usize, len: u32): void;

/** Nanoseconds on clock 0 (realtime, since the epoch) or 1 (monotonic). */
@external("host", "clock_now")
export declare function clockNow(clock: u32): i64;

/** Fills [ptr, ptr+len) of VMM memory with random bytes. */
@external("host", "random_fill")
export declare function randomFill(ptr: usize, len: u32): void;
