/**
 * Entry points of the socket device (sockets.ts), re-exported by
 * assembly/index.ts: the embedder opens the listener, brings connections and
 * their bytes in, takes the guest's bytes out and acknowledges them, and
 * releases connections the guest is done with. Connections are named by ids
 * the embedder chooses (non-zero u32, unique among the connections held).
 *
 * Results: 0 is success; a positive NetStatus (sockets.ts) says why not.
 */
import { Conn, ConnFlags, Listener, MAX_BACKLOG, MAX_CONNECTIONS, MAX_RECEIVE_BUFFER, NetStatus } from "./sockets";
import { wasi } from "./state";

/**
 * Opens the listening socket at the lowest free descriptor (3 for a fresh
 * guest); `port` is where the embedder publishes it, kept for whoever
 * restores the guest. Returns the descriptor, or -NetStatus.
 */
export function wasi_listen(port: u32): i32 {
  let t = wasi.sockets;
  if (port > 0xffff) return -NetStatus.BadPort;
  if (t.listener !== null) return -NetStatus.ListenerExists;
  let l = new Listener(-1, port);
  let fd = t.allocFd(l);
  if (fd < 0) return -NetStatus.NoDescriptor;
  l.fd = fd;
  t.listener = l;
  return fd;
}

/** The listener's published port, or -1 when the guest has no open listener. */
export function wasi_listen_port(): i32 {
  let l = wasi.sockets.listener;
  return l === null ? -1 : <i32>l.port;
}

/** The next network attachment number: one more than any before, in this guest's whole life. */
export function wasi_net_epoch_next(): u32 { return ++wasi.sockets.epoch; }

/** Changes whenever the guest sent, read, shut down or closed something: worth a look at its connections. */
export function wasi_net_activity(): u32 { return wasi.sockets.activity; }

/** A connection `id` arrived at the listener; it waits for sock_accept. */
export function wasi_conn_open(id: u32): i32 {
  let t = wasi.sockets;
  let l = t.listener;
  if (l === null) return NetStatus.NoListener;
  if (id == 0 || t.byId.has(id)) return NetStatus.DuplicateConnection;
  if (<u32>l.backlog.length >= MAX_BACKLOG) return NetStatus.BacklogFull;
  if (<u32>t.conns.length >= MAX_CONNECTIONS) return NetStatus.TooManyConnections;
  let c = new Conn(id);
  t.add(c);
  l.backlog.push(c);
  return NetStatus.Ok;
}

/**
 * Bytes the peer of `id` sent, from VMM memory [ptr, ptr+len). Counted in
 * rxTotal even when the guest no longer reads them (shut down, closed, reset).
 */
export function wasi_conn_push(id: u32, ptr: usize, len: u32): i32 {
  let c = wasi.sockets.find(id);
  if (c === null) return NetStatus.UnknownConnection;
  if (c.rxEnd) return NetStatus.Ended;
  if (c.rdShut || c.reset) { c.rxTotal += len; return NetStatus.Ok; }
  if (<u64>c.rx.available + <u64>len > <u64>MAX_RECEIVE_BUFFER) return NetStatus.BufferFull;
  c.rx.push(ptr, len);
  c.rxTotal += len;
  return NetStatus.Ok;
}

/** The peer of `id` will send nothing more: once its bytes are read, reads return end of stream. */
export function wasi_conn_rx_end(id: u32): i32 {
  let c = wasi.sockets.find(id);
  if (c === null) return NetStatus.UnknownConnection;
  c.rxEnd = true;
  return NetStatus.Ok;
}

/** The peer of `id` aborted: unread and unsent bytes are dropped; the guest sees ECONNRESET. */
export function wasi_conn_reset(id: u32): i32 {
  let c = wasi.sockets.find(id);
  if (c === null) return NetStatus.UnknownConnection;
  c.abort();
  return NetStatus.Ok;
}

/** ConnFlags of `id`; 0 when there is no such connection. */
export function wasi_conn_flags(id: u32): u32 {
  let c = wasi.sockets.find(id);
  if (c === null) return 0;
  let f = ConnFlags.Exists;
  if (c.accepted) f |= ConnFlags.Accepted;
  if (c.rxEnd) f |= ConnFlags.PeerEnded;
  if (c.reset) f |= ConnFlags.Reset;
  if (c.wrShut) f |= ConnFlags.SendEnded;
  if (c.closed) f |= ConnFlags.Closed;
  if (c.releasable) f |= ConnFlags.Releasable;
  return f;
}

