// Page frames sealed for the data connection: they open only whole, in
// order, as the type they were sealed as, under the key of the TLS session
// both ends share.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { describe, expect, test } from 'vitest';
import { pskOptions } from '../../host-shim/net/tls-psk.js';
import { FrameOpener, FrameSealer, TAG_BYTES, dataKey } from '../../host-shim/migration/sealed-frames.js';
import { Msg } from '../../host-shim/migration/wire.js';

/** Sealed frames as the wire carries them: ciphertext, then tag. */
function sealAll(key: Uint8Array, frames: { type: number; plain: Uint8Array }[]): Buffer[] {
  const sealer = new FrameSealer(key);
  return frames.map(({ type, plain }) => {
    const ciphertext = Buffer.alloc(plain.length);
    const tag = sealer.seal(type, plain, ciphertext);
    return Buffer.concat([ciphertext, tag]);
  });
}

function open(opener: FrameOpener, type: number, payload: Uint8Array): Buffer {
  return Buffer.from(opener.open(type, payload, Buffer.alloc(FrameOpener.plaintextBytes(payload))));
}

const authError = expect.objectContaining({ code: 'WASMOTION_ERR_MIGRATION_AUTH' });

describe('sealed page frames', () => {
  const key = randomBytes(16);
  // Larger than the cipher's piece (64 KiB), and not a multiple of it or of the AES block.
  const frames = [
    { type: Msg.Pages, plain: randomBytes(300_001) },
    { type: Msg.Disk, plain: randomBytes(17) },
    { type: Msg.PagesDeflated, plain: new Uint8Array(0) },
  ];

  test('open in order under the same key, to the bytes sealed', () => {
    const sealed = sealAll(key, frames);
    expect(sealed[0].length).toBe(300_001 + TAG_BYTES);
    // The ciphertext is not the plaintext.
    expect(sealed[0].subarray(0, 64).equals(Buffer.from(frames[0].plain.subarray(0, 64)))).toBe(false);
    const opener = new FrameOpener(key);
    frames.forEach(({ type, plain }, i) => expect(open(opener, type, sealed[i]).equals(Buffer.from(plain))).toBe(true));
  });

  test('one bit changed in the ciphertext or the tag fails the frame', () => {
    for (const at of [0, 123_456, 300_000, 300_001 + 5]) {
      const [frame] = sealAll(key, frames);
      frame[at] ^= 0x01;
      expect(() => open(new FrameOpener(key), Msg.Pages, frame)).toThrow(authError);
    }
  });

  test('a frame dropped, replayed, or opened as another type fails', () => {
    const sealed = sealAll(key, frames);
    // Dropped: frame 1 where frame 0 is due.
    expect(() => open(new FrameOpener(key), Msg.Disk, sealed[1])).toThrow(authError);
    // Replayed: frame 0 again where frame 1 is due.
    const opener = new FrameOpener(key);
    open(opener, Msg.Pages, sealed[0]);
    expect(() => open(opener, Msg.Pages, sealed[0])).toThrow(authError);
    // PAGES passed off as DISK.
    expect(() => open(new FrameOpener(key), Msg.Disk, sealed[0])).toThrow(authError);
  });

  test('under another key, or shorter than a tag, nothing opens', () => {
    const [frame] = sealAll(key, frames);
    expect(() => open(new FrameOpener(randomBytes(16)), Msg.Pages, frame)).toThrow(authError);
    expect(() => open(new FrameOpener(key), Msg.Pages, frame.subarray(0, TAG_BYTES - 1))).toThrow(authError);
  });

  test('a key that is not 16 bytes is refused', () => {
    expect(() => new FrameSealer(randomBytes(32))).toThrow(/16 bytes/);
    expect(() => new FrameOpener(new Uint8Array(0))).toThrow(/16 bytes/);
  });

  test('both ends of a TLS session export the same key, and another session another one', async () => {
    const psk = pskOptions(randomBytes(32), 'test');
    const accepted: tls.TLSSocket[] = [];
    const server = tls.createServer(psk.server, (s) => accepted.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const keys: Buffer[][] = [];
      for (let i = 0; i < 2; i++) {
        const client = tls.connect({ ...psk.client, host: '127.0.0.1', port });
        await once(client, 'secureConnect');
        while (accepted.length <= i) await new Promise((resolve) => setTimeout(resolve, 5));
        keys.push([dataKey(client), dataKey(accepted[i])]);
        client.destroy();
      }
      expect(keys[0][0].length).toBe(16);
      expect(keys[0][0].equals(keys[0][1])).toBe(true);
      expect(keys[1][0].equals(keys[1][1])).toBe(true);
      expect(keys[0][0].equals(keys[1][0])).toBe(false);
    } finally {
      for (const s of accepted) s.destroy();
      server.close();
    }
  });
});
