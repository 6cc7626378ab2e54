/**
 * Migration stream framing. Every message is
 *
 *   +-----------+--------+---------------------+
 *   | u32 size  | u8 type| payload (size - 1)  |   little-endian
 *   +-----------+--------+---------------------+
 *
 * Control messages carry JSON; PAGES and DISK a MEMORY payload (snapshot/memory.ts),
 * sealed on the data connection (sealed-frames.ts: ciphertext, then tag);
 * MODULE raw bytes; CONSOLE the u64 offset of its first byte in the guest's
 * output, then the bytes (protocol 4: the bytes alone); STATE a u32 JSON
 * length, the JSON, then the VMM checkpoint state. A reader refuses a frame
 * over MAX_FRAME.
 */
import type { Socket } from 'node:net';
import { WasmotionError } from '../errors.js';
import type { BatchBuffers } from './batch-buffers.js';

/**
 * 2: the memory digest is kept as pages change (migration/pages.ts).
 * 3: the guest's disk moves in pre-copy (DISK frames) and has its own digest.
 * 4: PAGES and DISK frames travel on a data connection of their own, sealed
 *    in the guests' workers (listener.ts, sealed-frames.ts).
 * 5: the guest's console output moves in pre-copy, in CONSOLE frames that
 *    say where in its output they start (a host keeps the last part of it).
 */
export const PROTOCOL = 5;
/**
 * The protocols this host speaks, oldest first: a destination takes a
 * migration in any of them, and a source speaks the newest its destination
 * does, so hosts of two versions next to each other migrate guests both
 * ways while a cluster is upgraded one host at a time.
 */
export const PROTOCOLS: readonly number[] = [4, 5];
export const MAX_FRAME = 80 << 20;

export const Msg = {
  Hello: 1,
  Welcome: 2,
  Module: 3,
  Pages: 4,
  Console: 5,
  State: 6,
  Ready: 7,
  Go: 8,
  Started: 9,
  Abort: 10,
  /** The destination has the guest instantiated and ready for pages. */
  Prepared: 11,
  /** The destination wrote a PAGES or DISK frame of u64 bytes into the guest: the source measures bandwidth by these. */
  Ack: 12,
  /** PAGES, deflated (raw deflate), when the migration asked for compression. */
  PagesDeflated: 13,
  /** Blocks of the guest's disk image, in the PAGES layout (4 KiB blocks as pages); acknowledged as PAGES are. */
  Disk: 14,
  /** DISK, deflated. */
  DiskDeflated: 15,
  /**
   * The disk moves through its image file in the shared directory: which
   * blocks the source wrote (and synced) there since the last such frame,
   * for the destination to read from the file (encodeImageBlocks). No
   * block data; not acknowledged.
   */
  DiskImage: 16,
  /**
   * Source: the guest pauses next; the destination collects garbage on its
   * main thread, then answers SWITCHOVER, and the source does the same:
   * no collection lands in the pause (host/collect-garbage.ts).
   */
  Switchover: 17,
} as const;

export interface Frame {
  type: number;
  payload: Buffer;
  /**
   * The payload's ArrayBuffer holds this frame alone (from byte 1, after the
   * type; a reused buffer may run on past its end), so it may be transferred
   * to a worker without a copy.
   */
  owned: boolean;
}

/** Frames from this size on are received straight into a buffer of their own. */
const OWN_BUFFER_BYTES = 64 << 10;
const EMPTY = Buffer.alloc(0);

export class MigrationError extends WasmotionError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'MigrationError';
  }
}

/**
 * Writes one frame, its payload in one piece or several (a sealed batch:
 * ciphertext, then tag), waiting for the socket to drain when its buffer is
 * full. `written` is called once the socket holds no reference to the
 * payload (also when the write failed): the caller may then reuse its buffer.
 */
export async function writeFrame(socket: Socket, type: number, payload: Uint8Array | readonly Uint8Array[], written?: () => void): Promise<void> {
  const parts = payload instanceof Uint8Array ? [payload] : payload;
  let size = 1;
  for (const part of parts) size += part.length;
  const header = Buffer.allocUnsafe(5);
  header.writeUInt32LE(size, 0);
  header.writeUInt8(type, 4);
  // One writev for the frame: a frame split across segments would wait on Nagle's delay where it is on.
  socket.cork();
  socket.write(header);
  let flushed = true;
  parts.forEach((part, i) => {
    flushed = socket.write(part, i === parts.length - 1 && written ? () => written() : undefined);
  });
  socket.uncork();
  if (!flushed && !socket.destroyed) {
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', closed);
        resolve();
      };
      const closed = () => {
        socket.off('drain', done);
        reject(new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', 'the migration connection closed'));
      };
      socket.once('drain', done);
      socket.once('close', closed);
    });
  }
  if (socket.destroyed) throw new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', 'the migration connection closed');
}

