/**
 * WASI clocks on top of the host's two (realtime, monotonic). The guest's
 * monotonic clock is host monotonic + WasiState.monotonicOffset and never
 * goes backwards; the CPU-time clocks count guest monotonic time since the
 * guest started (an upper bound of the CPU time it used: the VMM does not
 * measure the host's CPU time, and a CPU clock must survive migration too).
 */
import { clockNow } from "./host";
import { wasi } from "./state";
import { ClockId, Errno } from "./errno";
import { MemInst } from "../runtime/store";
import { fits, putU64 } from "./guest";

const HOST_REALTIME: u32 = 0;
const HOST_MONOTONIC: u32 = 1;

/** Resolutions reported by clock_res_get, in ns. */
const REALTIME_RESOLUTION: u64 = 1000;
const MONOTONIC_RESOLUTION: u64 = 1;
const CPUTIME_RESOLUTION: u64 = 1000;

/** Guest monotonic time in ns. */
export function monotonicNow(): i64 {
  let t = clockNow(HOST_MONOTONIC) + wasi.monotonicOffset;
  if (t < wasi.lastMonotonic) t = wasi.lastMonotonic;
  wasi.lastMonotonic = t;
  return t;
}

export function realtimeNow(): i64 { return clockNow(HOST_REALTIME); }

/** Guest CPU time in ns (see the module comment). */
export function cputimeNow(): i64 {
  let now = monotonicNow();
  if (wasi.startMonotonic < 0) wasi.startMonotonic = now;
  return now - wasi.startMonotonic;
}

export function isClock(id: u32): bool { return id <= ClockId.ThreadCputime; }

/** Reading of clock `id`, which isClock() accepted. */
export function clockValue(id: u32): i64 {
  if (id == ClockId.Realtime) return realtimeNow();
  if (id == ClockId.Monotonic) return monotonicNow();
  return cputimeNow();
}

/** Sets the guest's monotonic clock to read `ns` now (restore on another host). */
export function setMonotonic(ns: i64): void {
  wasi.monotonicOffset = ns - clockNow(HOST_MONOTONIC);
  wasi.lastMonotonic = ns;
}

export function clock_res_get(m: MemInst, id: u32, resPtr: u32): i32 {
  if (!isClock(id)) return Errno.Inval;
  if (!fits(m, resPtr, 8)) return Errno.Fault;
  let res = id == ClockId.Realtime ? REALTIME_RESOLUTION : id == ClockId.Monotonic ? MONOTONIC_RESOLUTION : CPUTIME_RESOLUTION;
  putU64(m, resPtr, res);
  return Errno.Success;
}

export function clock_time_get(m: MemInst, id: u32, precision: u64, timePtr: u32): i32 {
  if (!isClock(id)) return Errno.Inval;
  if (!fits(m, timePtr, 8)) return Errno.Fault;
  putU64(m, timePtr, <u64>clockValue(id));
  return Errno.Success;
}
