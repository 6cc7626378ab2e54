/**
 * The host-to-switch transport: TLS 1.3 with a pre-shared key derived from
 * the cluster secret (net/tls-psk.ts), under its own label and identity so
 * that a switch key never opens a migration listener or the reverse. Hosts
 * and the switch hold the same secret file.
 */
import { createHash } from 'node:crypto';
import * as tls from 'node:tls';
import { pskOptions } from '../net/tls-psk.js';
import { SwitchError } from './wire.js';

const IDENTITY = 'wasmotion-switch';

export function switchKey(secret: Buffer): Buffer {
  return createHash('sha256').update('wasmotion switch key\0').update(secret).digest();
}

export function switchServer(secret: Buffer, onSocket: (socket: tls.TLSSocket) => void, onRefused: (reason: string, remote: string) => void): tls.Server {
  const server = tls.createServer(pskOptions(switchKey(secret), IDENTITY).server, (socket) => {
    // Requests are small and latency is the point: no Nagle delay.
    socket.setNoDelay(true);
    onSocket(socket);
  });
  server.on('tlsClientError', (err, socket) => onRefused(err.message, `${socket.remoteAddress}:${socket.remotePort}`));
  return server;
}

export function switchConnect(secret: Buffer, host: string, port: number, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...pskOptions(switchKey(secret), IDENTITY).client, host, port });
    const fail = (message: string, cause?: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new SwitchError('WASMOTION_ERR_SWITCH_UNREACHABLE', message, { cause }));
    };
    const timer = setTimeout(() => fail(`no TLS connection to the switch at ${host}:${port} within ${timeoutMs} ms`), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => fail(`cannot reach the switch at ${host}:${port}: ${err.message}`, err));
  });
}
