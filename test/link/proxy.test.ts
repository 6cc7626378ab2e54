import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { WasmotionError } from '../../host-shim/errors.js';
import { LinkProxy, type LinkProxyOptions } from '../../tools/link/proxy.js';
import { closedHow, collector, connectionFate, connectTo, echo, pattern, readAll, startServer, writeAll, type TestServer } from './servers.js';

const MiB = 1024 * 1024;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(onSocket: (s: Socket) => void): Promise<TestServer> {
  const server = await startServer(onSocket);
  cleanups.push(() => server.close());
  return server;
}

async function link(options: LinkProxyOptions): Promise<LinkProxy> {
  const proxy = new LinkProxy(options);
  cleanups.push(() => proxy.close());
  await proxy.listen();
  return proxy;
}

async function client(proxy: LinkProxy): Promise<Socket> {
  const socket = await connectTo(proxy.address);
  cleanups.push(() => void socket.destroy());
  return socket;
}

/** Sends `data` through the proxy to a collecting server; returns seconds until the server saw the end. */
async function timedSend(proxy: LinkProxy, data: Buffer, sink: ReturnType<typeof collector>, index = 0): Promise<number> {
  const socket = await client(proxy);
  const start = performance.now();
  await writeAll(socket, data);
  await sink.ended(index);
  return (performance.now() - start) / 1000;
}

