/**
 * Entry points of the VMM's WASI layer, re-exported by assembly/index.ts.
 * The embedder sets argv and the environment before instantiating the guest,
 * binds the guest's memory after, feeds stdin whenever it likes, and, when
 * run() returns Blocked, asks what the guest waits for.
 */
import { theStore } from "../runtime/store";
import { wasi } from "./state";
import { monotonicNow, setMonotonic } from "./clock";

/** argv: NUL-separated strings in VMM memory [ptr, ptr+len), argv[0] first. */
export function wasi_set_args(ptr: usize, len: u32): void { wasi.args.setFrom(ptr, len); }

/** The environment: NUL-separated "NAME=value" strings. Empty unless set. */
export function wasi_set_env(ptr: usize, len: u32): void { wasi.env.setFrom(ptr, len); }

/**
 * Makes memory `addr` (a store address, normally the guest's exported
 * "memory") the one WASI pointers refer to. Returns false for a bad address.
 */
export function wasi_bind_memory(addr: u32): bool {
  if (addr >= <u32>theStore.memories.length) return false;
  wasi.memory = theStore.memories[addr];
  if (wasi.startMonotonic < 0) wasi.startMonotonic = monotonicNow();
  return true;
}

/** Appends a copy of [ptr, ptr+len) to the guest's stdin. Ignored after wasi_stdin_close. */
export function wasi_stdin_push(ptr: usize, len: u32): void { wasi.stdin.push(ptr, len); }

/** No more stdin: once the buffer is drained, reads return end of file. */
export function wasi_stdin_close(): void { wasi.stdin.closed = true; }

/** Bytes pushed to stdin that the guest has not read yet. */
export function wasi_stdin_buffered(): u32 { return wasi.stdin.available; }

/** What the WASI call that returned Blocked waits for: BlockedOn bits (1 stdin, 2 clock). */
export function wasi_blocked_on(): u32 { return wasi.blockedOn; }

/** When a Blocked poll_oneoff is due, in guest monotonic ns; -1 when it waits for no clock. */
export function wasi_sleep_until(): i64 { return wasi.blockedOn & 2 ? wasi.sleepUntil : -1; }

/** Nanoseconds from now until a Blocked poll_oneoff is due (0 when past); -1 when it waits for no clock. */
export function wasi_sleep_remaining(): i64 {
  if (!(wasi.blockedOn & 2)) return -1;
  let left = wasi.sleepUntil - monotonicNow();
  return left > 0 ? left : 0;
}

/** The guest's monotonic clock now, in ns (what a checkpoint records). */
export function wasi_monotonic_now(): i64 { return monotonicNow(); }

/** Makes the guest's monotonic clock read `ns` now (restoring a checkpoint on another host). */
export function wasi_set_monotonic(ns: i64): void { setMonotonic(ns); }
