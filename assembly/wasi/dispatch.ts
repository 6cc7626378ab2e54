/**
 * The VMM's WASI preview1: the interpreter calls wasiCall() for every call of
 * a FuncKind.Wasi function. Arguments arrive as 8-byte slots (i32 in the low
 * 4 bytes, i64 in all 8); the errno result goes into the first slot.
 */
import { MemInst } from "../runtime/store";
import { FuncType } from "../module/types";
import { thread } from "../exec/thread";
import { BLOCKED, Errno } from "./errno";
import { NO_MEMORY } from "./guest";
import { BlockedOn, wasi } from "./state";
import { WasiId, wasiIdOf, wasiTypeOf, WASI_FUNCTION_COUNT } from "./table";
import { args_get, args_sizes_get, environ_get, environ_sizes_get } from "./args";
import { clock_res_get, clock_time_get } from "./clock";
import { random_get } from "./random";
import {
  fd_close, fd_fdstat_get, fd_fdstat_set_flags, fd_filestat_get, fd_prestat_dir_name, fd_prestat_get, fd_read, fd_seek, fd_write,
} from "./fd";
import { poll_oneoff } from "./poll";
import { sock_accept, sock_recv, sock_send, sock_shutdown } from "./sock";

/** Outcome of a WASI call made by the guest. */
export namespace WasiResult {
  export const Done: i32 = 0; // results written; continue
  export const Blocked: i32 = 1; // waits for input; the call is made again on the next slice
  export const Exit: i32 = 2; // proc_exit: the guest is finished
}

/** Argument `i` as u32 / u64. */
// SAFETY: the interpreter hands over a frame holding every parameter of the call's type.
@inline function a32(args: usize, i: u32): u32 { return load<u32>(args + (<usize>i << 3)); }
@inline function a64(args: usize, i: u32): u64 { return load<u64>(args + (<usize>i << 3)); }

/** The memory WASI pointers refer to: the function's own, else the one the embedder bound. */
function guestMemory(mem: MemInst | null): MemInst {
  if (mem) return mem;
  let bound = wasi.memory;
  return bound ? bound : NO_MEMORY;
}

/**
 * Runs WASI call `id` with its arguments in 8-byte slots at `args`; writes
 * the errno result to the first slot.
 */
export function wasiCall(id: u32, args: usize, mem: MemInst | null): i32 {
  wasi.blockedOn = BlockedOn.Nothing;
  wasi.sleepUntil = -1;
  // A blocked poll is retried before any other WASI call: anything else means it was abandoned.
  if (id != <u32>WasiId.poll_oneoff) wasi.pollPending = false;
  if (id == <u32>WasiId.proc_exit) {
    thread.exitCode = <i32>a32(args, 0);
    return WasiResult.Exit;
  }
  let errno = call(id, args, guestMemory(mem));
  if (errno == BLOCKED) return WasiResult.Blocked;
  store<i32>(args, errno);
  return WasiResult.Done;
}

function call(id: u32, args: usize, m: MemInst): i32 {
  switch (id) {
    case WasiId.args_get: return args_get(m, a32(args, 0), a32(args, 1));
    case WasiId.args_sizes_get: return args_sizes_get(m, a32(args, 0), a32(args, 1));
    case WasiId.environ_get: return environ_get(m, a32(args, 0), a32(args, 1));
    case WasiId.environ_sizes_get: return environ_sizes_get(m, a32(args, 0), a32(args, 1));
    case WasiId.clock_res_get: return clock_res_get(m, a32(args, 0), a32(args, 1));
    case WasiId.clock_time_get: return clock_time_get(m, a32(args, 0), a64(args, 1), a32(args, 2));
    case WasiId.fd_close: return fd_close(a32(args, 0));
    case WasiId.fd_fdstat_get: return fd_fdstat_get(m, a32(args, 0), a32(args, 1));
    case WasiId.fd_fdstat_set_flags: return fd_fdstat_set_flags(a32(args, 0), a32(args, 1) & 0xffff);
    case WasiId.fd_filestat_get: return fd_filestat_get(m, a32(args, 0), a32(args, 1));
    case WasiId.fd_prestat_get: return fd_prestat_get(a32(args, 0));
    case WasiId.fd_prestat_dir_name: return fd_prestat_dir_name(a32(args, 0));
    case WasiId.fd_read: return fd_read(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3));
    case WasiId.fd_seek: return fd_seek(a32(args, 0));
    case WasiId.fd_tell: return fd_seek(a32(args, 0));
    case WasiId.fd_write: return fd_write(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3));
    case WasiId.poll_oneoff: return poll_oneoff(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3));
    case WasiId.random_get: return random_get(m, a32(args, 0), a32(args, 1));
    case WasiId.sched_yield: return Errno.Success;
    case WasiId.sock_accept: return sock_accept(m, a32(args, 0), a32(args, 1) & 0xffff, a32(args, 2));
    case WasiId.sock_recv: return sock_recv(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3) & 0xffff, a32(args, 4), a32(args, 5));
    case WasiId.sock_send: return sock_send(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3) & 0xffff, a32(args, 4));
    case WasiId.sock_shutdown: return sock_shutdown(a32(args, 0), a32(args, 1) & 0xff);
    // proc_raise, files and directories beyond stdio: not offered.
    default: return Errno.Nosys;
  }
}

/** The WASI call id for an import name, or -1. */
export function wasiFunctionId(name: string): i32 {
  return wasiIdOf(name);
}

/** The signature of WASI call `id`. */
export function wasiFunctionType(id: i32): FuncType {
  return id >= 0 && id < WASI_FUNCTION_COUNT ? wasiTypeOf(id) : new FuncType(new StaticArray<u8>(0), new StaticArray<u8>(0));
}
