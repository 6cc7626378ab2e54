/**
 * Save and restore of the socket device (sockets.ts), part of the WASI
 * section of a checkpoint (persist.ts, from WASI state version 1.1):
 *
 *   u32 epoch
 *   u8  listener present; if 1: u32 fd, u32 port, u32 fd flags
 *   u32 connection count N, then N connections in arrival order:
 *     u32 id, i32 fd (-1: none), u32 fd flags, u8 state bits (below)
 *     u64 rxTotal, u32 len, the unread received bytes
 *     u64 txAcked, u32 len, the sent bytes not yet acknowledged
 *
 * State bits: 1 accepted, 2 peer ended, 4 reset, 8 reading shut down,
 * 16 writing shut down, 32 closed, 64 waiting in the listener's backlog
 * (the backlog's order is the connections' order).
 *
 * Not saved: how far the embedder had read the sent bytes (after a restore
 * it reads them all again from txAcked) and the activity counter.
 * A checkpoint is hostile input: descriptors, ids, sizes and the state bits
 * are checked against each other and the VMM's limits before anything is
 * built.
 */
import { ByteReader, ByteWriter } from "../checkpoint/bytes";
import {
  Conn, FIRST_SOCKET_FD, Listener, MAX_BACKLOG, MAX_CONNECTIONS, MAX_RECEIVE_BUFFER, MAX_SOCKET_FDS, SEND_WINDOW, SocketTable,
} from "./sockets";

namespace Bit {
  export const Accepted: u32 = 1;
  export const PeerEnded: u32 = 2;
  export const Reset: u32 = 4;
  export const ReadShut: u32 = 8;
  export const WriteShut: u32 = 16;
  export const Closed: u32 = 32;
  export const Pending: u32 = 64;
  export const All: u32 = 127;
}

function stateBits(c: Conn, pending: bool): u32 {
  let b: u32 = 0;
  if (c.accepted) b |= Bit.Accepted;
  if (c.rxEnd) b |= Bit.PeerEnded;
  if (c.reset) b |= Bit.Reset;
  if (c.rdShut) b |= Bit.ReadShut;
  if (c.wrShut) b |= Bit.WriteShut;
  if (c.closed) b |= Bit.Closed;
  if (pending) b |= Bit.Pending;
  return b;
}

export function saveSockets(w: ByteWriter, t: SocketTable): void {
  w.u32(t.epoch);
  let l = t.listener;
  w.u8(l !== null ? 1 : 0);
  if (l !== null) {
    w.u32(<u32>l.fd);
    w.u32(l.port);
    w.u32(l.fdFlags);
  }
  w.u32(<u32>t.conns.length);
  for (let i = 0; i < t.conns.length; i++) {
    let c = t.conns[i];
    w.u32(c.id);
    w.u32(<u32>c.fd);
    w.u32(c.fdFlags);
    w.u8(stateBits(c, l !== null && l.backlog.includes(c)));
    w.u64(c.rxTotal);
    w.u32(c.rx.available);
    w.bytes(c.rx.unread, c.rx.available);
    w.u64(c.txAcked);
    w.u32(c.tx.available);
    w.bytes(c.tx.unread, c.tx.available);
  }
}

function isSocketNumber(fd: i32): bool {
  return fd >= <i32>FIRST_SOCKET_FD && <u32>(fd - <i32>FIRST_SOCKET_FD) < MAX_SOCKET_FDS;
}

/** Why the saved connection is impossible, or null. */
function connProblem(c: Conn, bits: u32, hasListener: bool): string | null {
  if (bits & ~Bit.All) return "unknown connection state bits";
  let pending = (bits & Bit.Pending) != 0;
  if (pending && (!hasListener || c.accepted || c.closed)) return "a waiting connection that is not waiting";
  if (c.fd >= 0 && (!isSocketNumber(c.fd) || !c.accepted || c.closed)) return "a connection descriptor out of place";
  if (c.fd < 0 && c.accepted && !c.closed) return "an accepted open connection without a descriptor";
  if (c.fd < -1) return "a connection descriptor out of range";
  if (<u64>c.rx.available > c.rxTotal) return "more unread bytes than received";
  if (c.txAcked > u64.MAX_VALUE - <u64>SEND_WINDOW) return "a send offset out of range";
  return null;
}

