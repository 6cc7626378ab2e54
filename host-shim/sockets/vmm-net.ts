/**
 * The socket device's entry points (assembly/wasi/net-exports.ts) as the
 * host sees them, wrapped so that callers deal in connection ids, stream
 * offsets (numbers: a stream would need 8 PiB to pass 2^53) and byte
 * arrays instead of VMM pointers.
 */
import { WasmotionError } from '../errors.js';
import type { VmmBinding } from '../vmm/binding.js';
import { withBytes } from '../wasi/entry-points.js';

interface NetEntryPoints {
  wasi_listen(port: number): number;
  wasi_listen_port(): number;
  wasi_net_epoch_next(): number;
  wasi_net_activity(): number;
  wasi_conn_open(id: number): number;
  wasi_conn_push(id: number, ptr: number, len: number): number;
  wasi_conn_rx_end(id: number): number;
  wasi_conn_reset(id: number): number;
  wasi_conn_flags(id: number): number;
  wasi_conn_rx_buffered(id: number): number;
  wasi_net_rx_buffered(): number;
  wasi_conn_rx_total(id: number): bigint;
  wasi_conn_tx_offset(id: number): bigint;
  wasi_conn_tx_unsent(id: number): number;
  wasi_conn_tx_data(id: number): number;
  wasi_conn_tx_sent(id: number, n: number): number;
  wasi_conn_tx_total(id: number): bigint;
  wasi_conn_tx_acked(id: number): bigint;
  wasi_conn_tx_ack(id: number, offset: bigint): number;
  wasi_conn_tx_rewind(id: number): number;
  wasi_conn_release(id: number): number;
  wasi_conn_count(): number;
  wasi_conn_id(index: number): number;
}

/** Mirrors assembly/wasi/sockets.ts NetStatus. */
export const NetStatus = {
  Ok: 0,
  UnknownConnection: 1,
  DuplicateConnection: 2,
  NoListener: 3,
  BacklogFull: 4,
  TooManyConnections: 5,
  Ended: 6,
  BufferFull: 7,
  BadOffset: 8,
  NotReleasable: 9,
  ListenerExists: 10,
  NoDescriptor: 11,
  BadPort: 12,
} as const;

/** Mirrors assembly/wasi/sockets.ts ConnFlags. */
export const ConnFlags = {
  Exists: 1,
  Accepted: 2,
  PeerEnded: 4,
  Reset: 8,
  SendEnded: 16,
  Closed: 32,
  Releasable: 64,
} as const;

/** A connection's state as a restored guest holds it. */
export interface ConnState {
  id: number;
  /** Bytes received so far: the peer resumes from here. */
  rx: number;
  rxEnded: boolean;
  /** Bytes the peer acknowledged; everything after is sent again. */
  txAcked: number;
  flags: number;
}

export class VmmNet {
  private readonly x: NetEntryPoints;

  constructor(private readonly vmm: VmmBinding) {
    this.x = vmm.x as unknown as NetEntryPoints;
  }

  /** Opens the guest's listening socket, published at `port`; returns its descriptor. */
  listen(port: number): number {
    const fd = this.x.wasi_listen(port);
    if (fd < 0) throw new WasmotionError('WASMOTION_ERR_USAGE', `the guest cannot listen (status ${-fd})`);
    return fd;
  }

  /** The published port of the guest's listener, or null when it has none. */
  listenPort(): number | null {
    const port = this.x.wasi_listen_port();
    return port < 0 ? null : port;
  }

  nextEpoch(): number {
    return this.x.wasi_net_epoch_next() >>> 0;
  }

  activity(): number {
    return this.x.wasi_net_activity() >>> 0;
  }

  open(id: number): number {
    return this.x.wasi_conn_open(id);
  }

  push(id: number, bytes: Uint8Array): number {
    return withBytes(this.vmm, bytes, (p, n) => this.x.wasi_conn_push(id, p, n));
  }

  peerEnded(id: number): number {
    return this.x.wasi_conn_rx_end(id);
  }

  reset(id: number): number {
    return this.x.wasi_conn_reset(id);
  }

  flags(id: number): number {
    return this.x.wasi_conn_flags(id);
  }

  rxBuffered(id: number): number {
    return this.x.wasi_conn_rx_buffered(id) >>> 0;
  }

  /** Unread bytes over every connection. */
  rxBufferedTotal(): number {
    return this.x.wasi_net_rx_buffered() >>> 0;
  }

  rxTotal(id: number): number {
    return Number(this.x.wasi_conn_rx_total(id));
  }

  txTotal(id: number): number {
    return Number(this.x.wasi_conn_tx_total(id));
  }

  /** The guest's bytes the host has not read yet, copied out, and the offset of the first; marked read. */
  takeUnsent(id: number): { offset: number; bytes: Uint8Array } | undefined {
    const n = this.x.wasi_conn_tx_unsent(id) >>> 0;
    if (n === 0) return undefined;
    const offset = Number(this.x.wasi_conn_tx_offset(id));
    const bytes = Uint8Array.from(this.vmm.read(this.x.wasi_conn_tx_data(id), n));
    this.x.wasi_conn_tx_sent(id, n);
    return { offset, bytes };
  }

  ack(id: number, offset: number): number {
    return this.x.wasi_conn_tx_ack(id, BigInt(offset));
  }

  rewind(id: number): number {
    return this.x.wasi_conn_tx_rewind(id);
  }

  release(id: number): number {
    return this.x.wasi_conn_release(id);
  }

  ids(): number[] {
    const n = this.x.wasi_conn_count() >>> 0;
    return Array.from({ length: n }, (_, i) => this.x.wasi_conn_id(i) >>> 0);
  }

  state(id: number): ConnState {
    const flags = this.flags(id);
    return {
      id,
      rx: this.rxTotal(id),
      rxEnded: (flags & ConnFlags.PeerEnded) !== 0,
      txAcked: Number(this.x.wasi_conn_tx_acked(id)),
      flags,
    };
  }
}
