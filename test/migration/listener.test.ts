// The migration listener: TLS control connections and data connections on
// one port, each data connection taken by the channel it names, once.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MigrationListener, dataPreamble } from '../../host-shim/migration/listener.js';
import { secureConnect } from '../../host-shim/migration/transport.js';

/** Everything `socket` receives until it ends. */
/** Everything `socket` carries until it ends; chunks are copied, as a data connection's are valid only in their handler. */
async function drain(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  await once(socket, 'end');
  return Buffer.concat(chunks);
}

/** Connects to the listener and writes `pieces`, a few milliseconds apart; `closed` resolves when the listener closes it. */
async function dial(port: number, pieces: Uint8Array[]): Promise<{ socket: Socket; closed: Promise<unknown> }> {
  const socket = connect({ host: '127.0.0.1', port });
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  for (const [i, piece] of pieces.entries()) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.write(piece);
  }
  return { socket, closed };
}

describe('migration listener', () => {
  const secret = randomBytes(32);
  let listener: MigrationListener;
  let controls: TLSSocket[];
  let refused: string[];

  beforeEach(async () => {
    controls = [];
    refused = [];
    listener = new MigrationListener(secret, (s) => controls.push(s), (reason) => refused.push(reason));
    await listener.listen('127.0.0.1');
  });

  afterEach(async () => {
    for (const s of controls) s.destroy();
    await listener.close();
  });

  /** Waits until `list` has an entry. */
  async function until(list: unknown[]): Promise<void> {
    for (let i = 0; i < 400 && list.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(list.length).toBeGreaterThan(0);
  }

  test('a TLS connection with the secret is a control connection, its bytes intact', async () => {
    const client = await secureConnect(secret, '127.0.0.1', listener.port, 5_000);
    await until(controls);
    const got = once(controls[0], 'data');
    client.write('hello');
    expect(String((await got)[0])).toBe('hello');
    client.destroy();
  });

  test('a TLS connection without the secret is refused and reported', async () => {
    await expect(secureConnect(randomBytes(32), '127.0.0.1', listener.port, 5_000)).rejects.toThrow();
    await until(refused);
    expect(controls).toHaveLength(0);
  });

  test('a data connection reaches its channel with what follows the preamble, however it is cut', async () => {
    for (const cut of [0, 3, 8, 20]) {
      const channel = listener.openChannel(5_000);
      const stream = Buffer.concat([dataPreamble(channel.id), Buffer.from('page bytes')]);
      const { socket: client } = await dial(listener.port, cut === 0 ? [stream] : [stream.subarray(0, cut), stream.subarray(cut)]);
      const { socket, head } = await channel.connection;
      const received = drain(socket);
      socket.resume();
      client.end();
      expect(String(Buffer.concat([head, await received]))).toBe('page bytes');
      channel.close();
    }
    expect(refused).toEqual([]);
  });

  test('a data connection reads into one buffer, used again for every read', async () => {
    const channel = listener.openChannel(5_000);
    const { socket: client } = await dial(listener.port, [dataPreamble(channel.id)]);
    const { socket } = await channel.connection;
    const seen = new Set<ArrayBufferLike>();
    let bytes = 0;
    const total = 4 << 20;
    const done = new Promise<void>((resolve) =>
      socket.on('data', (c: Buffer) => {
        seen.add(c.buffer);
        bytes += c.length;
        if (bytes === total) resolve();
      }),
    );
    socket.resume();
    for (let i = 0; i < 64; i++) client.write(Buffer.alloc(total / 64, i));
    await done;
    expect(seen.size).toBe(1);
    channel.close();
  });

  test('a channel takes one connection: its id seen on the wire opens nothing after', async () => {
    const channel = listener.openChannel(5_000);
    await dial(listener.port, [dataPreamble(channel.id)]);
    await channel.connection;
    await (await dial(listener.port, [dataPreamble(channel.id)])).closed;
    expect(refused).toEqual(['a data connection for no migration under way']);
    channel.close();
  });

  test('unknown channels and bytes that are neither TLS nor a preamble are refused', async () => {
    await (await dial(listener.port, [dataPreamble(randomBytes(16))])).closed;
    await (await dial(listener.port, [Buffer.from('GET / HTTP/1.1\r\n\r\n')])).closed;
    expect(refused).toEqual(['a data connection for no migration under way', 'a connection that is neither TLS nor a data connection']);
  });

  test('a channel nobody connects to fails after its time, and is forgotten', async () => {
    const channel = listener.openChannel(50);
    await expect(channel.connection).rejects.toMatchObject({ code: 'WASMOTION_ERR_MIGRATION_CONNECTION' });
    await (await dial(listener.port, [dataPreamble(channel.id)])).closed;
    expect(refused).toEqual(['a data connection for no migration under way']);
  });
});
