/**
 * The migration transport: TLS with a pre-shared key derived from the
 * cluster secret, so hosts authenticate each other and encrypt every byte
 * without certificates. A peer without the secret fails the TLS handshake.
 */
import { createHash } from 'node:crypto';
import * as tls from 'node:tls';
import { MigrationError } from './wire.js';

const IDENTITY = 'wasmotion-migration';
// TLS 1.2 PSK suites with AEAD ciphers; Node (OpenSSL 3) offers them to PSK callbacks.
const CIPHERS = 'PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256';

/** The pre-shared key: the secret is hashed, never sent. */
export function migrationKey(secret: Buffer): Buffer {
  return createHash('sha256').update('wasmotion migration key\0').update(secret).digest();
}

export function secureServer(secret: Buffer, onSocket: (socket: tls.TLSSocket) => void, onRefused: (reason: string, remote: string) => void): tls.Server {
  const key = migrationKey(secret);
  const server = tls.createServer(
    {
      ciphers: CIPHERS,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      pskIdentityHint: IDENTITY,
      pskCallback: (_socket, identity) => (identity === IDENTITY ? key : null),
    },
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
  const key = migrationKey(secret);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      ciphers: CIPHERS,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      pskCallback: () => ({ psk: key, identity: IDENTITY }),
      checkServerIdentity: () => undefined,
    });
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
