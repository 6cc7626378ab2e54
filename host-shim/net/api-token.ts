/**
 * The API token: who may use a host's or a cluster manager's HTTP API.
 *
 * A host or manager started with `--api-token-file FILE` answers only
 * requests that carry `Authorization: Bearer <key>`, where the key is
 * HMAC-SHA256(token, "wasmotion api v1") in hex: any file content works as
 * a token, and the token itself is never sent. Operators' tools, the
 * manager (calling hosts) and migrating hosts (calling each other) read the
 * same file; a cluster shares one token.
 *
 * Without a token the API is open to whoever reaches its address, as it
 * always was: fine on loopback, not on a network (host start warns).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

const MIN_TOKEN_BYTES = 16;
const LABEL = 'wasmotion api v1';
/** The environment variable the CLI reads when no --api-token-file is given. */
export const API_TOKEN_FILE_ENV = 'WASMOTION_API_TOKEN_FILE';

export class ApiToken {
  /** The value of the Authorization header that proves the token. */
  readonly header: string;
  private readonly digest: Buffer;

  constructor(token: Uint8Array) {
    if (token.length < MIN_TOKEN_BYTES) throw new UsageError(`an API token is at least ${MIN_TOKEN_BYTES} bytes, got ${token.length}`);
    this.header = `Bearer ${createHmac('sha256', token).update(LABEL).digest('hex')}`;
    this.digest = hash(this.header);
  }

  static fromFile(path: string): ApiToken {
    let token: Buffer;
    try {
      token = readFileSync(path);
    } catch (err) {
      throw new UsageError(`cannot read the API token ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      return new ApiToken(token);
    } catch (err) {
      throw new UsageError(`the API token in ${path}: ${(err as Error).message}`);
    }
  }

  /** Whether an Authorization header proves this token; in constant time (digests of equal length are compared). */
  admits(header: string | undefined): boolean {
    return header !== undefined && timingSafeEqual(hash(header), this.digest);
  }
}

function hash(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The token of --api-token-file, else of $WASMOTION_API_TOKEN_FILE, else none. */
export function apiTokenOption(path: string | undefined): ApiToken | undefined {
  const file = path ?? (process.env[API_TOKEN_FILE_ENV] || undefined);
  return file === undefined ? undefined : ApiToken.fromFile(file);
}
