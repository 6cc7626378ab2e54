/**
 * The WASI preview1 calls the standalone VMM (vmm-cli.wasm) makes itself,
 * as the host (wasmtime, Node's WASI, a component adapter) offers them.
 * Every pointer is into the VMM's own linear memory; every call returns a
 * WASI errno (0 is success).
 */

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "args_sizes_get")
export declare function args_sizes_get(argc: usize, bufSize: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "args_get")
export declare function args_get(argv: usize, buf: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "clock_time_get")
export declare function clock_time_get(clock: u32, precision: u64, time: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
export declare function random_get(buf: usize, len: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
export declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, written: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_read")
export declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, read: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_close")
export declare function fd_close(fd: u32): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_sync")
export declare function fd_sync(fd: u32): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_filestat_get")
export declare function fd_filestat_get(fd: u32, stat: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_readdir")
export declare function fd_readdir(fd: u32, buf: usize, bufLen: usize, cookie: u64, used: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_prestat_get")
export declare function fd_prestat_get(fd: u32, prestat: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_prestat_dir_name")
export declare function fd_prestat_dir_name(fd: u32, path: usize, len: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "path_open")
export declare function path_open(dirFd: u32, lookupFlags: u32, path: usize, pathLen: usize, openFlags: u16,
  rightsBase: u64, rightsInheriting: u64, fdFlags: u16, fd: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "path_create_directory")
export declare function path_create_directory(dirFd: u32, path: usize, pathLen: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "path_rename")
export declare function path_rename(dirFd: u32, path: usize, pathLen: usize, newDirFd: u32, newPath: usize, newPathLen: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "path_unlink_file")
export declare function path_unlink_file(dirFd: u32, path: usize, pathLen: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "poll_oneoff")
export declare function poll_oneoff(subs: usize, events: usize, count: usize, eventCount: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "proc_exit")
export declare function proc_exit(code: u32): void;

/** Errnos the CLI tells apart (WASI preview1 numbering). */
export namespace Errno {
  export const SUCCESS: u16 = 0;
  export const ACCES: u16 = 2;
  export const AGAIN: u16 = 6;
  export const BADF: u16 = 8;
  export const EXIST: u16 = 20;
  export const INTR: u16 = 27;
  export const INVAL: u16 = 28;
  export const IO: u16 = 29;
  export const ISDIR: u16 = 31;
  export const LOOP: u16 = 32;
  export const NAMETOOLONG: u16 = 37;
  export const NOENT: u16 = 44;
  export const NOSPC: u16 = 51;
  export const NOSYS: u16 = 52;
  export const NOTDIR: u16 = 54;
  export const NOTEMPTY: u16 = 55;
  export const NOTSUP: u16 = 58;
  export const PERM: u16 = 63;
  export const ROFS: u16 = 69;
  export const NOTCAPABLE: u16 = 76;
}
