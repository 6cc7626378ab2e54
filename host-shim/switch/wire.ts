/**
 * The link between a host running a guest and the virtual switch that
 * publishes the guest's listening socket: one TLS connection per guest and
 * host, every client connection of the guest multiplexed over it by id.
 *
 *   +-----------+---------+----------------------+
 *   | u32 size  | u8 type | payload (size - 1)   |   little-endian
 *   +-----------+---------+----------------------+
 *
 *   type        direction      payload
 *   ATTACH    1 host → switch  JSON {guest, port, epoch, conns: [{id, rx, rxEnded}]}
 *   ATTACHED  2 switch → host  JSON {address, port}
 *   REFUSED   3 switch → host  JSON {code, message}; the switch closes the link
 *   OPEN      4 switch → host  u32 id: a client connected
 *   OPENED    5 host → switch  u32 id: the connection waits in the guest's backlog
 *   DATA      6 both           u32 id, u64 offset, bytes: stream bytes from offset
 *   ACK       7 both           u32 id, u64 offset: every byte before offset arrived
 *   END       8 both           u32 id, u64 offset: the stream ends after offset bytes
 *   RESET     9 switch → host  u32 id: the client aborted (or the switch has no such client)
 *   CLOSED   10 host → switch  u32 id: the guest is done with the connection
 *   UNPUBLISH 11 host → switch JSON {}: the guest ended; the service goes away
 *
 * Offsets count each direction's bytes from the connection's start, so
 * that after a migration both ends resume exactly where the other stands:
 * the new host says in ATTACH how much of each connection its guest has
 * received (the switch sends the rest again), and sends again everything
 * not acknowledged (the switch drops what the client already got).
 */
import { WasmotionError } from '../errors.js';

export const Frame = {
  Attach: 1,
  Attached: 2,
  Refused: 3,
  Open: 4,
  Opened: 5,
  Data: 6,
  Ack: 7,
  End: 8,
  Reset: 9,
  Closed: 10,
  Unpublish: 11,
} as const;

/** Largest frame accepted: data frames carry at most a 64 KiB send window or a socket read. */
export const MAX_FRAME = 4 << 20;

export class SwitchError extends WasmotionError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SwitchError';
  }
}

export interface AttachRequest {
  guest: string;
  port: number;
  epoch: number;
  conns: { id: number; rx: number; rxEnded: boolean }[];
}

function header(type: number, payloadBytes: number): Buffer {
  const b = Buffer.allocUnsafe(5 + payloadBytes);
  b.writeUInt32LE(payloadBytes + 1, 0);
  b.writeUInt8(type, 4);
  return b;
}

export function jsonFrame(type: number, value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value));
  const b = header(type, json.length);
  json.copy(b, 5);
  return b;
}

export function idFrame(type: number, id: number): Buffer {
  const b = header(type, 4);
  b.writeUInt32LE(id, 5);
  return b;
}

export function offsetFrame(type: number, id: number, offset: number): Buffer {
  const b = header(type, 12);
  b.writeUInt32LE(id, 5);
  b.writeBigUInt64LE(BigInt(offset), 9);
  return b;
}

/** A DATA frame's header; the bytes follow it on the wire. */
export function dataHeader(id: number, offset: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(17);
  b.writeUInt32LE(13 + length, 0);
  b.writeUInt8(Frame.Data, 4);
  b.writeUInt32LE(id, 5);
  b.writeBigUInt64LE(BigInt(offset), 9);
  return b;
}

function protocol(message: string): SwitchError {
  return new SwitchError('WASMOTION_ERR_SWITCH_PROTOCOL', message);
}

export function readId(payload: Buffer): number {
  if (payload.length !== 4) throw protocol(`a connection id of ${payload.length} bytes`);
  return payload.readUInt32LE(0);
}

export function readOffset(payload: Buffer): { id: number; offset: number } {
  if (payload.length !== 12) throw protocol(`an offset frame of ${payload.length} bytes`);
  const offset = payload.readBigUInt64LE(4);
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw protocol('an offset beyond 2^53');
  return { id: payload.readUInt32LE(0), offset: Number(offset) };
}

export function readData(payload: Buffer): { id: number; offset: number; bytes: Buffer } {
  if (payload.length < 12) throw protocol('a data frame cut short');
  const { id, offset } = readOffset(payload.subarray(0, 12));
  return { id, offset, bytes: payload.subarray(12) };
}

export function readJson(payload: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    throw protocol('a control frame that is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw protocol('a control frame that is not a JSON object');
  return value as Record<string, unknown>;
}

/** Checks an ATTACH payload strictly: unknown keys and wrong types are refused. */
export function readAttach(payload: Buffer): AttachRequest {
  const v = readJson(payload);
  for (const k of Object.keys(v)) if (!['guest', 'port', 'epoch', 'conns'].includes(k)) throw protocol(`ATTACH with an unknown key ${JSON.stringify(k)}`);
  const { guest, port, epoch, conns } = v;
  if (typeof guest !== 'string' || guest.length === 0 || guest.length > 200) throw protocol('ATTACH without a guest id');
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) throw protocol('ATTACH with a bad port');
  if (!Number.isInteger(epoch) || (epoch as number) < 1) throw protocol('ATTACH with a bad epoch');
  if (!Array.isArray(conns)) throw protocol('ATTACH without its connections');
  const list = conns.map((c: unknown) => {
    const { id, rx, rxEnded } = (c ?? {}) as Record<string, unknown>;
    if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > 0xffffffff) throw protocol('ATTACH with a bad connection id');
    if (!Number.isSafeInteger(rx) || (rx as number) < 0) throw protocol('ATTACH with a bad receive offset');
    if (typeof rxEnded !== 'boolean') throw protocol('ATTACH with a bad end flag');
    return { id: id as number, rx: rx as number, rxEnded };
  });
  return { guest, port: port as number, epoch: epoch as number, conns: list };
}

/** Splits a byte stream into frames; calls onFrame for each, in order. Throws SwitchError on a bad frame. */
export class FrameParser {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    for (;;) {
      if (this.size < 4) return;
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : this.join();
      const length = head.readUInt32LE(0);
      if (length < 1 || length > MAX_FRAME) throw protocol(`a frame of ${length} bytes`);
      if (this.size < 4 + length) return;
      const all = this.join();
      const frame = all.subarray(4, 4 + length);
      const rest = all.subarray(4 + length);
      this.chunks = rest.length ? [rest] : [];
      this.size = rest.length;
      this.onFrame(frame[0], frame.subarray(1));
    }
  }

  private join(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }
}
