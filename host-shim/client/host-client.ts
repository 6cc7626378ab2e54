/**
 * A typed client for one host agent's API (docs/host-api.md). Each method is
 * one request, except where noted; failures are WasmotionErrors (errors.ts).
 */
import { createHash } from 'node:crypto';
import { UsageError, WasmotionError } from '../errors.js';
import type { ApiToken } from '../net/api-token.js';
import { protocolError, HOST_TIMEOUT } from './errors.js';
import { HostHttp, type RequestOptions } from './http.js';
import { ndjson } from './ndjson.js';
import { normalizeHostUrl } from './url.js';
import type { FenceAnswer, GuestInfo, HostInfo, MigrateRequest, MigrationEvent, MigrationStarted, StartGuestRequest } from './types.js';

export interface HostClientOptions {
  /** Default timeout of a request, in ms (10 s). Calls that wait on the guest (wait, followed logs, events) have none by default. */
  timeoutMs?: number;
  /** The API token of hosts started with one (net/api-token.ts). */
  apiToken?: ApiToken;
}

export interface LogOptions extends RequestOptions {
  /** Keep the stream open and deliver new output until the guest ends or moves away. */
  follow?: boolean;
  /** Start at this byte of the output (0). */
  from?: number;
  /**
   * Told when the host no longer holds the output from `from` on (it keeps
   * the last part of a guest's output): what it sends starts at `to`.
   */
  onDropped?: (from: number, to: number) => void;
}

/** The header by which a host says at which byte the log it sends starts; a host without it sends everything. */
const LOG_OFFSET_HEADER = 'x-wasmotion-log-offset';

