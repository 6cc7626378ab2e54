/**
 * One HTTP exchange with a host agent, over Node's global fetch. Turns every
 * way a request can fail into the client's errors (errors.ts): API errors keep
 * the host's code, a refused or broken connection names the URL, and a
 * request that outlives its timeout says so.
 */
import { HostApiError, HOST_PROTOCOL, HOST_TIMEOUT, protocolError, timedOut, undiciCode, unreachable } from './errors.js';
import { WasmotionError } from '../errors.js';
import type { ApiToken } from '../net/api-token.js';

export interface RequestOptions {
  /**
   * Give up after this many milliseconds. For a streamed answer this bounds
   * the wait for the answer to begin, not the stream. 0 means no limit.
   */
  timeoutMs?: number;
  /** Abort the request (and its stream) from outside. */
  signal?: AbortSignal;
}

export interface Exchange extends RequestOptions {
  body?: Uint8Array | string;
  contentType?: string;
  accept?: string;
  /** More request headers (a signature, say). */
  headers?: Record<string, string>;
  /** Statuses that are answers rather than errors, besides 2xx (e.g. 404 for HEAD). */
  alsoOk?: number[];
  /** Told the answer's headers before a stream's first bytes. */
  onHeaders?: (headers: Headers) => void;
}

/** undici gives up on a silent answer after 300 s whatever the caller wants; these codes mean that happened. */
const UNDICI_TIMEOUTS = ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'];

interface Sent {
  url: string;
  response: Response;
  stopTimer: () => void;
  done: () => void;
  /** The client error for whatever this exchange threw. */
  failure: (err: unknown) => unknown;
}

export class HostHttp {
  /** `apiToken`: sent with every request, for an API that asks for it (net/api-token.ts). */
  constructor(
    readonly baseUrl: string,
    private readonly defaultTimeoutMs: number,
    private readonly apiToken?: ApiToken,
  ) {}

  /**
   * The answer once its status line and headers arrived. Call `done` when the
   * body is read: it ends the timeout and the link to the caller's signal.
   */
  async send(method: string, path: string, exchange: Exchange = {}): Promise<Sent> {
    const url = this.baseUrl + path;
    const timeoutMs = exchange.timeoutMs ?? this.defaultTimeoutMs;
    const controller = new AbortController();
    let expired = false;
    const timer = timeoutMs > 0 ? setTimeout(() => ((expired = true), controller.abort()), timeoutMs) : undefined;
    const outer = exchange.signal;
    const forward = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', forward, { once: true });
    if (outer?.aborted) forward();
    const sent: Sent = {
      url,
      response: undefined as unknown as Response,
      stopTimer: () => clearTimeout(timer),
      done: () => (clearTimeout(timer), outer?.removeEventListener('abort', forward)),
      failure: (err) => this.failure(url, err, expired, timeoutMs, outer),
    };
    const headers: Record<string, string> = { ...exchange.headers };
    if (this.apiToken) headers.authorization = this.apiToken.header;
    if (exchange.contentType) headers['content-type'] = exchange.contentType;
    if (exchange.accept) headers.accept = exchange.accept;
    try {
      sent.response = await fetch(url, {
        method,
        headers,
        // A Uint8Array is a valid body; the cast only widens its buffer type.
        body: exchange.body as BodyInit | undefined,
        signal: controller.signal,
      });
      if (!sent.response.ok && !(exchange.alsoOk ?? []).includes(sent.response.status)) {
        throw await apiError(url, sent.response);
      }
    } catch (err) {
      sent.done();
      throw sent.failure(err);
    }
    return sent;
  }

  /** A request whose answer is JSON (or nothing, for `null`). */
  async json<T>(method: string, path: string, exchange: Exchange = {}): Promise<T> {
    const sent = await this.send(method, path, { accept: 'application/json', ...exchange });
    let text: string;
    try {
      text = await sent.response.text();
    } catch (err) {
      throw sent.failure(err);
    } finally {
      sent.done();
    }
    if (text === '') return null as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw protocolError(sent.url, `not JSON: ${clip(text)}`);
    }
  }

  /** A request whose answer is a stream of bytes, read as it arrives; the timeout ends when it begins. */
  async *stream(method: string, path: string, exchange: Exchange = {}): AsyncGenerator<Uint8Array> {
    const sent = await this.send(method, path, exchange);
    sent.stopTimer();
    exchange.onHeaders?.(sent.response.headers);
    try {
      if (sent.response.body === null) return;
      // Leaving the loop early (break, throw) cancels the body and closes the connection.
      for await (const chunk of sent.response.body) yield chunk;
    } catch (err) {
      throw sent.failure(err);
    } finally {
      sent.done();
    }
  }

  private failure(url: string, err: unknown, expired: boolean, timeoutMs: number, outer?: AbortSignal): unknown {
    if (err instanceof WasmotionError) return err;
    if (expired) return timedOut(url, timeoutMs);
    if (outer?.aborted) return outer.reason ?? err;
    const code = undiciCode(err);
    if (code && UNDICI_TIMEOUTS.includes(code)) {
      return new WasmotionError(HOST_TIMEOUT, `${url} sent nothing for too long (${code})`, { cause: err });
    }
    return unreachable(url, err);
  }
}

async function apiError(url: string, response: Response): Promise<WasmotionError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status alone still says what happened.
  }
  const parsed = parseJson(text) as { error?: Record<string, unknown> } | undefined;
  const error = parsed?.error;
  if (error && typeof error.code === 'string') {
    const message = typeof error.message === 'string' ? error.message : `HTTP ${response.status}`;
    return new HostApiError(response.status, error.code, message, error);
  }
  const what = `HTTP ${response.status} ${response.statusText}${text ? `: ${clip(text)}` : ''}`;
  return new HostApiError(response.status, HOST_PROTOCOL, protocolError(url, what).message, {});
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
