/**
 * Page frames sealed with AES-128-GCM, for the migration's data connection.
 *
 * Bulk page data does not travel on the TLS control connection: TLS runs
 * on the host's main thread, where encrypting and decrypting every page
 * capped a migration at that one thread's speed and stalled everything else
 * the host does meanwhile. Instead the guest's worker at each end seals and
 * opens the page batches itself, and the main threads only move bytes
 * (docs/migration.md, Data connection).
 *
 * The key is exported from the control connection's TLS session (RFC 8446
 * section 7.5, `exportKeyingMaterial`), so it is as secret as that session
 * and new for every migration. Frame n of a migration is sealed under the
 * nonce n (4 zero bytes, then n as u64 little-endian): the opener counts
 * the frames it opens, so a frame dropped, replayed or moved fails to open,
 * as does one altered by a single bit. The frame type is additional data:
 * a PAGES frame cannot be passed off as DISK.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { MigrationError } from './wire.js';

export const DATA_KEY_BYTES = 16;
export const TAG_BYTES = 16;
const CIPHER = 'aes-128-gcm';
/** RFC 5705 label of the key; both ends must use the same. */
const KEY_LABEL = 'EXPORTER-wasmotion-migration-pages';

/** The data connection's key, from the control connection's TLS session: the same at both ends. */
export function dataKey(socket: TLSSocket): Buffer {
  return socket.exportKeyingMaterial(DATA_KEY_BYTES, KEY_LABEL, Buffer.alloc(0));
}

function checkKey(key: Uint8Array): Buffer {
  if (key.length !== DATA_KEY_BYTES) throw new MigrationError('WASMOTION_ERR_INTERNAL', `a data key is ${DATA_KEY_BYTES} bytes, got ${key.length}`);
  return Buffer.from(key);
}

/** Frame n's nonce. */
function nonce(n: bigint): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64LE(n, 4);
  return iv;
}

/**
 * Bytes put through the cipher at a time. The cipher returns each piece in
 * a buffer of its own; pieces this small come from memory the allocator
 * has at hand, where a whole batch's would be fresh pages to fault in (that
 * doubled the cost of sealing), and they are copied on from the cache.
 */
const PIECE = 64 << 10;

/** Puts `input` through `cipher` piece by piece into `into`, which must hold as many bytes. */
function run(cipher: { update(data: Uint8Array): Buffer }, input: Uint8Array, into: Uint8Array): void {
  if (into.length < input.length) throw new MigrationError('WASMOTION_ERR_INTERNAL', `a buffer of ${into.length} bytes for ${input.length}`);
  let at = 0;
  for (let from = 0; from < input.length; from += PIECE) {
    const out = cipher.update(input.subarray(from, Math.min(from + PIECE, input.length)));
    into.set(out, at);
    at += out.length;
  }
  // GCM is a stream mode: every byte in comes out at once.
  if (at !== input.length) throw new MigrationError('WASMOTION_ERR_INTERNAL', `the cipher gave ${at} bytes for ${input.length}`);
}

/** The source's end: seals frames in the order they will be sent. */
export class FrameSealer {
  private readonly key: Buffer;
  private next = 0n;

  constructor(key: Uint8Array) {
    this.key = checkKey(key);
  }

  /** Seals `plaintext`, a frame of `type`, into `ciphertext` (as long as it); returns the tag. */
  seal(type: number, plaintext: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const cipher = createCipheriv(CIPHER, this.key, nonce(this.next++), { authTagLength: TAG_BYTES });
    cipher.setAAD(Uint8Array.of(type));
    run(cipher, plaintext, ciphertext);
    cipher.final();
    // The tag in a buffer of its own: posted to another thread, a view into Node's pool would take the whole pool along.
    return new Uint8Array(cipher.getAuthTag());
  }
}

/** The destination's end: opens frames in the order they arrive. */
export class FrameOpener {
  private readonly key: Buffer;
  private next = 0n;

  constructor(key: Uint8Array) {
    this.key = checkKey(key);
  }

  /** Bytes of plaintext in a sealed `payload`. */
  static plaintextBytes(payload: Uint8Array): number {
    return Math.max(0, payload.length - TAG_BYTES);
  }

  /**
   * Opens `payload` (ciphertext, then the tag), a frame of `type`, into
   * `plaintext` (at least plaintextBytes long); returns the plaintext's
   * view. What it holds is to be used only once this returns: an altered,
   * replayed or misplaced frame throws WASMOTION_ERR_MIGRATION_AUTH.
   */
  open(type: number, payload: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const n = this.next++;
    if (payload.length < TAG_BYTES) throw new MigrationError('WASMOTION_ERR_MIGRATION_AUTH', `sealed frame ${n} is shorter than its tag`);
    const decipher = createDecipheriv(CIPHER, this.key, nonce(n), { authTagLength: TAG_BYTES });
    decipher.setAAD(Uint8Array.of(type));
    decipher.setAuthTag(payload.subarray(payload.length - TAG_BYTES));
    const out = plaintext.subarray(0, payload.length - TAG_BYTES);
    run(decipher, payload.subarray(0, out.length), out);
    try {
      decipher.final();
    } catch {
      throw new MigrationError('WASMOTION_ERR_MIGRATION_AUTH', `sealed frame ${n} failed authentication: altered, replayed, out of order, or under another key`);
    }
    return out;
  }
}
