/**
 * The host's side of one guest's socket device: it moves bytes between the
 * VMM's connection buffers (vmm-net.ts) and a peer that carries them to and
 * from the real clients (a TCP listener on this host, or the virtual
 * switch). It never loses a byte to a migration because it follows two
 * rules:
 *
 *   - a received byte is acknowledged to the peer only once it is in the
 *     VMM, so everything acknowledged is in the guest's next checkpoint, and
 *     the peer keeps everything else to send again;
 *   - a sent byte stays in the VMM until the peer acknowledges it, so a
 *     restored guest sends again what may not have arrived, at its stream
 *     offset, and the peer drops what it already had.
 *
 * freeze() holds everything the peer sends, unapplied, from the moment a
 * migration takes the guest's checkpoint: the VMM then stays exactly as
 * checkpointed. thaw() applies it if the guest runs on here after all.
 *
 * The session calls afterRun() after every slice of the guest and waits on
 * changed() when the guest blocks on a socket.
 */
import { WasmotionError } from '../errors.js';
import { ConnFlags, NetStatus, type ConnState, type VmmNet } from './vmm-net.js';

/** Where the guest's side of every connection goes. Calls must not throw. */
export interface NetPeer {
  /** The guest's bytes of connection `id`, starting at stream offset `offset`. */
  data(id: number, offset: number, bytes: Uint8Array): void;
  /** The guest will send nothing on `id` after `offset` bytes. */
  end(id: number, offset: number): void;
  /** The guest holds every byte of `id` before `offset`: the peer may forget them. */
  received(id: number, offset: number): void;
  /** Connection `id` waits in the guest's backlog. */
  opened(id: number): void;
  /** The guest cannot take connection `id` (it no longer listens): the peer drops it. */
  refused(id: number): void;
  /** The guest is done with `id` and its peer has every byte: nothing more will come. */
  closed(id: number): void;
}

/** Unread bytes per connection above which the host holds back more (they wait here, unacknowledged). */
const RECEIVE_HIGH_WATER = 256 * 1024;
/** The same over all connections: clients that all send and a guest that reads nothing cannot fill the VMM. */
const RECEIVE_TOTAL_HIGH_WATER = 16 << 20;

interface ConnIo {
  /** Bytes from the peer not yet in the VMM. */
  inbox: Uint8Array[];
  inboxBytes: number;
  /** The stream offset the peer's next byte must have. */
  expect: number;
  /** Where the peer's stream ends, once it said so; whether the VMM knows. */
  endAt?: number;
  endDelivered: boolean;
  /** The guest's end of stream went to the peer. */
  endSent: boolean;
  /** The last receive offset acknowledged to the peer. */
  acked: number;
  /** The VMM's backlog was full: the open is retried. */
  opening: boolean;
}

function ioFor(rx: number, opening: boolean): ConnIo {
  return { inbox: [], inboxBytes: 0, expect: rx, endDelivered: false, endSent: false, acked: rx, opening };
}

export class GuestNet {
  peer: NetPeer | undefined;
  private readonly conns = new Map<number, ConnIo>();
  /** Connections with bytes waiting in their inbox, or an open waiting for backlog room. */
  private readonly waiting = new Set<number>();
  /** While frozen: what the peer asked for, in order, to apply at thaw(). */
  private held: (() => void)[] | undefined;
  private lastActivity = -1;
  /** Something the guest cannot see in its activity counter changed (an acknowledgement, a reset). */
  private rescan = true;
  private wakeUp: (() => void) | undefined;
  private wakeUpPromise: Promise<void> | undefined;

  constructor(readonly vmm: VmmNet) {
    // A restored guest comes with its connections.
    for (const id of vmm.ids()) {
      const io = ioFor(vmm.rxTotal(id), false);
      io.endDelivered = (vmm.flags(id) & ConnFlags.PeerEnded) !== 0;
      this.conns.set(id, io);
    }
  }

  /** The connections the guest holds: what a peer that (re)attaches must resume. */
  known(): ConnState[] {
    return [...this.conns.entries()].filter(([, io]) => !io.opening).map(([id]) => this.vmm.state(id));
  }

  /** Whether the guest has a connection `id` (or is about to). */
  has(id: number): boolean {
    return this.conns.has(id);
  }

  // ---- from the peer ----

  /** A new connection for the guest's listener. */
  open(id: number): void {
    this.apply(() => {
      if (this.conns.has(id)) return;
      this.conns.set(id, ioFor(0, true));
      this.tryOpen(id);
    });
  }

  /** The peer's bytes of `id` from stream offset `offset`; bytes the guest already has are skipped. */
  receive(id: number, offset: number, bytes: Uint8Array): void {
    this.apply(() => {
      const io = this.conns.get(id);
      if (!io || io.endAt !== undefined) return;
      if (offset > io.expect) {
        throw new WasmotionError('WASMOTION_ERR_NET_PROTOCOL', `connection ${id}: bytes from offset ${offset}, expected ${io.expect}`);
      }
      const fresh = bytes.subarray(io.expect - offset);
      if (fresh.length === 0) return;
      io.inbox.push(fresh);
      io.inboxBytes += fresh.length;
      io.expect += fresh.length;
      this.pump(id, io);
    });
  }

  /** The peer of `id` sent everything: `offset` bytes in all. */
  peerEnd(id: number, offset: number): void {
    this.apply(() => {
      const io = this.conns.get(id);
      if (!io || io.endAt !== undefined) return;
      if (offset !== io.expect) throw new WasmotionError('WASMOTION_ERR_NET_PROTOCOL', `connection ${id}: end at ${offset}, expected ${io.expect}`);
      io.endAt = offset;
      this.pump(id, io);
    });
  }

