/**
 * TLS with a pre-shared key (TLS-PSK) between two wasmotion hosts: both sides
 * know the same secret, so no certificate or CA is needed, and a peer without
 * the secret cannot finish the handshake.
 *
 * Profile, checked on Node 20.20 / OpenSSL 3.0:
 *   - TLS 1.3 only, cipher suite TLS_AES_128_GCM_SHA256.
 *   - The key is an external PSK given through `pskCallback` on both sides.
 *     OpenSSL offers it in psk_dhe_ke mode (PSK plus an ECDHE exchange), so a
 *     leaked secret does not decrypt recorded sessions (forward secrecy).
 *   - The suite must hash with SHA-256: OpenSSL binds an external TLS 1.3 PSK
 *     to SHA-256, and a SHA-384 suite (TLS_AES_256_GCM_SHA384) never completes.
 *   - A wrong secret fails in the handshake: the server reports
 *     ERR_SSL_BINDER_DOES_NOT_VERIFY, the client ERR_SSL_SSLV3_ALERT_ILLEGAL_PARAMETER.
 *     An unknown identity fails too (the server has no certificate to fall back to).
 *
 * TLS 1.2 PSK suites (PSK-AES128-GCM-SHA256, ECDHE-PSK-CHACHA20-POLY1305) also
 * work on Node 20 when named in `ciphers` with maxVersion 'TLSv1.2', at a
 * similar speed on loopback; plain PSK-* suites have no forward secrecy, which
 * is why the profile is TLS 1.3.
 */
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { UsageError } from '../errors.js';

/** The one cipher suite both sides agree on. */
export const TLS_PSK_CIPHER = 'TLS_AES_128_GCM_SHA256';
export const TLS_PSK_VERSION = 'TLSv1.3';
/** Identity sent by the client when the caller names none. It is not secret. */
export const DEFAULT_PSK_IDENTITY = 'wasmotion';

/** Shortest secret accepted: 128 bits, the strength of the cipher. */
const MIN_SECRET_BYTES = 16;
/** Longest secret OpenSSL takes for a PSK. */
const MAX_SECRET_BYTES = 256;

export interface PskOptions {
  /** For tls.createServer / new tls.TLSSocket(..., { isServer: true }). */
  server: TlsOptions;
  /** For tls.connect; add host and port. */
  client: ConnectionOptions;
}

/**
 * The TLS options for both ends of a connection authenticated by `secret`.
 * The server accepts only `identity`; the client presents it.
 */
export function pskOptions(secret: Uint8Array, identity: string = DEFAULT_PSK_IDENTITY): PskOptions {
  if (secret.length < MIN_SECRET_BYTES || secret.length > MAX_SECRET_BYTES) {
    throw new UsageError(`TLS-PSK secret must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, got ${secret.length}`);
  }
  if (identity.length === 0 || Buffer.byteLength(identity) > 128) {
    throw new UsageError('TLS-PSK identity must be 1 to 128 bytes');
  }
  // A copy, so a caller that later zeroes or reuses its buffer changes nothing here.
  const key = Buffer.from(secret);
  const common = { ciphers: TLS_PSK_CIPHER, minVersion: TLS_PSK_VERSION, maxVersion: TLS_PSK_VERSION } as const;
  return {
    server: {
      ...common,
      pskCallback: (_socket, offered) => (offered === identity ? key : null),
    },
    client: {
      ...common,
      pskCallback: () => ({ psk: key, identity }),
      // With a PSK there is no certificate; the key itself authenticates the server.
      checkServerIdentity: () => undefined,
    },
  };
}