describe('LinkProxy forwarding', () => {
  test('carries bytes complete and in order both ways, including a half-close', async () => {
    const target = await serve(echo);
    const proxy = await link({ target: target.endpoint, limits: { latencyMs: 2 } });
    const data = pattern(6 * MiB, 7);
    const socket = await client(proxy);
    const [back] = await Promise.all([readAll(socket), writeAll(socket, data)]);
    expect(back.length).toBe(data.length);
    expect(back.equals(data)).toBe(true);
    expect(proxy.bytesForwarded).toEqual({ up: data.length, down: data.length });
  });

  test('respects backpressure: a target that does not read stops the client, memory stays bounded', async () => {
    const target = await serve((s) => s.pause());
    const proxy = await link({ target: target.endpoint, maxBufferedBytes: 256 * 1024 });
    const socket = await client(proxy);
    const chunk = Buffer.alloc(64 * 1024);
    let written = 0;
    const deadline = performance.now() + 400;
    while (performance.now() < deadline && written < 256 * MiB) {
      if (socket.write(chunk)) written += chunk.length;
      else {
        written += chunk.length;
        const drained = await Promise.race([once(socket, 'drain').then(() => true), sleep(100).then(() => false)]);
        if (!drained) break;
      }
    }
    // Kernel socket buffers on the three hops hold some megabytes; the proxy adds at most 256 KiB.
    expect(written).toBeLessThan(48 * MiB);
    expect(proxy.bytesForwarded.up).toBeLessThan(written);
  });

  test('refuses targets and listen addresses off the loopback interface', () => {
    for (const host of ['10.0.0.1', '192.168.1.1', '8.8.8.8', '0.0.0.0', '::', 'example.com', '2001:db8::1']) {
      expect(() => new LinkProxy({ target: { host, port: 80 } })).toThrow(/not a loopback address/);
    }
    try {
      new LinkProxy({ target: { host: '10.1.2.3', port: 80 } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WasmotionError);
      expect((err as WasmotionError).code).toBe('WASMOTION_ERR_USAGE');
    }
    expect(() => new LinkProxy({ target: { host: '127.0.0.1', port: 80 }, listen: { host: '0.0.0.0' } })).toThrow(/not a loopback/);
    expect(() => new LinkProxy({ target: { host: '127.0.0.1', port: 80 }, rate: 5 } as LinkProxyOptions)).toThrow(/unknown LinkProxy option "rate"/);
    expect(() => new LinkProxy({ target: { host: '127.0.0.2', port: 80 } })).not.toThrow();
    expect(() => new LinkProxy({ target: { host: '::1', port: 80 } })).not.toThrow();
    expect(() => new LinkProxy({ target: { host: 'localhost', port: 80 } })).not.toThrow();
  });
});

describe('LinkProxy bandwidth and latency', () => {
  test('bandwidth: 4 MiB at 16 MiB/s takes about a quarter second', async () => {
    const sink = collector();
    const target = await serve(sink.onSocket);
    const proxy = await link({ target: target.endpoint, limits: { bytesPerSecond: 16 * MiB } });
    const seconds = await timedSend(proxy, pattern(4 * MiB), sink);
    expect(sink.bytes().length).toBe(4 * MiB);
    expect(seconds).toBeGreaterThanOrEqual(0.2);
    expect(seconds).toBeLessThan(1.5);
  });

  test('shared bandwidth: two connections together get one rate', async () => {
    const sink = collector();
    const target = await serve(sink.onSocket);
    const proxy = await link({ target: target.endpoint, limits: { bytesPerSecond: 16 * MiB }, shareBandwidth: true });
    const start = performance.now();
    const a = await client(proxy);
    const b = await client(proxy);
    await Promise.all([writeAll(a, pattern(2 * MiB, 3)), writeAll(b, pattern(2 * MiB, 4))]);
    await Promise.all([sink.ended(0), sink.ended(1)]);
    const seconds = (performance.now() - start) / 1000;
    expect(sink.bytes(0).length + sink.bytes(1).length).toBe(4 * MiB);
    expect(seconds).toBeGreaterThanOrEqual(0.2);
    expect(seconds).toBeLessThan(1.5);
  });

  test('a rate change applies to a connection already open', async () => {
    const sink = collector();
    const target = await serve(sink.onSocket);
    const proxy = await link({ target: target.endpoint, limits: { bytesPerSecond: 256 * 1024 } });
    const socket = await client(proxy);
    const done = writeAll(socket, pattern(2 * MiB));
    await sleep(100);
    // At 256 KiB/s, 2 MiB would take 8 s; lifting the limit must finish it at once.
    expect(sink.bytes().length).toBeLessThan(MiB);
    proxy.setLimits({ bytesPerSecond: null });
    const start = performance.now();
    await done;
    await sink.ended();
    expect(performance.now() - start).toBeLessThan(2000);
    expect(sink.bytes().equals(pattern(2 * MiB))).toBe(true);
  });

  test('latency: every round trip takes at least twice the one-way latency', async () => {
    const target = await serve(echo);
    const proxy = await link({ target: target.endpoint, limits: { latencyMs: 30 } });
    const socket = await client(proxy);
    const rtts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = performance.now();
      socket.write(`ping ${i}`);
      const [reply] = (await once(socket, 'data')) as [Buffer];
      rtts.push(performance.now() - start);
      expect(reply.toString()).toBe(`ping ${i}`);
    }
    for (const rtt of rtts) {
      expect(rtt).toBeGreaterThanOrEqual(60);
      expect(rtt).toBeLessThan(600);
    }
    proxy.setLimits({ latencyMs: 0 }, 'up');
    const start = performance.now();
    socket.write('x');
    await once(socket, 'data');
    const halved = performance.now() - start;
    expect(halved).toBeGreaterThanOrEqual(30);
    expect(halved).toBeLessThan(Math.min(...rtts));
  });

  test('a stalled connection does not hold up another', async () => {
    let count = 0;
    const target = await serve((s) => (count++ === 0 ? s.pause() : echo(s)));
    const proxy = await link({ target: target.endpoint, limits: { latencyMs: 20 }, maxBufferedBytes: 128 * 1024 });
    const stalled = await client(proxy);
    const flood = Buffer.alloc(MiB);
    for (let i = 0; i < 16 && stalled.write(flood); i++);
    await sleep(50);
    const other = await client(proxy);
    const start = performance.now();
    other.write('ping');
    expect(((await once(other, 'data')) as [Buffer])[0].toString()).toBe('ping');
    const rtt = performance.now() - start;
    expect(rtt).toBeGreaterThanOrEqual(40);
    expect(rtt).toBeLessThan(500);
  });
});