/** Whether the connection readConn returned last waits in the backlog. */
let readPending = false;

/** Bytes of a saved connection without its buffers. */
const CONN_HEAD_BYTES: usize = 37;

/** Reads one connection; null (with r failed) when it is malformed. */
function readConn(r: ByteReader, hasListener: bool): Conn | null {
  let id = r.u32();
  let fd = <i32>r.u32();
  let flags = r.u32();
  let bits = r.u8();
  let rxTotal = r.u64();
  let rxLen = r.count(1);
  let rx = r.bytes(rxLen);
  let txAcked = r.u64();
  let txLen = r.count(1);
  let tx = r.bytes(txLen);
  if (r.failed) return null;
  if (id == 0) { r.fail("a connection without an id"); return null; }
  if (rxLen > MAX_RECEIVE_BUFFER || txLen > SEND_WINDOW) { r.fail("a connection buffer over the limit"); return null; }
  if (flags > 0xffff) { r.fail("bad descriptor flags"); return null; }
  let c = new Conn(id);
  c.fd = fd;
  c.fdFlags = <u16>flags;
  c.accepted = (bits & Bit.Accepted) != 0;
  c.rxEnd = (bits & Bit.PeerEnded) != 0;
  c.reset = (bits & Bit.Reset) != 0;
  c.rdShut = (bits & Bit.ReadShut) != 0;
  c.wrShut = (bits & Bit.WriteShut) != 0;
  c.closed = (bits & Bit.Closed) != 0;
  c.rxTotal = rxTotal;
  c.rx.push(rx, rxLen);
  c.txAcked = txAcked;
  c.txSent = txAcked;
  c.tx.push(tx, txLen);
  let problem = connProblem(c, bits, hasListener);
  if (problem !== null) {
    c.dispose();
    r.fail("bad socket state: " + problem);
    return null;
  }
  readPending = (bits & Bit.Pending) != 0;
  return c;
}

/** Reads the socket device; null (with r failed) when the state is malformed. Nothing else changes. */
export function restoreSockets(r: ByteReader): SocketTable | null {
  let t = new SocketTable();
  t.epoch = r.u32();
  let hasListener = r.u8();
  if (hasListener > 1) r.fail("bad socket state: listener flag");
  if (hasListener == 1) {
    let fd = <i32>r.u32();
    let port = r.u32();
    let flags = r.u32();
    if (!r.failed && (!isSocketNumber(fd) || flags > 0xffff || port > 0xffff)) r.fail("bad socket state: listener");
    if (!r.failed) {
      let l = new Listener(fd, port);
      l.fdFlags = <u16>flags;
      t.listener = l;
      t.placeFd(fd, l);
    }
  }
  let n = r.count(CONN_HEAD_BYTES);
  if (!r.failed && n > MAX_CONNECTIONS) r.fail("bad socket state: too many connections");
  for (let i: u32 = 0; i < n && !r.failed; i++) {
    let c = readConn(r, t.listener !== null);
    if (c === null) break;
    if (t.byId.has(c.id)) { c.dispose(); r.fail("bad socket state: two connections with one id"); break; }
    t.add(c);
    if (readPending) {
      let l = t.listener!;
      if (<u32>l.backlog.length >= MAX_BACKLOG) { r.fail("bad socket state: backlog over the limit"); break; }
      l.backlog.push(c);
    } else if (c.fd >= 0 && !t.placeFd(c.fd, c)) {
      r.fail("bad socket state: two sockets with one descriptor");
      break;
    }
  }
  if (r.failed) {
    t.dispose();
    return null;
  }
  return t;
}