const DEFAULT_TIMEOUT_MS = 10_000;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class HostClient {
  /** The host's base URL, without a trailing slash. */
  readonly url: string;
  private readonly http: HostHttp;

  constructor(url: string, private readonly options: HostClientOptions = {}) {
    this.url = normalizeHostUrl(url);
    this.http = new HostHttp(this.url, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.apiToken);
  }

  /** A client of another host with this one's options (its token, say): where a guest moved to. */
  at(url: string): HostClient {
    return new HostClient(url, this.options);
  }

  host(options?: RequestOptions): Promise<HostInfo> {
    return this.http.json('GET', '/v1/host', options);
  }

  async hasModule(digest: string, options?: RequestOptions): Promise<boolean> {
    const sent = await this.http.send('HEAD', `/v1/modules/${checkDigest(digest)}`, { ...options, alsoOk: [404] });
    sent.done();
    return sent.response.status !== 404;
  }

  /** Uploads a module unless the host already holds it (asked with HEAD first). */
  async putModule(bytes: Uint8Array, options?: RequestOptions): Promise<{ digest: string; uploaded: boolean }> {
    const digest = sha256Hex(bytes);
    if (await this.hasModule(digest, options)) return { digest, uploaded: false };
    const answer = await this.http.json<{ digest?: unknown }>('PUT', `/v1/modules/${digest}`, {
      ...options,
      body: bytes,
      contentType: 'application/wasm',
    });
    if (answer?.digest !== digest) throw protocolError(this.url, `the module was stored as ${String(answer?.digest)}, not ${digest}`);
    return { digest, uploaded: true };
  }

  /** Starts a guest; given module bytes, uploads them first if the host lacks them. */
  async startGuest(request: StartGuestRequest, options?: RequestOptions): Promise<GuestInfo> {
    const module = typeof request.module === 'string' ? checkDigest(request.module) : (await this.putModule(request.module, options)).digest;
    const body = { module, args: request.args, env: request.env, name: request.name, policy: request.policy, baseline: request.baseline, listen: request.listen, disk: request.disk, diskShared: request.diskShared };
    const info = await this.http.json<GuestInfo>('POST', '/v1/guests', jsonBody(body, options));
    return requireId(info, this.url);
  }

  async guests(options?: RequestOptions): Promise<GuestInfo[]> {
    const answer = await this.http.json<unknown>('GET', '/v1/guests', options);
    // A bare array, or the array wrapped in {"guests": [...]}.
    const list = Array.isArray(answer) ? answer : (answer as { guests?: unknown } | null)?.guests;
    if (!Array.isArray(list)) throw protocolError(this.url, 'the guest list is not an array');
    return list as GuestInfo[];
  }

  guest(id: string, options?: RequestOptions): Promise<GuestInfo> {
    return this.http.json('GET', guestPath(id), options);
  }

  stop(id: string, options?: RequestOptions): Promise<GuestInfo> {
    return this.http.json('POST', `${guestPath(id)}/stop`, options);
  }

  /**
   * Blocks until the guest ends here and returns its info. If it moves to
   * another host meanwhile, throws a HostApiError WASMOTION_ERR_GUEST_MIGRATED
   * whose `to` is that host (follow.ts follows it). No timeout unless given.
   */
  async wait(id: string, options: RequestOptions = {}): Promise<GuestInfo> {
    for (;;) {
      try {
        return await this.http.json<GuestInfo>('GET', `${guestPath(id)}/wait`, { timeoutMs: 0, ...options });
      } catch (err) {
        // Only undici's own 300 s limit, not the caller's timeout: ask again.
        if (options.timeoutMs || !(err instanceof WasmotionError) || err.code !== HOST_TIMEOUT) throw err;
      }
    }
  }

  /** The guest's console output (stdout and stderr in order) from the start or from byte `from`, as it arrives. */
  async *logs(id: string, options: LogOptions = {}): AsyncGenerator<Buffer> {
    const from = options.from ?? 0;
    const query = [options.follow ? 'follow=1' : '', from > 0 ? `from=${from}` : ''].filter(Boolean).join('&');
    let skip = 0;
    const exchange = {
      timeoutMs: options.follow ? 0 : undefined,
      ...options,
      onHeaders: (headers: Headers) => {
        const header = headers.get(LOG_OFFSET_HEADER);
        const at = header !== null && /^\d{1,15}$/.test(header) ? Number(header) : 0;
        if (at > from) options.onDropped?.(from, at);
        skip = Math.max(0, from - at);
      },
    };
    for await (const chunk of this.http.stream('GET', `${guestPath(id)}/logs${query ? `?${query}` : ''}`, exchange)) {
      let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (skip >= bytes.length) {
        skip -= bytes.length;
        continue;
      }
      bytes = bytes.subarray(skip);
      skip = 0;
      yield bytes;
    }
  }

  async migrate(id: string, request: MigrateRequest, options?: RequestOptions): Promise<MigrationStarted> {
    const body = { to: request.to, downtimeLimitMs: request.downtimeLimitMs, policy: request.policy, compress: request.compress };
    const started = await this.http.json<MigrationStarted>('POST', `${guestPath(id)}/migrate`, jsonBody(body, options));
    return requireId(started, this.url);
  }

  /** The migration's newest progress event. */
  migration(id: string, options?: RequestOptions): Promise<MigrationEvent> {
    return this.http.json('GET', migrationPath(id), options);
  }

  /** The migration's progress events as they come, until it ends (the last one is completed, failed or cancelled). */
  migrationEvents(id: string, options: RequestOptions = {}): AsyncGenerator<MigrationEvent> {
    const chunks = this.http.stream('GET', `${migrationPath(id)}/events`, { timeoutMs: 0, accept: 'application/x-ndjson', ...options });
    return ndjson<MigrationEvent>(chunks, this.url);
  }

  async cancelMigration(id: string, options?: RequestOptions): Promise<void> {
    await this.http.json('POST', `${migrationPath(id)}/cancel`, options);
  }

  /**
   * Asks whether the host runs guest `id`, for a source in doubt after GO
   * of `migration`; an answer other than running binds the host never to
   * start the guest in that migration (docs/host-api.md, fence).
   */
  async fence(id: string, migration: string, options?: RequestOptions): Promise<FenceAnswer> {
    const answer = await this.http.json<FenceAnswer>('POST', `${guestPath(id)}/fence`, jsonBody({ migration }, options));
    if (typeof answer?.state !== 'string') throw protocolError(this.url, 'the fence answer has no state');
    return answer;
  }
}

function guestPath(id: string): string {
  return `/v1/guests/${encodeURIComponent(id)}`;
}

function migrationPath(id: string): string {
  return `/v1/migrations/${encodeURIComponent(id)}`;
}

function checkDigest(digest: string): string {
  if (!SHA256_HEX.test(digest)) throw new UsageError(`${JSON.stringify(digest)} is not a module digest (64 lowercase hex digits of sha256)`);
  return digest;
}

/** JSON.stringify leaves out undefined fields, so optional ones are not sent at all (the host refuses unknown keys, not missing ones). */
function jsonBody(body: object, options?: RequestOptions) {
  return { ...options, body: JSON.stringify(body), contentType: 'application/json' };
}

function requireId<T extends { id?: unknown }>(answer: T, url: string): T {
  if (typeof answer?.id !== 'string') throw protocolError(url, 'the answer has no id');
  return answer;
}
