/**
 * How the client reports failures. Every one is a WasmotionError:
 * - the host answered with an API error: its own code and message
 *   (HostApiError, which keeps the HTTP status and the error's other fields);
 * - the host could not be reached, or the connection broke:
 *   WASMOTION_ERR_HOST_UNREACHABLE, with the URL in the message;
 * - no answer within the request's timeout: WASMOTION_ERR_HOST_TIMEOUT;
 * - the answer does not follow the API (not JSON, a missing field):
 *   WASMOTION_ERR_HOST_PROTOCOL.
 */
import { WasmotionError } from '../errors.js';

export const HOST_UNREACHABLE = 'WASMOTION_ERR_HOST_UNREACHABLE';
export const HOST_TIMEOUT = 'WASMOTION_ERR_HOST_TIMEOUT';
export const HOST_PROTOCOL = 'WASMOTION_ERR_HOST_PROTOCOL';
export const GUEST_MIGRATED = 'WASMOTION_ERR_GUEST_MIGRATED';

/** An error the host agent answered with. */
export class HostApiError extends WasmotionError {
  readonly status: number;
  /** The error object as sent, with any fields beyond code and message (e.g. `to`). */
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown>) {
    super(code, message);
    this.name = 'HostApiError';
    this.status = status;
    this.details = details;
  }

  /** For WASMOTION_ERR_GUEST_MIGRATED: the URL of the host the guest moved to. */
  get to(): string | undefined {
    return typeof this.details.to === 'string' ? this.details.to : undefined;
  }
}

export function unreachable(url: string, cause: unknown): WasmotionError {
  const why = causeText(cause);
  return new WasmotionError(HOST_UNREACHABLE, `cannot reach the host at ${url}${why ? `: ${why}` : ''}`, { cause });
}

export function timedOut(url: string, ms: number): WasmotionError {
  return new WasmotionError(HOST_TIMEOUT, `no answer from ${url} within ${ms} ms`);
}

export function protocolError(url: string, what: string): WasmotionError {
  return new WasmotionError(HOST_PROTOCOL, `unexpected answer from ${url}: ${what}`);
}

/** undici hides the socket error (ECONNREFUSED, ...) in `cause`. */
export function causeText(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && !code.startsWith('ERR_')) return code;
    if (e.cause === undefined) return e.message;
    e = e.cause;
  }
  return '';
}

/** The undici code of a failed fetch, e.g. UND_ERR_HEADERS_TIMEOUT. */
export function undiciCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return code;
    e = e.cause;
  }
  return undefined;
}
