/**
 * The socket device: a listening socket the embedder opens before the guest
 * runs (as wasmtime's --tcplisten preopens one) and the connections that
 * arrive on it. Every byte a connection carries sits in VMM memory until the
 * other side has it, so the device's state is exactly what a checkpoint must
 * hold for connections to survive a migration:
 *
 *   receive   the embedder pushes a peer's bytes (wasi_conn_push); the guest
 *             reads them. rxTotal counts every byte pushed, so after a
 *             restore the embedder asks its peer to resend from there.
 *   send      the guest's bytes stay queued from the last one the peer
 *             acknowledged (txAcked) to the last one written (txTotal); the
 *             embedder reads them from txSent on and acknowledges what its
 *             peer confirmed. After a restore everything unacknowledged is
 *             sent again and the peer drops what it already had.
 *
 * Descriptor numbers: 0-2 are stdio; sockets take the lowest free number
 * from 3 on, so the listener opened first is fd 3.
 */
import { ByteQueue } from "./byte-queue";

export const FIRST_SOCKET_FD: u32 = 3;
/** Socket descriptors a guest may hold at once (accept beyond that is EMFILE). */
export const MAX_SOCKET_FDS: u32 = 1024;
/** Connections the VMM holds at once: accepted, waiting to be accepted, or closed with bytes still to deliver. */
export const MAX_CONNECTIONS: u32 = 4096;
/** Connections waiting for accept. */
export const MAX_BACKLOG: u32 = 128;
/** Bytes a connection's guest may have sent that its peer has not acknowledged. */
export const SEND_WINDOW: u32 = 64 << 10;
/** Unread bytes the embedder may queue on one connection. */
export const MAX_RECEIVE_BUFFER: u32 = 16 << 20;

/** Why a socket entry point (net-exports.ts) refused; 0 is success. */
export namespace NetStatus {
  export const Ok: i32 = 0;
  export const UnknownConnection: i32 = 1;
  export const DuplicateConnection: i32 = 2;
  export const NoListener: i32 = 3;
  export const BacklogFull: i32 = 4;
  export const TooManyConnections: i32 = 5;
  export const Ended: i32 = 6; // the peer's stream already ended
  export const BufferFull: i32 = 7;
  export const BadOffset: i32 = 8;
  export const NotReleasable: i32 = 9;
  export const ListenerExists: i32 = 10;
  export const NoDescriptor: i32 = 11;
  export const BadPort: i32 = 12;
}

/** wasi_conn_flags bits. */
export namespace ConnFlags {
  export const Exists: u32 = 1;
  export const Accepted: u32 = 2;
  export const PeerEnded: u32 = 4;
  export const Reset: u32 = 8;
  export const SendEnded: u32 = 16; // the guest will send no more
  export const Closed: u32 = 32;
  export const Releasable: u32 = 64;
}

export class Sock {
  constructor(public isListener: bool) {}
  /** fd_fdstat_set_flags: APPEND, NONBLOCK. */
  fdFlags: u16 = 0;
  /**
   * Not a socket but a file or directory of the disk device (files.ts): the
   * two share this table so that descriptor numbers are allocated once.
   */
  isFile: bool = false;
}

export class Listener extends Sock {
  /** Connections that arrived and wait for sock_accept, oldest first. */
  backlog: Array<Conn> = new Array<Conn>();
  constructor(public fd: i32, public port: u32) { super(true); }
}

export class Conn extends Sock {
  /** Descriptor while the guest holds it; -1 before accept and after close. */
  fd: i32 = -1;
  accepted: bool = false;
  /** Unread received bytes; rxTotal counts every byte ever pushed. */
  rx: ByteQueue = new ByteQueue();
  rxTotal: u64 = 0;
  /** The peer sent all it will send. */
  rxEnd: bool = false;
  /** The peer aborted: reads are ECONNRESET, writes are refused, nothing is left to deliver. */
  reset: bool = false;
  /** The guest shut down reading (or closed): bytes that still arrive are counted and dropped. */
  rdShut: bool = false;
  /** Sent bytes from txAcked on (up to txTotal); txSent is how far the embedder has read them. */
  tx: ByteQueue = new ByteQueue();
  txAcked: u64 = 0;
  txSent: u64 = 0;
  /** The guest shut down writing (or closed): once the peer has every byte, the stream ends. */
  wrShut: bool = false;
  /** The guest closed its descriptor (or the listener closed before accepting it). */
  closed: bool = false;

  constructor(public id: u32) { super(false); }

  get txTotal(): u64 { return this.txAcked + <u64>this.tx.available; }

