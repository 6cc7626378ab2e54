/**
 * The migration transport: TLS with a pre-shared key derived from the
 * cluster secret (net/psk-channel.ts), so hosts authenticate each other and
 * encrypt every byte without certificates. A peer without the secret fails
 * the TLS handshake.
 */
import { createHash } from 'node:crypto';
import type * as tls from 'node:tls';
import { pskConnect, pskServer } from '../net/psk-channel.js';
import { MigrationError } from './wire.js';

const IDENTITY = 'wasmotion-migration';

/** The pre-shared key: the secret is hashed, never sent. */
export function migrationKey(secret: Buffer): Buffer {
  return createHash('sha256').update('wasmotion migration key\0').update(secret).digest();
}

export function secureServer(secret: Buffer, onSocket: (socket: tls.TLSSocket) => void, onRefused: (reason: string, remote: string) => void): tls.Server {
  return pskServer(migrationKey(secret), IDENTITY, onSocket, onRefused);
}

export function secureConnect(secret: Buffer, host: string, port: number, timeoutMs: number): Promise<tls.TLSSocket> {
  // Only a handshake that failed says the peer does not hold the secret.
  return pskConnect(migrationKey(secret), IDENTITY, host, port, timeoutMs, (kind, message, cause) =>
    kind === 'error'
      ? new MigrationError('WASMOTION_ERR_MIGRATION_AUTH', `migration: ${message}`, { cause })
      : new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', `migration: ${message}`, { cause }),
  );
}
