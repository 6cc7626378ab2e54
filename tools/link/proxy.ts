/**
 * LinkProxy: a userspace network link between two processes on loopback, for
 * multi-host tests and benchmarks. It listens on 127.0.0.1 (port 0 unless told)
 * and forwards each accepted connection to a loopback target, imposing on each
 * direction a bandwidth (token bucket, per connection or shared by all) and a
 * one-way latency, and it can cut the link: now (`cut`), or once a number of
 * bytes has passed (`cutAfterBytes`), to break a protocol at a chosen point.
 *
 * The proxy is silent; it reports through typed events:
 *   open    { id, remote }                          a client connected
 *   close   { id, bytes: { up, down }, error? }     both of its sockets closed
 *   refused { remote }                              a client came while the link was cut
 *   cut     { reason, direction?, connections, refusing }
 *   heal    {}
 */
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { UsageError } from '../../host-shim/errors.js';
import { requireLoopback, type Endpoint } from './addresses.js';
import { LinkConnection, type LinkDirection } from './connection.js';
import type { PipeControl } from './pipe.js';
import { TokenBucket } from './token-bucket.js';

export type { LinkDirection } from './connection.js';

export interface LinkLimits {
  /** Bytes per second; null or absent for no limit. */
  bytesPerSecond?: number | null;
  /** One-way delay in milliseconds added to every byte. */
  latencyMs?: number;
}

export interface LinkProxyOptions {
  /** Where connections go; must be a loopback address. */
  target: Endpoint;
  /** Where to listen; host 127.0.0.1 and port 0 by default. */
  listen?: { host?: string; port?: number };
  /** Limits for both directions. */
  limits?: LinkLimits;
  /** Limits for one direction, over `limits`. */
  up?: LinkLimits;
  down?: LinkLimits;
  /** One bandwidth per direction for all connections together, instead of one per connection. */
  shareBandwidth?: boolean;
  /** Bytes a connection may hold per direction before its reader is paused (default 4 MiB). */
  maxBufferedBytes?: number;
}

export interface CutOptions {
  /** Until heal(), reset every new connection as soon as it is accepted. */
  refuseNew?: boolean;
}

export interface LinkEvents {
  open: [{ id: number; remote: string }];
  close: [{ id: number; bytes: Record<LinkDirection, number>; error?: Error }];
  refused: [{ remote: string }];
  cut: [{ reason: 'manual' | 'bytes'; direction?: LinkDirection; connections: number; refusing: boolean }];
  heal: [Record<string, never>];
}

const OPTION_KEYS = new Set(['target', 'listen', 'limits', 'up', 'down', 'shareBandwidth', 'maxBufferedBytes']);
const LIMIT_KEYS = new Set(['bytesPerSecond', 'latencyMs']);
const DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;
const DIRECTIONS: readonly LinkDirection[] = ['up', 'down'];

interface DirectionState {
  bytesPerSecond: number | null;
  latencyMs: number;
  /** The bucket all connections use when bandwidth is shared. */
  shared: TokenBucket;
  /** Bytes still allowed before a requested cut, or null. */
  cutAfter: { remaining: number; refuseNew: boolean } | null;
}

export class LinkProxy extends EventEmitter<LinkEvents> {
  /** Bytes delivered in each direction since the proxy started. */
  readonly bytesForwarded: Record<LinkDirection, number> = { up: 0, down: 0 };
  private readonly target: Endpoint;
  private readonly listenAt: Endpoint;
  private readonly shareBandwidth: boolean;
  private readonly maxBufferedBytes: number;
  private readonly state: Record<LinkDirection, DirectionState>;
  private readonly connections = new Set<LinkConnection>();
  private readonly buckets = new Map<LinkConnection, Record<LinkDirection, TokenBucket>>();
  private readonly server: Server;
  private refusing = false;
  private nextId = 1;
  private closed = false;

