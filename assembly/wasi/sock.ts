/**
 * The guest's side of the socket device (sockets.ts): sock_accept,
 * sock_recv, sock_send, sock_shutdown, and what fd_read, fd_write, fd_close,
 * fd_fdstat_* and fd_filestat_get do on a socket descriptor. A call that
 * cannot go on yet returns EAGAIN on a non-blocking descriptor and Blocked
 * otherwise, having written nothing, so that it simply runs again once the
 * embedder brought what it waits for.
 */
import { MemInst } from "../runtime/store";
import { BLOCKED, Errno, FDSTAT_BYTES, FdFlags, FILESTAT_BYTES, FileType, Rights } from "./errno";
import { fits, putU16, putU32, putU64, putU8, putZeros } from "./guest";
import { gather, iovsFit, iovTotal, scatter } from "./iovec";
import { Conn, Listener, Sock } from "./sockets";
import { BlockedOn, isOpenStdio, STDIO_FDS, wasi } from "./state";

const RECV_PEEK: u32 = 1;
const RECV_WAITALL: u32 = 2;
const SHUT_RD: u32 = 1;
const SHUT_WR: u32 = 2;

function block(): i32 {
  wasi.blockedOn = BlockedOn.Socket;
  return BLOCKED;
}

/** Whether `fd` is a socket descriptor (the caller then uses sockets.sockAt). */
export function isSocketFd(fd: u32): bool {
  return wasi.sockets.sockAt(fd) !== null;
}

/** Why `fd` is not a connection: not open, a stdio descriptor, or the listener. */
function notConnection(fd: u32): i32 {
  if (fd < STDIO_FDS) return isOpenStdio(fd) ? Errno.Notsock : Errno.Badf;
  let s = wasi.sockets.sockAt(fd);
  return s === null ? Errno.Badf : Errno.Notconn;
}

function connOf(fd: u32): Conn | null {
  let s = wasi.sockets.sockAt(fd);
  return s !== null && !s.isListener ? changetype<Conn>(s) : null;
}

export function sock_accept(m: MemInst, fd: u32, flags: u32, fdPtr: u32): i32 {
  let s = wasi.sockets.sockAt(fd);
  if (s === null) return fd < STDIO_FDS && isOpenStdio(fd) ? Errno.Notsock : Errno.Badf;
  if (!s.isListener) return Errno.Inval;
  if (flags & ~<u32>FdFlags.Nonblock) return Errno.Inval;
  if (!fits(m, fdPtr, 4)) return Errno.Fault;
  let l = changetype<Listener>(s);
  if (l.backlog.length == 0) return l.fdFlags & FdFlags.Nonblock ? Errno.Again : block();
  let c = l.backlog[0];
  let newFd = wasi.sockets.allocFd(c);
  if (newFd < 0) return Errno.Mfile;
  l.backlog.shift();
  c.fd = newFd;
  c.accepted = true;
  c.fdFlags = <u16>flags;
  putU32(m, fdPtr, <u32>newFd);
  wasi.sockets.activity++;
  return Errno.Success;
}

/**
 * Reads received bytes into the iovecs (checked). Empty: end of stream once
 * the peer ended or reading was shut down, EAGAIN when non-blocking, else
 * Blocked. WAITALL waits until the iovecs can be filled or the stream ends.
 */
function receive(m: MemInst, c: Conn, iovs: u32, count: u32, flags: u32, nreadPtr: u32): i32 {
  if (c.reset) return Errno.Connreset;
  let want = iovTotal(m, iovs, count);
  let ended = c.rxEnd || c.rdShut;
  let have = <u64>c.rx.available;
  if (want > 0 && !ended && (have == 0 || (flags & RECV_WAITALL && have < want))) {
    if (!(c.fdFlags & FdFlags.Nonblock)) return block();
    if (have == 0) return Errno.Again;
  }
  let n = scatter(m, iovs, count, c.rx, (flags & RECV_PEEK) != 0);
  putU32(m, nreadPtr, n);
  if (n > 0 && !(flags & RECV_PEEK)) wasi.sockets.activity++;
  return Errno.Success;
}

/**
 * Queues the iovecs' bytes (checked) for the peer, as many as the send
 * window has room for. A blocking descriptor waits until all fit, unless
 * they are more than an empty window holds: then it takes a window's worth.
 */
