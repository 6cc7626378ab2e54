/**
 * Listening for and opening TLS-PSK connections (profile in tls-psk.ts), as
 * the migration and switch transports both do: each with its own key and
 * identity, so that a key of one never opens a listener of the other.
 * Sockets have Nagle's delay off: what travels on them is latency-bound
 * control traffic (a switchover, a client's request).
 */
import * as tls from 'node:tls';
import { pskOptions } from './tls-psk.js';

/** How a connection attempt failed: no handshake in time, or the connection or handshake failed. */
/**
 * How a dial failed: `unreachable`, nothing answered at the address (no
 * byte of TLS was exchanged, so it says nothing of the key); `timeout`;
 * `error`, anything else, such as a handshake the peer refused.
 */
export type DialFailure = (kind: 'unreachable' | 'timeout' | 'error', message: string, cause?: unknown) => Error;

/** Socket errors that come before any byte reaches the peer. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

export function pskServer(key: Buffer, identity: string, onSocket: (socket: tls.TLSSocket) => void, onRefused: (reason: string, remote: string) => void): tls.Server {
  const server = tls.createServer(pskOptions(key, identity).server, (socket) => {
    socket.setNoDelay(true);
    onSocket(socket);
  });
  server.on('tlsClientError', (err, socket) => onRefused(err.message, `${socket.remoteAddress}:${socket.remotePort}`));
  return server;
}

/**
 * A connection to host:port, once its TLS handshake completed. The error
 * listener stays: a socket error before the caller adds its own destroys the
 * socket instead of going unhandled.
 */
export function pskConnect(key: Buffer, identity: string, host: string, port: number, timeoutMs: number, failure: DialFailure): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...pskOptions(key, identity).client, host, port });
    const fail = (kind: 'unreachable' | 'timeout' | 'error', message: string, cause?: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      reject(failure(kind, message, cause));
    };
    const timer = setTimeout(() => fail('timeout', `no TLS connection to ${host}:${port} within ${timeoutMs} ms`), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => fail(UNREACHABLE.has(err.code ?? '') ? 'unreachable' : 'error', `cannot reach ${host}:${port}: ${err.message}`, err));
  });
}