describe('LinkProxy cuts', () => {
  test('cut resets both sides and refuses new connections until heal', async () => {
    const target = await serve(echo);
    const proxy = await link({ target: target.endpoint });
    const socket = await client(proxy);
    socket.write('hello');
    await once(socket, 'data');
    expect(target.accepted).toHaveLength(1);
    const clientSide = closedHow(socket);
    const targetSide = closedHow(target.accepted[0]!);
    const cutEvent = once(proxy, 'cut');
    proxy.cut({ refuseNew: true });
    expect(await clientSide).toBe('reset');
    expect(await targetSide).toBe('reset');
    expect((await cutEvent)[0]).toMatchObject({ reason: 'manual', connections: 1, refusing: true });

    const refused = once(proxy, 'refused');
    expect(await connectionFate(proxy.address)).toBe('reset');
    await refused;
    expect(target.accepted).toHaveLength(1);

    proxy.heal();
    const again = await client(proxy);
    again.write('back');
    expect(((await once(again, 'data')) as [Buffer])[0].toString()).toBe('back');
    expect(target.accepted).toHaveLength(2);
  });

  test('cut without refuseNew lets the next connection through', async () => {
    const target = await serve(echo);
    const proxy = await link({ target: target.endpoint });
    const opened = once(proxy, 'open');
    const first = await client(proxy);
    const firstClosed = closedHow(first);
    await opened;
    proxy.cut();
    expect(await firstClosed).toBe('reset');
    const second = await client(proxy);
    second.write('ok');
    expect(((await once(second, 'data')) as [Buffer])[0].toString()).toBe('ok');
  });

  test('cutAfterBytes delivers at most n bytes, then cuts', async () => {
    const sink = collector();
    const target = await serve(sink.onSocket);
    const proxy = await link({ target: target.endpoint });
    const n = 100_003;
    proxy.cutAfterBytes(n, 'up');
    const socket = await client(proxy);
    const clientSide = closedHow(socket);
    const cutEvent = once(proxy, 'cut');
    socket.write(pattern(MiB));
    expect((await cutEvent)[0]).toMatchObject({ reason: 'bytes', direction: 'up', connections: 1 });
    expect(await clientSide).toBe('reset');
    await sink.ended();
    expect(proxy.bytesForwarded.up).toBe(n);
    const got = sink.bytes();
    expect(got.length).toBeLessThanOrEqual(n);
    expect(got.equals(pattern(MiB).subarray(0, got.length))).toBe(true);
  });

  test('cutAfterBytes counts the reply direction separately', async () => {
    const target = await serve(echo);
    const proxy = await link({ target: target.endpoint });
    proxy.cutAfterBytes(10, 'down');
    const socket = await client(proxy);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    const closed = closedHow(socket);
    socket.write('0123456789abcdef');
    // The reset may reach the client behind the 10 bytes, and then reads as an end of stream.
    expect(['reset', 'closed']).toContain(await closed);
    expect(proxy.bytesForwarded).toEqual({ up: 16, down: 10 });
    expect(Buffer.concat(received).length).toBeLessThanOrEqual(10);
  });

  test('a target that refuses the connection resets the client, and the close event says why', async () => {
    const gone = await startServer(echo);
    await gone.close();
    const proxy = await link({ target: gone.endpoint });
    const closeEvent = once(proxy, 'close');
    expect(await connectionFate(proxy.address)).toBe('reset');
    const [info] = (await closeEvent) as [{ error?: NodeJS.ErrnoException }];
    expect(info.error?.code).toBe('ECONNREFUSED');
  });

  test('close resets open connections and stops listening', async () => {
    const target = await serve(echo);
    const proxy = new LinkProxy({ target: target.endpoint });
    const { port } = await proxy.listen();
    const opened = once(proxy, 'open');
    const socket = await connectTo(proxy.address);
    const closed = closedHow(socket);
    await opened;
    await proxy.close();
    expect(await closed).toBe('reset');
    await expect(connectTo({ host: '127.0.0.1', port })).rejects.toThrow(/ECONNREFUSED/);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
