/**
 * Save and restore of the WASI state (state.ts): the WASI section of a
 * checkpoint (assembly/checkpoint/index.ts). Not saved: the guest memory
 * binding (the embedder binds the restored instance's memory with
 * wasi_bind_memory) and why the last call blocked (a blocked call runs again
 * after a restore and finds out anew).
 *
 *   u32 version (major | minor << 16)
 *   args    u32 len, bytes (NUL-terminated strings)
 *   env     u32 len, bytes
 *   stdin   u8 closed, u32 len, unread bytes
 *   stdio   3 x (u8 closed, u32 fd flags)
 *   clocks  u64 guest monotonic now, u64 guest start (monotonic)
 *   poll    u8 pending, u32 subscriptions ptr, u32 count, u64 start
 *   sockets (version 1.1 and later; sockets-persist.ts)
 *   disk    (version 1.2 and later; files-persist.ts; from 1.3 the image may
 *           be held outside the state)
 *
 * Little-endian. The guest's monotonic reading at save time becomes its
 * reading at restore time: the clock continues on the new host instead of
 * jumping to that host's unrelated origin (state.ts, monotonicOffset).
 * A 1.0 state (before sockets) restores with no sockets, a 1.1 state
 * (before the disk) with no disk, a 1.2 state with the image inside.
 */
import { ByteReader, ByteWriter } from "../checkpoint/bytes";
import { monotonicNow, setMonotonic } from "./clock";
import { keepImageOutside, restoreFiles, saveFiles } from "./files-persist";
import { restoreSockets, saveSockets } from "./sockets-persist";
import { SocketTable } from "./sockets";
import { StdinBuffer } from "./stdin";
import { STDIO_FDS, wasi } from "./state";

const MAJOR: u32 = 1;
const MINOR: u32 = 3;

function saveBytes(w: ByteWriter, ptr: usize, len: u32): void {
  w.u32(len);
  w.bytes(ptr, len);
}

/** Writes the WASI state; never fails (returns null, as the other sections' savers do on success). */
export function saveWasi(w: ByteWriter): string | null {
  w.u32(MAJOR | (MINOR << 16));
  saveBytes(w, changetype<usize>(wasi.args.bytes), wasi.args.byteSize);
  saveBytes(w, changetype<usize>(wasi.env.bytes), wasi.env.byteSize);
  w.u8(wasi.stdin.closed ? 1 : 0);
  saveBytes(w, wasi.stdin.unread, wasi.stdin.available);
  for (let fd: u32 = 0; fd < STDIO_FDS; fd++) {
    w.u8(wasi.closed[fd] ? 1 : 0);
    w.u32(wasi.fdFlags[fd]);
  }
  w.u64(<u64>monotonicNow());
  w.u64(<u64>wasi.startMonotonic);
  w.u8(wasi.pollPending ? 1 : 0);
  w.u32(wasi.pollSubscriptions);
  w.u32(wasi.pollCount);
  w.u64(<u64>wasi.pollStart);
  saveSockets(w, wasi.sockets);
  saveFiles(w, wasi.disk, wasi.sockets, keepImageOutside);
  return null;
}

/** Reads the WASI state; on any error returns it and leaves the current state untouched. */
export function restoreWasi(r: ByteReader): string | null {
  let version = r.u32();
  if (r.failed) return r.error;
  if ((version & 0xffff) != MAJOR || (version >>> 16) > MINOR) return "unsupported WASI state version";
  let argsLen = r.count(1); let args = r.bytes(argsLen);
  let envLen = r.count(1); let env = r.bytes(envLen);
  let stdinClosed = r.u8() != 0;
  let stdinLen = r.count(1); let stdin = r.bytes(stdinLen);
  let closed = new StaticArray<bool>(STDIO_FDS);
  let flags = new StaticArray<u16>(STDIO_FDS);
  for (let fd: u32 = 0; fd < STDIO_FDS; fd++) {
    closed[fd] = r.u8() != 0;
    flags[fd] = <u16>r.u32();
  }
  let monotonic = <i64>r.u64();
  let start = <i64>r.u64();
  let pollPending = r.u8() != 0;
  let pollSubscriptions = r.u32();
  let pollCount = r.u32();
  let pollStart = <i64>r.u64();
  if (r.failed) return r.error;
  let sockets = (version >>> 16) >= 1 ? restoreSockets(r) : new SocketTable();
  if (sockets === null) return r.error;
  let minor = version >>> 16;
  let disk = minor >= 2 ? restoreFiles(r, sockets, wasi.disk, minor >= 3) : null;
  if (r.failed) { sockets.dispose(); return r.error; }
  // Everything read and checked: only now change the state (no side effects on failure).
  wasi.args.setFrom(args, argsLen);
  wasi.env.setFrom(env, envLen);
  let buffer = new StdinBuffer();
  buffer.push(stdin, stdinLen);
  buffer.closed = stdinClosed;
  wasi.stdin = buffer;
  wasi.closed = closed;
  wasi.fdFlags = flags;
  setMonotonic(monotonic);
  wasi.startMonotonic = start;
  wasi.pollPending = pollPending;
  wasi.pollSubscriptions = pollSubscriptions;
  wasi.pollCount = pollCount;
  wasi.pollStart = pollStart;
  // An fd_sync the state leaves blocked waits for this host's answer.
  wasi.diskSynced = -1;
  wasi.sockets.dispose();
  wasi.sockets = sockets;
  // An image held outside is the disk already here: kept, not replaced.
  let old = wasi.disk;
  if (old !== null && old !== disk) old.dispose();
  wasi.disk = disk;
  return null;
}