function send(m: MemInst, c: Conn, iovs: u32, count: u32, nwrittenPtr: u32): i32 {
  if (c.reset) return Errno.Connreset;
  if (c.wrShut) return Errno.Pipe;
  let total = iovTotal(m, iovs, count);
  if (total > <u64>u32.MAX_VALUE) return Errno.Inval;
  let room = <u64>c.sendRoom;
  if (total > room) {
    let nonblock = (c.fdFlags & FdFlags.Nonblock) != 0;
    if (room == 0) return nonblock ? Errno.Again : block();
    if (!nonblock && c.tx.available > 0) return block();
  }
  let n = gather(m, iovs, count, c.tx, min(total, room));
  putU32(m, nwrittenPtr, n);
  if (n > 0) wasi.sockets.activity++;
  return Errno.Success;
}

export function sock_recv(m: MemInst, fd: u32, iovs: u32, count: u32, flags: u32, nreadPtr: u32, roflagsPtr: u32): i32 {
  let c = connOf(fd);
  if (c === null) return notConnection(fd);
  if (flags & ~(RECV_PEEK | RECV_WAITALL)) return Errno.Inval;
  if (!iovsFit(m, iovs, count) || !fits(m, nreadPtr, 4) || !fits(m, roflagsPtr, 2)) return Errno.Fault;
  let errno = receive(m, c, iovs, count, flags, nreadPtr);
  // No RECV_DATA_TRUNCATED: a stream has no messages to truncate.
  if (errno == Errno.Success) putU16(m, roflagsPtr, 0);
  return errno;
}

export function sock_send(m: MemInst, fd: u32, iovs: u32, count: u32, flags: u32, nwrittenPtr: u32): i32 {
  let c = connOf(fd);
  if (c === null) return notConnection(fd);
  // preview1 defines no send flags.
  if (flags != 0) return Errno.Inval;
  if (!iovsFit(m, iovs, count) || !fits(m, nwrittenPtr, 4)) return Errno.Fault;
  return send(m, c, iovs, count, nwrittenPtr);
}

export function sock_shutdown(fd: u32, how: u32): i32 {
  let c = connOf(fd);
  if (c === null) return notConnection(fd);
  if (how == 0 || how & ~(SHUT_RD | SHUT_WR)) return Errno.Inval;
  if (how & SHUT_RD) { c.rdShut = true; c.dropReceived(); }
  if (how & SHUT_WR) c.wrShut = true;
  wasi.sockets.activity++;
  return Errno.Success;
}

// fd_* calls on a socket descriptor (the caller checked isSocketFd).

export function socket_read(m: MemInst, fd: u32, iovs: u32, count: u32, nreadPtr: u32): i32 {
  let c = connOf(fd);
  if (c === null) return Errno.Notconn;
  if (!iovsFit(m, iovs, count) || !fits(m, nreadPtr, 4)) return Errno.Fault;
  return receive(m, c, iovs, count, 0, nreadPtr);
}

export function socket_write(m: MemInst, fd: u32, iovs: u32, count: u32, nwrittenPtr: u32): i32 {
  let c = connOf(fd);
  if (c === null) return Errno.Notconn;
  if (!iovsFit(m, iovs, count) || !fits(m, nwrittenPtr, 4)) return Errno.Fault;
  return send(m, c, iovs, count, nwrittenPtr);
}

export function socket_close(fd: u32): i32 {
  let s = wasi.sockets.sockAt(fd)!;
  if (s.isListener) wasi.sockets.closeListener(changetype<Listener>(s));
  else wasi.sockets.closeConn(changetype<Conn>(s));
  return Errno.Success;
}

export function socket_fdstat_get(m: MemInst, fd: u32, statPtr: u32): i32 {
  let s = wasi.sockets.sockAt(fd)!;
  if (!fits(m, statPtr, FDSTAT_BYTES)) return Errno.Fault;
  putZeros(m, statPtr, FDSTAT_BYTES);
  putU8(m, statPtr, FileType.SocketStream);
  putU16(m, statPtr + 2, s.fdFlags);
  putU64(m, statPtr + 8, s.isListener ? Rights.Listener : Rights.Connection);
  return Errno.Success;
}

export function socket_fdstat_set_flags(fd: u32, flags: u32): i32 {
  let s: Sock = wasi.sockets.sockAt(fd)!;
  if (flags & ~<u32>(FdFlags.Append | FdFlags.Nonblock)) return Errno.Notsup;
  s.fdFlags = <u16>flags;
  return Errno.Success;
}

export function socket_filestat_get(m: MemInst, statPtr: u32): i32 {
  if (!fits(m, statPtr, FILESTAT_BYTES)) return Errno.Fault;
  putZeros(m, statPtr, FILESTAT_BYTES);
  putU8(m, statPtr + 16, FileType.SocketStream);
  putU64(m, statPtr + 24, 1); // nlink
  return Errno.Success;
}
