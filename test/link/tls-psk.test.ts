import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { pskOptions, TLS_PSK_CIPHER } from '../../host-shim/net/tls-psk.js';
import { measureTcpThroughput } from '../../tools/link/throughput.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

/** An echo server with the server side of `pskOptions(secret, identity)`; resolves with its port. */
async function echoServer(secret: Buffer, identity?: string): Promise<{ port: number; clientErrors: Error[] }> {
  const clientErrors: Error[] = [];
  const server = createServer(pskOptions(secret, identity).server, (s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  server.on('tlsClientError', (err) => clientErrors.push(err));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  return { port: (server.address() as AddressInfo).port, clientErrors };
}

/** Connects with the client side and resolves with the echo of 'hello', or the error. */
function talk(port: number, secret: Buffer, identity?: string): Promise<{ socket?: TLSSocket; echo?: string; error?: NodeJS.ErrnoException }> {
  const socket = connect({ ...pskOptions(secret, identity).client, host: '127.0.0.1', port });
  closers.push(() => socket.destroy());
  return new Promise((resolve) => {
    socket.once('secureConnect', () => {
      socket.write('hello');
      socket.once('data', (d: Buffer) => resolve({ socket, echo: d.toString() }));
    });
    socket.once('error', (error) => resolve({ error }));
    socket.once('close', () => resolve({ error: new Error('closed before the handshake ended') }));
  });
}

describe('TLS-PSK options', () => {
  test('connect with the right secret, on TLS 1.3 with the profile cipher', async () => {
    const { port } = await echoServer(SECRET);
    const r = await talk(port, SECRET);
    expect(r.error).toBeUndefined();
    expect(r.echo).toBe('hello');
    expect(r.socket!.getProtocol()).toBe('TLSv1.3');
    expect(r.socket!.getCipher().name).toBe(TLS_PSK_CIPHER);
  });

  test('fail with a wrong secret, on both sides', async () => {
    const server = await echoServer(SECRET);
    const wrong = Buffer.from(SECRET);
    wrong[0]! ^= 1;
    const r = await talk(server.port, wrong);
    expect(r.echo).toBeUndefined();
    expect(r.error).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.clientErrors.length).toBeGreaterThan(0);
  });

  test('fail with an identity the server does not know', async () => {
    const { port } = await echoServer(SECRET, 'host-a');
    const r = await talk(port, SECRET, 'host-b');
    expect(r.echo).toBeUndefined();
    expect(r.error).toBeDefined();
  });

  test('refuse secrets that are too short', () => {
    expect(() => pskOptions(Buffer.alloc(8))).toThrow(/16 to 256 bytes/);
    expect(() => pskOptions(SECRET, '')).toThrow(/identity/);
  });
});

describe('measureTcpThroughput', () => {
  test('measures plain TCP and TLS-PSK loopback streams', async () => {
    const tcp = await measureTcpThroughput(16 * 1024 * 1024);
    const tls = await measureTcpThroughput(16 * 1024 * 1024, { tls: { psk: SECRET, identity: 'bench' } });
    // Loopback on any machine this runs on moves well over 10 MB/s, and a second is plenty.
    expect(tcp).toBeGreaterThan(10e6);
    expect(tls).toBeGreaterThan(10e6);
    expect(Number.isFinite(tcp) && Number.isFinite(tls)).toBe(true);
  });

  test('rejects a bad secret or byte count before opening a socket', async () => {
    await expect(measureTcpThroughput(1024, { tls: { psk: Buffer.alloc(4), identity: 'x' } })).rejects.toThrow(/16 to 256/);
    await expect(measureTcpThroughput(0)).rejects.toThrow(/positive byte count/);
  });
});