/** Unread bytes of `id` (the embedder holds back more while this is high). */
export function wasi_conn_rx_buffered(id: u32): u32 {
  let c = wasi.sockets.find(id);
  return c === null ? 0 : c.rx.available;
}

/** Unread bytes over every connection (the embedder holds back more while this is high). */
export function wasi_net_rx_buffered(): u32 {
  let conns = wasi.sockets.conns;
  let total: u64 = 0;
  for (let i = 0; i < conns.length; i++) total += conns[i].rx.available;
  return <u32>min(total, <u64>u32.MAX_VALUE);
}

/** Bytes ever received on `id`: where the peer resumes after a restore. */
export function wasi_conn_rx_total(id: u32): u64 {
  let c = wasi.sockets.find(id);
  return c === null ? 0 : c.rxTotal;
}

/** The stream offset of the first byte of `id` the embedder has not read yet (txSent). */
export function wasi_conn_tx_offset(id: u32): u64 {
  let c = wasi.sockets.find(id);
  return c === null ? 0 : c.txSent;
}

/** Bytes of `id` the embedder has not read yet. */
export function wasi_conn_tx_unsent(id: u32): u32 {
  let c = wasi.sockets.find(id);
  return c === null ? 0 : <u32>(c.txTotal - c.txSent);
}

/** Where those bytes are in VMM memory (valid until the guest runs or the connection changes). */
export function wasi_conn_tx_data(id: u32): usize {
  let c = wasi.sockets.find(id);
  return c === null ? 0 : c.tx.unread + <usize>(c.txSent - c.txAcked);
}

/** The embedder has read `n` more bytes of `id` (they stay queued until acknowledged). */
export function wasi_conn_tx_sent(id: u32, n: u32): i32 {
  let c = wasi.sockets.find(id);
  if (c === null) return NetStatus.UnknownConnection;
  if (<u64>n > c.txTotal - c.txSent) return NetStatus.BadOffset;
  c.txSent += n;
  return NetStatus.Ok;
}

/** Bytes the guest sent on `id` since the connection opened, and how many the peer has acknowledged. */
export function wasi_conn_tx_total(id: u32): u64 {
  let c = wasi.sockets.find(id);
  return c === null ? 0 : c.txTotal;
}

export function wasi_conn_tx_acked(id: u32): u64 {
  let c = wasi.sockets.find(id);
  return c === null ? 0 : c.txAcked;
}

/**
 * The peer has every byte of `id` before stream offset `offset`: they are
 * freed and the guest may send as many more. An offset at or below the
 * acknowledged one changes nothing; one past what was sent is BadOffset.
 */
export function wasi_conn_tx_ack(id: u32, offset: u64): i32 {
  let c = wasi.sockets.find(id);
  if (c === null) return NetStatus.UnknownConnection;
  if (offset > c.txTotal) return NetStatus.BadOffset;
  if (offset <= c.txAcked) return NetStatus.Ok;
  c.tx.discard(<u32>(offset - c.txAcked));
  c.txAcked = offset;
  if (c.txSent < offset) c.txSent = offset;
  return NetStatus.Ok;
}

/**
 * Sends every unacknowledged byte of `id` again (txSent back to txAcked):
 * after a restore, or when the peer lost what was in flight.
 */
export function wasi_conn_tx_rewind(id: u32): i32 {
  let c = wasi.sockets.find(id);
  if (c === null) return NetStatus.UnknownConnection;
  c.txSent = c.txAcked;
  return NetStatus.Ok;
}

/** Forgets `id` once the guest closed it and its peer has every byte (ConnFlags.Releasable). */
export function wasi_conn_release(id: u32): i32 {
  let c = wasi.sockets.find(id);
  if (c === null) return NetStatus.UnknownConnection;
  if (!c.releasable) return NetStatus.NotReleasable;
  wasi.sockets.remove(c);
  return NetStatus.Ok;
}

/** The connections held, for an embedder that takes over a restored guest. */
export function wasi_conn_count(): u32 { return <u32>wasi.sockets.conns.length; }

export function wasi_conn_id(index: u32): u32 {
  let conns = wasi.sockets.conns;
  return index < <u32>conns.length ? conns[index].id : 0;
}
