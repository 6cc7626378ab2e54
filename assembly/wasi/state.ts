/**
 * The state of the VMM's WASI devices for its one guest: everything a WASI
 * call depends on besides guest memory. It is part of what a checkpoint must
 * carry (DESIGN.md: "WASI device state").
 */
import { MemInst } from "../runtime/store";
import { Disk } from "./disk";
import { SocketTable } from "./sockets";
import { StdinBuffer } from "./stdin";
import { StringList } from "./strings";

/** Standard descriptors 0, 1, 2; sockets come after them. */
export const STDIO_FDS: u32 = 3;

/** Why the last WASI call returned Blocked; read by the embedder. */
export namespace BlockedOn {
  export const Nothing: u32 = 0;
  export const Stdin: u32 = 1; // input on fd 0 (or its end) would unblock it
  export const Clock: u32 = 2; // reaching WasiState.sleepUntil would unblock it
  export const Socket: u32 = 4; // a connection, received bytes, an end or room to send would unblock it
  export const DiskSync: u32 = 8; // the embedder writing the disk back to where it keeps it would unblock it
}

export class WasiState {
  args: StringList = new StringList();
  env: StringList = new StringList();
  stdin: StdinBuffer = new StdinBuffer();
  /** Per stdio descriptor: closed by fd_close. */
  closed: StaticArray<bool> = new StaticArray<bool>(STDIO_FDS);
  /** Per stdio descriptor: flags from fd_fdstat_set_flags (append, nonblock). */
  fdFlags: StaticArray<u16> = new StaticArray<u16>(STDIO_FDS);
  /** Descriptors from 3 on: the listening socket, its connections, and open files (files.ts). */
  sockets: SocketTable = new SocketTable();
  /** The disk device (disk.ts), when the embedder attached one. */
  disk: Disk | null = null;

  /**
   * The guest's monotonic clock is the host's plus this offset. On one host
   * it is constant; when a guest is restored on another host (whose
   * monotonic clock has an unrelated origin) the embedder sets it so that
   * the guest's clock continues from its saved reading: a monotonic clock
   * that ran backwards after migration would break every guest that
   * measures time. Together with lastMonotonic it is migrated state.
   */
  monotonicOffset: i64 = 0;
  /** The latest monotonic reading handed out: later readings never go below it. */
  lastMonotonic: i64 = 0;
  /** Guest monotonic time when the guest started: origin of its CPU-time clocks. */
  startMonotonic: i64 = -1;

  /**
   * A poll_oneoff that returned Blocked is executed again with the same
   * arguments; its relative timeouts must count from the first execution,
   * not from each retry's later "now", or the sleep would never end.
   */
  pollPending: bool = false;
  pollSubscriptions: u32 = 0;
  pollCount: u32 = 0;
  pollStart: i64 = 0;

  /**
   * The embedder keeps the disk in a file too (wasi_disk_sync_outside):
   * fd_sync waits until it has written the disk back there. Not part of
   * the state: each host says so for its own file.
   */
  diskSyncOutside: bool = false;
  /** The embedder's answer to the fd_sync that waits (wasi_disk_synced): Success or an errno; -1 while none. */
  diskSynced: i32 = -1;

  /** What the last Blocked call waits for (BlockedOn bits) and, for Clock, until when (guest monotonic ns). */
  blockedOn: u32 = BlockedOn.Nothing;
  sleepUntil: i64 = -1;

  /** The guest's memory, bound by the embedder after instantiation. */
  memory: MemInst | null = null;
}

export const wasi = new WasiState();

/** Whether `fd` is a standard descriptor that is still open. */
export function isOpenStdio(fd: u32): bool {
  return fd < STDIO_FDS && !wasi.closed[fd];
}
