/**
 * Every WASI preview1 function, by call id: its import name and its exact
 * core wasm signature, so that the linker accepts unmodified programs.
 * Signature strings: one letter per parameter, "i" i32 and "I" i64; the
 * result is one i32 errno for every function except proc_exit.
 */
import { FuncType, ValType } from "../module/types";

export namespace WasiId {
  export const args_get: i32 = 0;
  export const args_sizes_get: i32 = 1;
  export const environ_get: i32 = 2;
  export const environ_sizes_get: i32 = 3;
  export const clock_res_get: i32 = 4;
  export const clock_time_get: i32 = 5;
  export const fd_advise: i32 = 6;
  export const fd_allocate: i32 = 7;
  export const fd_close: i32 = 8;
  export const fd_datasync: i32 = 9;
  export const fd_fdstat_get: i32 = 10;
  export const fd_fdstat_set_flags: i32 = 11;
  export const fd_fdstat_set_rights: i32 = 12;
  export const fd_filestat_get: i32 = 13;
  export const fd_filestat_set_size: i32 = 14;
  export const fd_filestat_set_times: i32 = 15;
  export const fd_pread: i32 = 16;
  export const fd_prestat_get: i32 = 17;
  export const fd_prestat_dir_name: i32 = 18;
  export const fd_pwrite: i32 = 19;
  export const fd_read: i32 = 20;
  export const fd_readdir: i32 = 21;
  export const fd_renumber: i32 = 22;
  export const fd_seek: i32 = 23;
  export const fd_sync: i32 = 24;
  export const fd_tell: i32 = 25;
  export const fd_write: i32 = 26;
  export const path_create_directory: i32 = 27;
  export const path_filestat_get: i32 = 28;
  export const path_filestat_set_times: i32 = 29;
  export const path_link: i32 = 30;
  export const path_open: i32 = 31;
  export const path_readlink: i32 = 32;
  export const path_remove_directory: i32 = 33;
  export const path_rename: i32 = 34;
  export const path_symlink: i32 = 35;
  export const path_unlink_file: i32 = 36;
  export const poll_oneoff: i32 = 37;
  export const proc_exit: i32 = 38;
  export const proc_raise: i32 = 39;
  export const sched_yield: i32 = 40;
  export const random_get: i32 = 41;
  export const sock_accept: i32 = 42;
  export const sock_recv: i32 = 43;
  export const sock_send: i32 = 44;
  export const sock_shutdown: i32 = 45;
}

/** Import names, indexed by WasiId. */
const NAMES: StaticArray<string> = [
  "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
  "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
  "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
  "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
  "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get", "path_filestat_set_times",
  "path_link", "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
  "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get", "sock_accept",
  "sock_recv", "sock_send", "sock_shutdown",
];

/** Parameter signatures, indexed by WasiId (from the preview1 witx). */
const PARAMS: StaticArray<string> = [
  "ii", "ii", "ii", "ii", "ii", "iIi", // args_get .. clock_time_get
  "iIIi", "iII", "i", "i", "ii", "ii", // fd_advise .. fd_fdstat_set_flags
  "iII", "ii", "iI", "iIIi", "iiiIi", // fd_fdstat_set_rights .. fd_pread
  "ii", "iii", "iiiIi", "iiii", "iiiIi", "ii", "iIii", // fd_prestat_get .. fd_seek
  "i", "ii", "iiii", "iii", "iiiii", "iiiiIIi", // fd_sync .. path_filestat_set_times
  "iiiiiii", "iiiiiIIii", "iiiiii", "iii", "iiiiii", "iiiii", // path_link .. path_symlink
  "iii", "iiii", "i", "i", "", "ii", "iii", // path_unlink_file .. sock_accept
  "iiiiii", "iiiii", "ii", // sock_recv .. sock_shutdown
];

export const WASI_FUNCTION_COUNT: i32 = 46;

export function wasiIdOf(name: string): i32 {
  for (let i = 0; i < NAMES.length; i++) if (NAMES[i] == name) return i;
  return -1;
}

export function wasiName(id: i32): string { return NAMES[id]; }

export function wasiTypeOf(id: i32): FuncType {
  let sig = PARAMS[id];
  let params = new StaticArray<u8>(sig.length);
  for (let i = 0; i < sig.length; i++) params[i] = sig.charCodeAt(i) == 0x49 /* I */ ? ValType.I64 : ValType.I32;
  let results = new StaticArray<u8>(id == WasiId.proc_exit ? 0 : 1);
  if (results.length) results[0] = ValType.I32;
  return new FuncType(params, results);
}