/** The frame type of a batch of memory pages or disk blocks, deflated or not. */
export function pageFrameType(of: 'memory' | 'disk', compressed: boolean): number {
  if (of === 'memory') return compressed ? Msg.PagesDeflated : Msg.Pages;
  return compressed ? Msg.DiskDeflated : Msg.Disk;
}

export function writeJson(socket: Socket, type: number, value: unknown): Promise<void> {
  return writeFrame(socket, type, Buffer.from(JSON.stringify(value)));
}

/**
 * Reads frames from a socket, one at a time, with a timeout for each.
 * Frames are split out as bytes arrive; a large one (page batches) is
 * gathered straight into a buffer of its own, so it is copied once from the
 * socket's chunks and can then move to a worker as it is.
 */
export class FrameReader {
  /** The start of the next frame, copied from the last chunk. */
  private pending = EMPTY;
  /** The large frame being received: its buffer and the bytes filled. */
  private body: { buf: Buffer; filled: number } | undefined;
  /** Complete frames not read yet, Acks taken out. */
  private frames: Frame[] = [];
  /** Bytes the peer acknowledged (Ack frames, taken out of the stream as they come). */
  acked = 0;
  private ended: Error | undefined;
  /** The socket itself closed: every frame it carried is read. */
  private closed = false;
  private malformed = false;
  private waiter: (() => void) | undefined;

  /**
   * With `buffers`, large frames are received into reused buffers
   * (batch-buffers.ts), given back by whoever consumed them. `name` names
   * the connection in errors; `head`, bytes of it read before (listener.ts).
   */
  constructor(socket: Socket, private readonly buffers?: BatchBuffers, name = 'the migration connection', head?: Buffer) {
    const onChunk = (chunk: Buffer) => {
      // After a malformed frame nothing that follows can be split into frames. (A reader failed
      // from outside reads on: an ABORT may still come that says why, abortedWith.)
      if (this.malformed) return;
      const before = this.frames.length;
      const acked = this.acked;
      try {
        this.receive(chunk);
      } catch (err) {
        this.malformed = true;
        this.ended ??= err as Error;
      }
      // Woken only by what a reader waits for: a frame, an acknowledgement, the end.
      if (this.frames.length !== before || this.acked !== acked || this.ended) this.wake();
    };
    if (head?.length) onChunk(head);
    socket.on('data', onChunk);
    const end = (err?: Error) => {
      this.ended ??= err ?? new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', `${name} closed`);
      this.wake();
    };
    socket.on('close', () => {
      this.closed = true;
      end();
    });
    socket.on('error', (err) => end(new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', `${name}: ${err.message}`, { cause: err })));
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /**
   * Splits `chunk` into frames: the large frame under way first, then whole
   * frames, then the start of the next. The socket may read into the same
   * buffer again once this returns (net/reused-reads.ts): what is kept of
   * `chunk` is copied, and a large frame's bytes go straight into its own
   * buffer.
   */
  private receive(chunk: Buffer): void {
    if (this.body) {
      const { buf } = this.body;
      const n = Math.min(chunk.length, buf.length - this.body.filled);
      chunk.copy(buf, this.body.filled, 0, n);
      this.body.filled += n;
      if (this.body.filled < buf.length) return;
      this.body = undefined;
      this.deliver(buf, true);
      chunk = chunk.subarray(n);
      if (chunk.length === 0) return;
    }
    // A frame's start kept from the last chunk is a few bytes, or a small frame: joining them copies little.
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = EMPTY;
    let at = 0;
    while (data.length - at >= 4) {
      const length = data.readUInt32LE(at);
      if (length < 1 || length > MAX_FRAME) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `frame of ${length} bytes`);
      if (data.length - at - 4 >= length) {
        this.deliver(Buffer.from(data.subarray(at + 4, at + 4 + length)), false);
        at += 4 + length;
        continue;
      }
      if (length >= OWN_BUFFER_BYTES) {
        // Not from Node's pool: the frame owns the whole ArrayBuffer.
        const buf = this.buffers ? this.buffers.take(length) : Buffer.allocUnsafeSlow(length);
        this.body = { buf, filled: data.copy(buf, 0, at + 4) };
        return;
      }
      break;
    }
    if (at < data.length) this.pending = Buffer.from(data.subarray(at));
  }

  private deliver(frame: Buffer, owned: boolean): void {
    if (frame[0] !== Msg.Ack) this.frames.push({ type: frame[0], payload: frame.subarray(1), owned });
    else if (frame.length === 9) this.acked += Number(frame.readBigUInt64LE(1));
  }

  /** Ends the reader with `err`: what the caller waits for next throws it (after the frames already read). */
  fail(err: Error): void {
    this.ended ??= err;
    this.wake();
  }

  /** Waits until at least `bytes` are acknowledged. */
  async awaitAcked(bytes: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f) {
        if (f.type === Msg.Abort) throw peerAborted(f);
        throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `expected acknowledgements, got message ${f.type}`);
      }
      if (this.acked >= bytes) return;
      if (this.ended) throw this.ended;
      await this.wait(deadline);
    }
  }

  /**
   * The error of an ABORT from the peer among the frames not read yet, or
   * arriving within `graceMs` while the socket stays open; undefined if none.
   */
  async abortedWith(graceMs: number): Promise<MigrationError | undefined> {
    const deadline = Date.now() + graceMs;
    for (;;) {
      const abort = this.frames.find((f) => f.type === Msg.Abort);
      if (abort) return peerAborted(abort);
      if (this.closed) return undefined;
      try {
        await this.wait(deadline);
      } catch {
        return undefined;
      }
    }
  }

  private async wait(deadline: number): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0) throw new MigrationError('WASMOTION_ERR_MIGRATION_TIMEOUT', 'the peer did not answer in time');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async next(timeoutMs: number): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f) return f;
      if (this.ended) throw this.ended;
      await this.wait(deadline);
    }
  }

  /** The next frame, which must be of `type` (an Abort from the peer becomes its error). */
  async expect(type: number, timeoutMs: number): Promise<Buffer> {
    const f = await this.next(timeoutMs);
    if (f.type === Msg.Abort) throw peerAborted(f);
    if (f.type !== type) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `expected message ${type}, got ${f.type}`);
    return f.payload;
  }
}

