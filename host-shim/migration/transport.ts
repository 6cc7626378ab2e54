/**
 * The migration transport: TLS with a pre-shared key derived from the
 * cluster secret (profile in net/tls-psk.ts), so hosts authenticate each
 * other and encrypt every byte without certificates. A peer without the
 * secret fails the TLS handshake.
 */
import { createHash } from 'node:crypto';
import * as tls from 'node:tls';
import { pskOptions } from '../net/tls-psk.js';
import { MigrationError } from './wire.js';

const IDENTITY = 'wasmotion-migration';

/** The pre-shared key: the secret is hashed, never sent. */
export function migrationKey(secret: Buffer): Buffer {
  return createHash('sha256').update('wasmotion migration key\0').update(secret).digest();
}

export function secureServer(secret: Buffer, onSocket: (socket: tls.TLSSocket) => void, onRefused: (reason: string, remote: string) => void): tls.Server {
  const server = tls.createServer(
    pskOptions(migrationKey(secret), IDENTITY).server,
    (socket) => {
      // Control messages are small: Nagle's delay would land in the downtime.
      socket.setNoDelay(true);
      onSocket(socket);
    },
  );
  server.on('tlsClientError', (err, socket) => onRefused(err.message, `${socket.remoteAddress}:${socket.remotePort}`));
  return server;
}

export function secureConnect(secret: Buffer, host: string, port: number, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...pskOptions(migrationKey(secret), IDENTITY).client, host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', `no TLS connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new MigrationError('WASMOTION_ERR_MIGRATION_AUTH', `cannot reach ${host}:${port} for migration: ${err.message}`, { cause: err }));
    });
  });
}
