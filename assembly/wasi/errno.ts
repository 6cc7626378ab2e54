/**
 * WASI preview1 constants the VMM's WASI layer uses: errno values, file
 * types, fd flags, rights bits and record sizes, with the numbers of the
 * preview1 witx.
 */

export namespace Errno {
  export const Success: i32 = 0;
  export const Again: i32 = 6;
  export const Badf: i32 = 8;
  export const Busy: i32 = 10;
  export const Connreset: i32 = 15;
  export const Exist: i32 = 20;
  export const Fault: i32 = 21;
  export const Fbig: i32 = 22;
  export const Inval: i32 = 28;
  export const Io: i32 = 29;
  export const Isdir: i32 = 31;
  export const Mfile: i32 = 33;
  export const Nametoolong: i32 = 37;
  export const Noent: i32 = 44;
  export const Nospc: i32 = 51;
  export const Nosys: i32 = 52;
  export const Notconn: i32 = 53;
  export const Notdir: i32 = 54;
  export const Notempty: i32 = 55;
  export const Notsock: i32 = 57;
  export const Notsup: i32 = 58;
  export const Pipe: i32 = 64;
  export const Spipe: i32 = 70;
  export const Notcapable: i32 = 76;
}

/** Sizes of the preview1 records the fd calls fill in. */
export const FDSTAT_BYTES: u32 = 24;
export const FILESTAT_BYTES: u32 = 64;

/**
 * Not an errno: what a call returns to say "not yet" (the dispatcher turns
 * it into WasiResult.Blocked). Errnos are u16, so a negative value is free.
 */
export const BLOCKED: i32 = -1;

export namespace FileType {
  export const CharacterDevice: u8 = 2;
  export const Directory: u8 = 3;
  export const RegularFile: u8 = 4;
  export const SocketStream: u8 = 6;
}

export namespace FdFlags {
  export const Append: u16 = 1;
  export const Dsync: u16 = 2;
  export const Nonblock: u16 = 4;
  export const Rsync: u16 = 8;
  export const Sync: u16 = 16;
}

export namespace Rights {
  export const FdRead: u64 = 1 << 1;
  export const FdFdstatSetFlags: u64 = 1 << 3;
  export const FdWrite: u64 = 1 << 6;
  export const FdFilestatGet: u64 = 1 << 21;
  export const PollFdReadwrite: u64 = 1 << 27;
  export const SockShutdown: u64 = 1 << 28;
  export const SockAccept: u64 = 1 << 29;
  /** What a terminal-like stdio descriptor offers (no seek, no tell: libc's isatty). */
  export const Stdio: u64 = FdRead | FdFdstatSetFlags | FdWrite | FdFilestatGet | PollFdReadwrite;
  /** An accepted connection: read, write, poll, shut down. */
  export const Connection: u64 = Stdio | SockShutdown;
  /** Every right a file or directory of the disk device offers: all but the socket ones. */
  export const File: u64 = (<u64>1 << 28) - 1;
  /** The listening socket: accept and poll for pending connections. */
  export const Listener: u64 = FdRead | FdFdstatSetFlags | FdFilestatGet | PollFdReadwrite | SockAccept;
}

export namespace ClockId {
  export const Realtime: u32 = 0;
  export const Monotonic: u32 = 1;
  export const ProcessCputime: u32 = 2;
  export const ThreadCputime: u32 = 3;
}