/** The error an ABORT frame carries: the peer's code and reason. */
function peerAborted(f: Frame): MigrationError {
  const why = parseJson(f.payload) as { code?: unknown; message?: unknown } | null;
  return new MigrationError(peerCode(why?.code, 'WASMOTION_ERR_MIGRATION_ABORTED'), `the peer aborted: ${peerText(why?.message)}`);
}

/** A code the peer sent (in an ABORT, a WELCOME), if it is one of ours; else `otherwise`. */
export function peerCode(code: unknown, otherwise: string): string {
  return typeof code === 'string' && /^WASMOTION_ERR_[A-Z0-9_]+$/.test(code) ? code : otherwise;
}

/** A reason the peer sent, as text of bounded length whatever it sent. */
export function peerText(reason: unknown): string {
  const text = typeof reason === 'string' ? reason : 'no reason given';
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
}

export function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a control message is not JSON');
  }
}

/**
 * DISK_IMAGE payload: u8 1 and nothing else for "every block" (the first
 * round), or u8 0 and the block numbers, u32 each, ascending.
 */
export function encodeImageBlocks(blocks: Uint32Array | null): Buffer {
  if (blocks === null) return Buffer.from([1]);
  const out = Buffer.allocUnsafe(1 + blocks.length * 4);
  out[0] = 0;
  for (let i = 0; i < blocks.length; i++) out.writeUInt32LE(blocks[i], 1 + i * 4);
  return out;
}

/** The blocks of a DISK_IMAGE payload, null for every block. */
export function decodeImageBlocks(payload: Buffer): Uint32Array | null {
  if (payload.length === 1 && payload[0] === 1) return null;
  if (payload.length < 1 || payload[0] !== 0 || (payload.length - 1) % 4 !== 0) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a malformed DISK_IMAGE frame');
  const blocks = new Uint32Array((payload.length - 1) / 4);
  for (let i = 0; i < blocks.length; i++) {
    blocks[i] = payload.readUInt32LE(1 + i * 4);
    if (i > 0 && blocks[i] <= blocks[i - 1]) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a DISK_IMAGE frame with blocks out of order');
  }
  return blocks;
}

/** CONSOLE payload (protocol 5): u64 offset of the first byte in the guest's output, then the bytes. */
export function encodeConsole(at: number, bytes: Uint8Array): Buffer {
  const head = Buffer.allocUnsafe(8);
  head.writeBigUInt64LE(BigInt(at), 0);
  return Buffer.concat([head, bytes]);
}

export function decodeConsole(payload: Buffer): { at: number; bytes: Buffer } {
  if (payload.length < 8) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a CONSOLE frame cut short');
  const at = payload.readBigUInt64LE(0);
  if (at > BigInt(Number.MAX_SAFE_INTEGER)) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `a CONSOLE frame at offset ${at}`);
  return { at: Number(at), bytes: payload.subarray(8) };
}

/** STATE payload: u32 JSON length, the JSON, then the state bytes. */
export function encodeState(meta: unknown, state: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(json.length, 0);
  return Buffer.concat([head, json, state]);
}

export function decodeState(payload: Buffer): { meta: unknown; state: Buffer } {
  if (payload.length < 4) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'state message cut short');
  const n = payload.readUInt32LE(0);
  if (4 + n > payload.length) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'state message cut short');
  return { meta: parseJson(payload.subarray(4, 4 + n)), state: payload.subarray(4 + n) };
}
