/** Small loopback servers and clients for the link tests; all on 127.0.0.1 port 0. */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Endpoint } from '../../tools/link/addresses.js';

export interface TestServer {
  endpoint: Endpoint;
  /** Sockets the server accepted, in order. */
  accepted: Socket[];
  close(): Promise<void>;
}

/** A server that runs `onSocket` for each connection (echo, sink, ...). */
export async function startServer(onSocket: (socket: Socket) => void): Promise<TestServer> {
  const accepted: Socket[] = [];
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: { host: '127.0.0.1', port },
    accepted,
    close: async () => {
      for (const s of accepted) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes back everything it reads, and ends when the peer ends. */
export const echo = (socket: Socket): void => void socket.pipe(socket);

/** Reads and keeps everything; `bytes(i)` gives what connection i sent so far, `ended(i)` waits for its close. */
export function collector(): { onSocket: (s: Socket) => void; bytes: (i?: number) => Buffer; ended: (i?: number) => Promise<void> } {
  const chunks: Buffer[][] = [];
  const closed: { promise: Promise<void>; resolve: () => void }[] = [];
  const slot = (i: number) => {
    while (closed.length <= i) {
      let resolve = (): void => {};
      const promise = new Promise<void>((r) => (resolve = r));
      closed.push({ promise, resolve });
    }
    return closed[i]!;
  };
  return {
    onSocket: (s) => {
      const mine: Buffer[] = [];
      const { resolve } = slot(chunks.length);
      chunks.push(mine);
      s.on('close', () => resolve());
      s.on('data', (c: Buffer) => mine.push(c));
      s.on('end', () => s.end());
    },
    bytes: (i = 0) => Buffer.concat(chunks[i] ?? []),
    ended: (i = 0) => slot(i).promise,
  };
}

export async function connectTo(endpoint: Endpoint): Promise<Socket> {
  const socket = connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  return socket;
}

/** Writes all of `data` in 64 KiB pieces honouring backpressure, then ends the socket. */
export async function writeAll(socket: Socket, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; at += 65536) {
    if (!socket.write(data.subarray(at, at + 65536))) await once(socket, 'drain');
  }
  socket.end();
}

/** Reads until the peer ends (or the socket closes), returning everything read. */
export async function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve) => {
    socket.once('end', resolve);
    socket.once('close', resolve);
  });
  return Buffer.concat(chunks);
}

/** Connects and resolves with how the connection ended, whether the reset came before or after 'connect'. */
export function connectionFate(endpoint: Endpoint): Promise<'reset' | 'closed'> {
  const socket = connect({ host: endpoint.host, port: endpoint.port });
  return closedHow(socket);
}

/**
 * Resolves with how a socket ended: 'reset' (ECONNRESET or EPIPE) or 'closed'
 * (end of stream or close). Linux reports a reset that arrives behind unread
 * data as a plain end of stream once the data is read, so a reader may see either.
 */
export function closedHow(socket: Socket): Promise<'reset' | 'closed'> {
  if (socket.destroyed && socket.errored) return Promise.resolve('reset');
  return new Promise((resolve) => {
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') resolve('reset');
    });
    socket.once('end', () => resolve('closed'));
    socket.once('close', () => resolve('closed'));
  });
}

/** Deterministic bytes that reveal reordering, loss or duplication. */
export function pattern(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