  /** The peer of `id` aborted. */
  peerReset(id: number): void {
    this.apply(() => {
      const io = this.conns.get(id);
      if (!io) return;
      io.inbox = [];
      io.inboxBytes = 0;
      if (io.opening) {
        // It never reached the guest.
        this.conns.delete(id);
        this.waiting.delete(id);
        this.peer?.closed(id);
        return;
      }
      this.vmm.reset(id);
      this.touched();
    });
  }

  /** The peer has every byte of `id` before `offset`. */
  ack(id: number, offset: number): void {
    this.apply(() => {
      if (!this.conns.has(id) || this.conns.get(id)!.opening) return;
      if (this.vmm.ack(id, offset) === NetStatus.BadOffset) {
        throw new WasmotionError('WASMOTION_ERR_NET_PROTOCOL', `connection ${id}: acknowledgement of ${offset} bytes, more than were sent`);
      }
      this.touched();
    });
  }

  /**
   * A new peer: everything the last one did not acknowledge goes out again,
   * at the guest's next slice (it is woken for it, in case it waits).
   */
  rewind(): void {
    for (const [id, io] of this.conns) {
      if (io.opening) continue;
      this.vmm.rewind(id);
      io.endSent = false;
    }
    this.touched();
  }

  freeze(): void {
    this.held ??= [];
  }

  thaw(): void {
    const held = this.held;
    this.held = undefined;
    for (const op of held ?? []) op();
  }

  get frozen(): boolean {
    return this.held !== undefined;
  }

  // ---- from the session ----

  /**
   * After a slice of the guest: brings in what waited for room, sends out
   * what the guest wrote, ends and releases connections. Returns true when
   * the guest has something new to see (then it must run again even if it
   * blocked).
   */
  afterRun(): boolean {
    if (this.held) return false;
    let progressed = false;
    for (const id of [...this.waiting]) {
      const io = this.conns.get(id);
      if (!io) continue;
      if (io.opening) progressed = this.tryOpen(id) || progressed;
      else progressed = this.pump(id, io) || progressed;
    }
    const activity = this.vmm.activity();
    if (activity !== this.lastActivity || this.rescan) {
      this.lastActivity = activity;
      this.rescan = false;
      this.flush();
    }
    return progressed;
  }

  /** Resolves at the next change the guest may be waiting for. */
  changed(): Promise<void> {
    this.wakeUpPromise ??= new Promise<void>((resolve) => (this.wakeUp = resolve));
    return this.wakeUpPromise;
  }

  // ---- inside ----

  private apply(op: () => void): void {
    if (this.held) this.held.push(op);
    else op();
  }

  private touched(): void {
    this.rescan = true;
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    this.wakeUpPromise = undefined;
    wake?.();
  }

  private tryOpen(id: number): boolean {
    const io = this.conns.get(id)!;
    const status = this.vmm.open(id);
    if (status === NetStatus.BacklogFull || status === NetStatus.TooManyConnections) {
      this.waiting.add(id);
      return false;
    }
    if (status !== NetStatus.Ok) {
      this.conns.delete(id);
      this.waiting.delete(id);
      this.peer?.refused(id);
      return false;
    }
    io.opening = false;
    this.peer?.opened(id);
    this.pump(id, io);
    this.touched();
    return true;
  }

  /** Moves inbox bytes into the VMM while it has room; returns whether any moved. */
  private pump(id: number, io: ConnIo): boolean {
    if (io.opening) return false;
    let moved = false;
    while (io.inbox.length > 0 && this.vmm.rxBuffered(id) < RECEIVE_HIGH_WATER && this.vmm.rxBufferedTotal() < RECEIVE_TOTAL_HIGH_WATER) {
      const chunk = io.inbox.shift()!;
      io.inboxBytes -= chunk.length;
      const status = this.vmm.push(id, chunk);
      if (status !== NetStatus.Ok) {
        // The connection is gone or full beyond reason: what it had left can go nowhere.
        io.inbox = [];
        io.inboxBytes = 0;
        break;
      }
      moved = true;
    }
    if (io.inbox.length > 0) this.waiting.add(id);
    else this.waiting.delete(id);
    if (io.inbox.length === 0 && io.endAt !== undefined && !io.endDelivered) {
      this.vmm.peerEnded(id);
      io.endDelivered = true;
      moved = true;
    }
    const rx = this.vmm.rxTotal(id);
    if (rx > io.acked) {
      io.acked = rx;
      this.peer?.received(id, rx);
    }
    if (moved) this.touched();
    return moved;
  }

  /** Sends what the guest wrote, its ends of stream, and releases the connections it is done with. */
  private flush(): void {
    for (const [id, io] of this.conns) {
      if (io.opening) continue;
      const out = this.vmm.takeUnsent(id);
      if (out) this.peer?.data(id, out.offset, out.bytes);
      const flags = this.vmm.flags(id);
      if (flags & ConnFlags.SendEnded && !(flags & ConnFlags.Reset) && !io.endSent) {
        io.endSent = true;
        this.peer?.end(id, this.vmm.txTotal(id));
      }
      if (flags & ConnFlags.Releasable) {
        this.vmm.release(id);
        this.conns.delete(id);
        this.waiting.delete(id);
        this.peer?.closed(id);
      }
    }
  }
}