  /** How many more bytes the guest may send now. */
  get sendRoom(): u32 { return SEND_WINDOW - min(SEND_WINDOW, this.tx.available); }

  /** Nothing left to do for the guest or its peer: the embedder may release it. */
  get releasable(): bool { return this.closed && this.tx.available == 0; }

  /** Drops every unread byte (shutdown of reading, close, reset). */
  dropReceived(): void { this.rx.dispose(); }

  /** The peer aborted: no more reading or sending. */
  abort(): void {
    this.reset = true;
    this.rx.dispose();
    this.txAcked = this.txTotal;
    this.txSent = this.txAcked;
    this.tx.dispose();
  }

  dispose(): void {
    this.rx.dispose();
    this.tx.dispose();
  }
}

export class SocketTable {
  /** Socket descriptors: index fd - FIRST_SOCKET_FD. */
  fds: Array<Sock | null> = new Array<Sock | null>();
  listener: Listener | null = null;
  /** Every connection the VMM holds, in arrival order, and the same by id. */
  conns: Array<Conn> = new Array<Conn>();
  byId: Map<u32, Conn> = new Map<u32, Conn>();
  /** Counts attachments of the guest to its network (wasi_net_epoch_next); a checkpoint carries it. */
  epoch: u32 = 0;
  /** Bumped by every guest action the embedder may have to act on (send, read, shutdown, close). Not saved. */
  activity: u32 = 0;

  /** The socket at `fd`; null for a file descriptor (slotAt) or a free number. */
  sockAt(fd: u32): Sock | null {
    let s = this.slotAt(fd);
    return s !== null && !s.isFile ? s : null;
  }

  /** Whatever holds descriptor `fd` from 3 on: a socket or a file. */
  slotAt(fd: u32): Sock | null {
    // u32 arithmetic: a descriptor near 2^32 must not become a negative index.
    if (fd < FIRST_SOCKET_FD || fd - FIRST_SOCKET_FD >= <u32>this.fds.length) return null;
    return this.fds[<i32>(fd - FIRST_SOCKET_FD)];
  }

  find(id: u32): Conn | null {
    return this.byId.has(id) ? this.byId.get(id) : null;
  }

  /** Gives `s` the lowest free socket descriptor; -1 when all MAX_SOCKET_FDS are taken. */
  allocFd(s: Sock): i32 {
    for (let i = 0; i < this.fds.length; i++) {
      if (this.fds[i] === null) { this.fds[i] = s; return i + <i32>FIRST_SOCKET_FD; }
    }
    if (<u32>this.fds.length >= MAX_SOCKET_FDS) return -1;
    this.fds.push(s);
    return this.fds.length - 1 + <i32>FIRST_SOCKET_FD;
  }

  freeFd(fd: i32): void {
    this.fds[fd - <i32>FIRST_SOCKET_FD] = null;
    while (this.fds.length > 0 && this.fds[this.fds.length - 1] === null) this.fds.pop();
  }

  /** Sets `s` at descriptor `fd` (a restore); false if the number is out of range or taken. */
  placeFd(fd: i32, s: Sock): bool {
    if (fd < <i32>FIRST_SOCKET_FD || <u32>(fd - <i32>FIRST_SOCKET_FD) >= MAX_SOCKET_FDS) return false;
    let i = fd - <i32>FIRST_SOCKET_FD;
    while (this.fds.length <= i) this.fds.push(null);
    if (this.fds[i] !== null) return false;
    this.fds[i] = s;
    return true;
  }

  add(c: Conn): void {
    this.conns.push(c);
    this.byId.set(c.id, c);
  }

  /** Forgets a released connection and frees its buffers. */
  remove(c: Conn): void {
    let i = this.conns.indexOf(c);
    if (i >= 0) this.conns.splice(i, 1);
    this.byId.delete(c.id);
    c.dispose();
  }

  /** The guest closed its descriptor `fd` of connection `c`. */
  closeConn(c: Conn): void {
    this.freeFd(c.fd);
    c.fd = -1;
    c.closed = true;
    c.rdShut = true;
    c.wrShut = true;
    c.dropReceived();
    this.activity++;
  }

  /** The guest closed the listener: connections it never accepted are aborted. */
  closeListener(l: Listener): void {
    this.freeFd(l.fd);
    for (let i = 0; i < l.backlog.length; i++) {
      let c = l.backlog[i];
      c.abort();
      c.closed = true;
    }
    l.backlog = new Array<Conn>();
    this.listener = null;
    this.activity++;
  }

  /** Frees every buffer (the table is being replaced). */
  dispose(): void {
    for (let i = 0; i < this.conns.length; i++) this.conns[i].dispose();
  }
}
