/**
 * How hosts prove to the cluster manager that they hold the cluster token.
 *
 * The token never crosses the wire. Each request from a host carries
 *
 *   x-wasmotion-signature: v1 t=<unix ms> n=<16 random bytes, hex> s=<hex>
 *
 * where s = HMAC-SHA256(requestKey, METHOD \n PATH \n t \n n \n sha256(body)).
 * The manager accepts a signature only within SKEW_MS of its own clock and
 * only once (nonces are remembered for twice that window), so a recorded
 * request cannot be replayed.
 *
 * Two keys are derived from the token, one per use, so that neither can stand
 * in for the other: `requestKey` signs requests to the manager, and
 * `migrationSecret` is the pre-shared key of the hosts' migration TLS
 * (net/tls-psk.ts).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

export const SIGNATURE_HEADER = 'x-wasmotion-signature';
/** Largest accepted difference between the signer's clock and the verifier's. */
export const SKEW_MS = 60_000;
const MIN_TOKEN_BYTES = 16;

export interface ClusterKeys {
  requestKey: Buffer;
  migrationSecret: Buffer;
}

export function deriveKeys(token: Uint8Array): ClusterKeys {
  const derive = (label: string) => createHmac('sha256', token).update(label).digest();
  return { requestKey: derive('wasmotion request signing v1'), migrationSecret: derive('wasmotion migration psk v1') };
}

export function readToken(path: string): Buffer {
  let token: Buffer;
  try {
    token = readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read the cluster token ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (token.length < MIN_TOKEN_BYTES) throw new UsageError(`the cluster token in ${path} is shorter than ${MIN_TOKEN_BYTES} bytes`);
  return token;
}

function mac(key: Buffer, method: string, path: string, time: string, nonce: string, body: Uint8Array): Buffer {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', key).update(`${method}\n${path}\n${time}\n${nonce}\n${bodyHash}`).digest();
}

export function sign(key: Buffer, method: string, path: string, body: Uint8Array, now = Date.now()): string {
  const nonce = randomBytes(16).toString('hex');
  return `v1 t=${now} n=${nonce} s=${mac(key, method, path, String(now), nonce, body).toString('hex')}`;
}

const HEADER = /^v1 t=(\d{1,15}) n=([0-9a-f]{32}) s=([0-9a-f]{64})$/;

/** Checks signatures and remembers their nonces; one per verifier (the manager). */
export class SignatureVerifier {
  private readonly seen = new Map<string, number>();

  constructor(private readonly key: Buffer) {}

  /** Why the signature is refused, or undefined when it is good. */
  refusal(header: string | undefined, method: string, path: string, body: Uint8Array, now = Date.now()): string | undefined {
    if (!header) return 'the request is not signed';
    const m = HEADER.exec(header);
    if (!m) return 'the signature header is malformed';
    const [, time, nonce, given] = m;
    if (Math.abs(now - Number(time)) > SKEW_MS) return 'the signature is too old or from the future (check the clocks)';
    const expected = mac(this.key, method, path, time, nonce, body);
    if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return 'the signature does not match: the host holds another token';
    this.forgetOld(now);
    if (this.seen.has(nonce)) return 'the request was replayed';
    this.seen.set(nonce, now);
    return undefined;
  }

  private forgetOld(now: number): void {
    for (const [nonce, at] of this.seen) {
      if (now - at <= 2 * SKEW_MS) break; // insertion order is time order
      this.seen.delete(nonce);
    }
  }
}
