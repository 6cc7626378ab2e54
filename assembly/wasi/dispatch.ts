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
  fd_close, fd_fdstat_get, fd_fdstat_set_flags, fd_filestat_get, fd_prestat_dir_name, fd_prestat_get, fd_read, fd_seek, fd_tell, fd_write,
} from "./fd";
import {
  fd_advise, fd_allocate, fd_filestat_set_size, fd_filestat_set_times, fd_pread, fd_pwrite, fd_readdir, fd_sync,
} from "./file-fd";
import {
  path_create_directory, path_filestat_get, path_filestat_set_times, path_open, path_remove_directory, path_rename, path_unlink_file,
} from "./path-calls";
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
  // So is a blocked fd_sync: the embedder's answer is for that call only.
  if (id != <u32>WasiId.fd_sync && id != <u32>WasiId.fd_datasync) wasi.diskSynced = -1;
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
    case WasiId.fd_prestat_get: return fd_prestat_get(m, a32(args, 0), a32(args, 1));
    case WasiId.fd_prestat_dir_name: return fd_prestat_dir_name(m, a32(args, 0), a32(args, 1), a32(args, 2));
    case WasiId.fd_read: return fd_read(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3));
    case WasiId.fd_seek: return fd_seek(m, a32(args, 0), <i64>a64(args, 1), a32(args, 2) & 0xff, a32(args, 3));
    case WasiId.fd_tell: return fd_tell(m, a32(args, 0), a32(args, 1));
    case WasiId.fd_pread: return fd_pread(m, a32(args, 0), a32(args, 1), a32(args, 2), a64(args, 3), a32(args, 4));
    case WasiId.fd_pwrite: return fd_pwrite(m, a32(args, 0), a32(args, 1), a32(args, 2), a64(args, 3), a32(args, 4));
    case WasiId.fd_readdir: return fd_readdir(m, a32(args, 0), a32(args, 1), a32(args, 2), a64(args, 3), a32(args, 4));
    case WasiId.fd_sync: return fd_sync(a32(args, 0));
    case WasiId.fd_datasync: return fd_sync(a32(args, 0));
    case WasiId.fd_advise: return fd_advise(a32(args, 0), a32(args, 3) & 0xff);
    case WasiId.fd_allocate: return fd_allocate(a32(args, 0), a64(args, 1), a64(args, 2));
    case WasiId.fd_filestat_set_size: return fd_filestat_set_size(a32(args, 0), a64(args, 1));
    case WasiId.fd_filestat_set_times: return fd_filestat_set_times(a32(args, 0), a64(args, 1), a64(args, 2), a32(args, 3) & 0xffff);
    case WasiId.path_open:
      return path_open(m, a32(args, 0), a32(args, 2), a32(args, 3), a32(args, 4) & 0xffff, a64(args, 5), a32(args, 7) & 0xffff, a32(args, 8));
    case WasiId.path_create_directory: return path_create_directory(m, a32(args, 0), a32(args, 1), a32(args, 2));
    case WasiId.path_remove_directory: return path_remove_directory(m, a32(args, 0), a32(args, 1), a32(args, 2));
    case WasiId.path_unlink_file: return path_unlink_file(m, a32(args, 0), a32(args, 1), a32(args, 2));
    case WasiId.path_filestat_get: return path_filestat_get(m, a32(args, 0), a32(args, 2), a32(args, 3), a32(args, 4));
    case WasiId.path_filestat_set_times:
      return path_filestat_set_times(m, a32(args, 0), a32(args, 2), a32(args, 3), a64(args, 4), a64(args, 5), a32(args, 6) & 0xffff);
    case WasiId.path_rename: return path_rename(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3), a32(args, 4), a32(args, 5));
    case WasiId.fd_write: return fd_write(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3));
    case WasiId.poll_oneoff: return poll_oneoff(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3));
    case WasiId.random_get: return random_get(m, a32(args, 0), a32(args, 1));
    case WasiId.sched_yield: return Errno.Success;
    case WasiId.sock_accept: return sock_accept(m, a32(args, 0), a32(args, 1) & 0xffff, a32(args, 2));
    case WasiId.sock_recv: return sock_recv(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3) & 0xffff, a32(args, 4), a32(args, 5));
    case WasiId.sock_send: return sock_send(m, a32(args, 0), a32(args, 1), a32(args, 2), a32(args, 3) & 0xffff, a32(args, 4));
    case WasiId.sock_shutdown: return sock_shutdown(a32(args, 0), a32(args, 1) & 0xff);
    // proc_raise, fd_renumber, fd_fdstat_set_rights, links and symbolic links: not offered.
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
