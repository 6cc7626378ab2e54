/**
 * WASI preview1 constants the VMM's WASI layer uses: errno values, file
 * types, fd flags and rights bits, with the numbers of the preview1 witx.
 */

export namespace Errno {
  export const Success: i32 = 0;
  export const Again: i32 = 6;
  export const Badf: i32 = 8;
  export const Fault: i32 = 21;
  export const Inval: i32 = 28;
  export const Nosys: i32 = 52;
  export const Notsup: i32 = 58;
  export const Spipe: i32 = 70;
}

/**
 * Not an errno: what a call returns to say "not yet" (the dispatcher turns
 * it into WasiResult.Blocked). Errnos are u16, so a negative value is free.
 */
export const BLOCKED: i32 = -1;

export namespace FileType {
  export const CharacterDevice: u8 = 2;
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
  /** What a terminal-like stdio descriptor offers (no seek, no tell: libc's isatty). */
  export const Stdio: u64 = FdRead | FdFdstatSetFlags | FdWrite | FdFilestatGet | PollFdReadwrite;
}

export namespace ClockId {
  export const Realtime: u32 = 0;
  export const Monotonic: u32 = 1;
  export const ProcessCputime: u32 = 2;
  export const ThreadCputime: u32 = 3;
}