  constructor(options: LinkProxyOptions) {
    super();
    rejectUnknownKeys(options, OPTION_KEYS, 'LinkProxy option');
    this.target = requireLoopback(options.target, 'target');
    this.listenAt = requireLoopback({ host: options.listen?.host ?? '127.0.0.1', port: options.listen?.port ?? 0 }, 'listen address');
    this.shareBandwidth = options.shareBandwidth ?? false;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    if (!(this.maxBufferedBytes >= 1)) throw new UsageError('maxBufferedBytes must be at least 1');
    const initial = (d: LinkDirection): DirectionState => {
      const limits = checkLimits({ ...options.limits, ...options[d] });
      const bytesPerSecond = limits.bytesPerSecond ?? null;
      return { bytesPerSecond, latencyMs: limits.latencyMs ?? 0, shared: new TokenBucket(bytesPerSecond), cutAfter: null };
    };
    this.state = { up: initial('up'), down: initial('down') };
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (socket) => this.accept(socket));
  }

  /** Starts listening; resolves with the address clients should connect to. */
  async listen(): Promise<Endpoint> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.listenAt.port, this.listenAt.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.address;
  }

  get address(): Endpoint {
    const info = this.server.address() as AddressInfo | null;
    if (!info) throw new UsageError('the link is not listening');
    return { host: info.address, port: info.port };
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** The limits now in force for one direction. */
  limits(direction: LinkDirection): Required<LinkLimits> {
    const s = this.state[direction];
    return { bytesPerSecond: s.bytesPerSecond, latencyMs: s.latencyMs };
  }

  /**
   * Changes bandwidth and/or latency now, for open connections too. A new
   * latency applies to bytes sent from now on; bytes already in flight keep
   * theirs, and order is kept either way.
   */
  setLimits(limits: LinkLimits, direction: LinkDirection | 'both' = 'both'): void {
    checkLimits(limits);
    for (const d of direction === 'both' ? DIRECTIONS : [direction]) {
      const s = this.state[d];
      if (limits.bytesPerSecond !== undefined) {
        s.bytesPerSecond = limits.bytesPerSecond;
        s.shared.setRate(s.bytesPerSecond);
        for (const b of this.buckets.values()) b[d].setRate(s.bytesPerSecond);
      }
      if (limits.latencyMs !== undefined) s.latencyMs = limits.latencyMs;
    }
    for (const c of this.connections) for (const d of DIRECTIONS) c.pipe(d).pump();
  }

  /** Resets every open connection on both sides at once; with refuseNew, also new ones until heal(). */
  cut(options: CutOptions = {}): void {
    this.cutNow('manual', undefined, options.refuseNew ?? false);
  }

  /** Accepts connections again after a cut with refuseNew, and drops pending byte-count cuts. */
  heal(): void {
    this.refusing = false;
    for (const d of DIRECTIONS) this.state[d].cutAfter = null;
    this.emit('heal', {});
  }

  /**
   * Cuts the link (as `cut`) once `bytes` more bytes have been delivered in
   * `direction`, counted over all connections from this call on. The byte that
   * crosses the count is never delivered: the receiver gets at most `bytes`.
   * A later call for the same direction replaces this one.
   */
  cutAfterBytes(bytes: number, direction: LinkDirection, options: CutOptions = {}): void {
    if (!Number.isInteger(bytes) || bytes < 0) throw new UsageError(`cutAfterBytes needs a byte count >= 0, got ${bytes}`);
    if (!DIRECTIONS.includes(direction)) throw new UsageError(`direction must be 'up' or 'down', got ${String(direction)}`);
    this.state[direction].cutAfter = { remaining: bytes, refuseNew: options.refuseNew ?? false };
  }

  /** Stops listening and resets every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.connections]) c.reset();
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    if (this.refusing || this.closed) {
      const remote = `${socket.remoteAddress}:${socket.remotePort}`;
      socket.on('error', () => {});
      socket.resetAndDestroy();
      this.emit('refused', { remote });
      return;
    }
    const hooks = {
      control: (c: LinkConnection, d: LinkDirection) => this.control(c, d),
      closed: (c: LinkConnection) => this.forget(c),
    };
    const connection = new LinkConnection(this.nextId++, socket, this.target, hooks, this.maxBufferedBytes);
    this.connections.add(connection);
    this.emit('open', { id: connection.id, remote: connection.remote });
  }

  private forget(c: LinkConnection): void {
    if (!this.connections.delete(c)) return;
    this.buckets.delete(c);
    this.emit('close', { id: c.id, bytes: { ...c.bytes }, ...(c.error ? { error: c.error } : {}) });
  }

  private control(c: LinkConnection, d: LinkDirection): PipeControl {
    const s = this.state[d];
    if (!this.buckets.has(c)) {
      this.buckets.set(c, { up: new TokenBucket(this.state.up.bytesPerSecond), down: new TokenBucket(this.state.down.bytesPerSecond) });
    }
    const own = this.buckets.get(c)![d];
    return {
      bucket: () => (this.shareBandwidth ? s.shared : own),
      latencyMs: () => s.latencyMs,
      admit: (length) => (s.cutAfter ? Math.min(length, s.cutAfter.remaining) : length),
      delivered: (length) => {
        c.bytes[d] += length;
        this.bytesForwarded[d] += length;
        if (!s.cutAfter) return;
        s.cutAfter.remaining -= length;
        if (s.cutAfter.remaining <= 0) {
          const { refuseNew } = s.cutAfter;
          s.cutAfter = null;
          this.cutNow('bytes', d, refuseNew);
        }
      },
      peerGone: () => c.reset(),
    };
  }

  private cutNow(reason: 'manual' | 'bytes', direction: LinkDirection | undefined, refuseNew: boolean): void {
    if (refuseNew) this.refusing = true;
    const open = [...this.connections].filter((c) => !c.isReset);
    for (const c of open) c.reset();
    this.emit('cut', { reason, ...(direction ? { direction } : {}), connections: open.length, refusing: this.refusing });
  }
}

function checkLimits(limits: LinkLimits): LinkLimits {
  rejectUnknownKeys(limits, LIMIT_KEYS, 'link limit');
  const rate = limits.bytesPerSecond;
  if (rate !== undefined && rate !== null && !(Number.isFinite(rate) && rate >= 1)) {
    throw new UsageError(`bytesPerSecond must be at least 1 or null, got ${rate}`);
  }
  const latency = limits.latencyMs;
  if (latency !== undefined && !(Number.isFinite(latency) && latency >= 0)) {
    throw new UsageError(`latencyMs must be a number >= 0, got ${latency}`);
  }
  return limits;
}

function rejectUnknownKeys(value: object, known: Set<string>, what: string): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new UsageError(`unknown ${what} "${key}" (known: ${[...known].join(', ')})`);
  }
}
