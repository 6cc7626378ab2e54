/**
 * The reference speed of this machine's loopback, measured in this process:
 * a server on 127.0.0.1:0 and a client that writes `bytes` in 64 KiB chunks,
 * honouring backpressure. The clock starts when the connection is ready (after
 * the TLS handshake, if any) and stops when the server has read the last byte,
 * so the result is the sustained rate of the stream, not of connection set-up.
 * Migration benchmarks divide their transfer rate by this number.
 *
 * With `tls`, both ends use the TLS-PSK profile of host-shim/net/tls-psk.ts,
 * the same the migration transport uses.
 */
import { once } from 'node:events';
import { createServer as createTcpServer, connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as connectTls } from 'node:tls';
import { UsageError } from '../../host-shim/errors.js';
import { pskOptions } from '../../host-shim/net/tls-psk.js';

export { pskOptions } from '../../host-shim/net/tls-psk.js';

export interface ThroughputOptions {
  tls?: { psk: Buffer; identity: string };
}

const CHUNK_BYTES = 64 * 1024;

/** Bytes per second carried by one loopback TCP (or TLS-PSK) stream of `bytes` bytes. */
export async function measureTcpThroughput(bytes: number, options: ThroughputOptions = {}): Promise<number> {
  if (!Number.isInteger(bytes) || bytes < 1) throw new UsageError(`measureTcpThroughput needs a positive byte count, got ${bytes}`);
  const psk = options.tls ? pskOptions(options.tls.psk, options.tls.identity) : undefined;
  let received = 0;
  let finish: (at: number) => void = () => {};
  let fail: (err: Error) => void = () => {};
  const done = new Promise<number>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const accepted: Socket[] = [];
  const onServerSocket = (socket: Socket): void => {
    accepted.push(socket);
    socket.on('error', fail);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= bytes) finish(performance.now());
    });
  };
  const server: Server = psk ? createTlsServer(psk.server) : createTcpServer();
  server.on(psk ? 'secureConnection' : 'connection', onServerSocket);
  server.on('tlsClientError', fail);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const client = psk ? connectTls({ ...psk.client, host: '127.0.0.1', port }) : connectTcp({ host: '127.0.0.1', port });
  try {
    client.on('error', fail);
    await Promise.race([once(client, psk ? 'secureConnect' : 'connect'), done]);
    const start = performance.now();
    writeChunks(client, bytes);
    const end = await done;
    return bytes / ((end - start) / 1000);
  } finally {
    client.destroy();
    for (const socket of accepted) socket.destroy();
    server.close();
  }
}

/** Writes `bytes` zero bytes in CHUNK_BYTES pieces, waiting for 'drain' when the socket is full. */
function writeChunks(socket: Socket, bytes: number): void {
  const chunk = Buffer.alloc(CHUNK_BYTES);
  let left = bytes;
  const writeSome = (): void => {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!socket.write(piece)) {
        socket.once('drain', writeSome);
        return;
      }
    }
  };
  writeSome();
}
