/**
 * The host-to-switch transport: TLS 1.3 with a pre-shared key derived from
 * the cluster secret (net/psk-channel.ts), under its own label and identity
 * so that a switch key never opens a migration listener or the reverse.
 * Hosts and the switch hold the same secret file.
 */
import { createHash } from 'node:crypto';
import type * as tls from 'node:tls';
import { pskConnect, pskServer } from '../net/psk-channel.js';
import { SwitchError } from './wire.js';

const IDENTITY = 'wasmotion-switch';

export function switchKey(secret: Buffer): Buffer {
  return createHash('sha256').update('wasmotion switch key\0').update(secret).digest();
}

export function switchServer(secret: Buffer, onSocket: (socket: tls.TLSSocket) => void, onRefused: (reason: string, remote: string) => void): tls.Server {
  return pskServer(switchKey(secret), IDENTITY, onSocket, onRefused);
}

export function switchConnect(secret: Buffer, host: string, port: number, timeoutMs: number): Promise<tls.TLSSocket> {
  return pskConnect(switchKey(secret), IDENTITY, host, port, timeoutMs, (_kind, message, cause) =>
    new SwitchError('WASMOTION_ERR_SWITCH_UNREACHABLE', `the switch: ${message}`, { cause }),
  );
}
