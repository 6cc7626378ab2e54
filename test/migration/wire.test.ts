// The migration stream's frame reader: frames cut anywhere by the socket
// come out whole and in order, large ones in a buffer of their own.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { FrameReader, MAX_FRAME, Msg } from '../../host-shim/migration/wire.js';

function frame(type: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(payload.length + 1, 0);
  head[4] = type;
  return Buffer.concat([head, payload]);
}

function ack(bytes: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(bytes));
  return frame(Msg.Ack, b);
}

/** Feeds `stream` to a reader in pieces of `piece` bytes. */
function feed(stream: Buffer, piece: number): { reader: FrameReader; socket: EventEmitter } {
  const socket = new EventEmitter();
  const reader = new FrameReader(socket as unknown as Socket);
  for (let at = 0; at < stream.length; at += piece) socket.emit('data', stream.subarray(at, at + piece));
  return { reader, socket };
}

describe('migration frame reader', () => {
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const stream = Buffer.concat([frame(Msg.Hello, Buffer.from('{"a":1}')), ack(10), frame(Msg.Pages, big), ack(300_000), frame(Msg.Console, Buffer.from('out')), frame(Msg.Go, Buffer.from('{}'))]);

  for (const piece of [1, 3, 4096, 65536, stream.length]) {
    test(`frames cut into pieces of ${piece} bytes come out whole, in order, Acks counted apart`, async () => {
      const { reader } = feed(stream, piece);
      expect((await reader.next(100)).payload.toString()).toBe('{"a":1}');
      const pages = await reader.next(100);
      expect(pages.type).toBe(Msg.Pages);
      expect(pages.payload.equals(big)).toBe(true);
      // A large frame that arrives in pieces is gathered into a buffer of its own, from byte 1
      // on: it can be transferred as it is. One that came whole in a chunk is a view of it.
      expect(pages.owned).toBe(piece < big.length);
      if (pages.owned) expect([pages.payload.byteOffset, pages.payload.buffer.byteLength]).toEqual([1, big.length + 1]);
      expect((await reader.next(100)).payload.toString()).toBe('out');
      expect(reader.acked).toBe(300_010);
      expect((await reader.expect(Msg.Go, 100)).toString()).toBe('{}');
    });
  }

  test('a frame longer than MAX_FRAME is a protocol error after the frames before it', async () => {
    const bad = Buffer.alloc(5);
    bad.writeUInt32LE(MAX_FRAME + 1, 0);
    const { reader } = feed(Buffer.concat([frame(Msg.Console, Buffer.from('x')), bad, frame(Msg.Go, Buffer.from('{}'))]), 2);
    expect((await reader.next(100)).payload.toString()).toBe('x');
    await expect(reader.next(100)).rejects.toMatchObject({ code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' });
  });

  test('a connection that closes in the middle of a large frame ends the reader', async () => {
    const { reader, socket } = feed(frame(Msg.Pages, big).subarray(0, 100_000), 4096);
    socket.emit('close');
    await expect(reader.next(100)).rejects.toMatchObject({ code: 'WASMOTION_ERR_MIGRATION_CONNECTION' });
  });

  test('no frame within the timeout is a timeout', async () => {
    const { reader } = feed(frame(Msg.Pages, big).subarray(0, 100_000), 4096);
    await expect(reader.next(30)).rejects.toMatchObject({ code: 'WASMOTION_ERR_MIGRATION_TIMEOUT' });
  });
});
