/**
 * A small router for the host API: JSON in and out, errors as
 * `{"error": {"code", "message"}}` with their HTTP status, request bodies
 * bounded and checked strictly (unknown keys refused), and with an API
 * token (net/api-token.ts) every request checked for it first.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WasmotionError } from '../errors.js';
import type { ApiToken } from '../net/api-token.js';

export class HttpError extends WasmotionError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code, message);
    this.name = 'HttpError';
  }
}

export type Handler = (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/** Who may use an API: holders of `token`, and anyone on the routes `open` names (requests that prove themselves otherwise). */
export interface ApiAccess {
  token: ApiToken;
  open?: (method: string, path: string) => boolean;
}

export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly access?: ApiAccess) {}

  on(method: string, path: string, handler: Handler): this {
    const pattern = new RegExp(`^${path.replace(/:[a-z]+/g, '([^/]+)')}$`);
    this.routes.push({ method, pattern, handler });
    return this;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://host');
    try {
      // Before any route is matched: without the token, not even which paths exist is told.
      const { access } = this;
      if (access && !access.open?.(req.method ?? '', url.pathname) && !access.token.admits(req.headers.authorization)) {
        res.setHeader('www-authenticate', 'Bearer realm="wasmotion"');
        throw new HttpError(401, 'WASMOTION_ERR_UNAUTHENTICATED', req.headers.authorization ? 'the API token does not match this one\'s' : 'this API needs its token (--api-token-file)');
      }
      let pathMatched = false;
      for (const r of this.routes) {
        const m = r.pattern.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (r.method !== req.method) continue;
        await r.handler(req, res, m.slice(1).map(decodeURIComponent), url);
        return;
      }
      throw pathMatched
        ? new HttpError(405, 'WASMOTION_ERR_USAGE', `${req.method} is not allowed on ${url.pathname}`)
        : new HttpError(404, 'WASMOTION_ERR_NOT_FOUND', `no such resource: ${url.pathname}`);
    } catch (err) {
      sendError(res, err);
    }
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The HTTP status of errors that reach the router from below (a guest's worker, the VMM) without one. */
const STATUS_OF_CODE: Record<string, number> = {
  WASMOTION_ERR_USAGE: 400,
  WASMOTION_ERR_MALFORMED: 400,
  WASMOTION_ERR_INVALID: 400,
  WASMOTION_ERR_UNLINKABLE: 400,
  WASMOTION_ERR_UNSUPPORTED_FEATURE: 400,
  // The module is fine; this host or the guest's baseline does not offer what it needs.
  WASMOTION_ERR_FEATURES_MISSING: 409,
  WASMOTION_ERR_BASELINE_UNSUPPORTED: 409,
  // A guest service: the port is taken, or the switch cannot be reached.
  WASMOTION_ERR_SWITCH_PORT: 409,
  WASMOTION_ERR_SWITCH_UNREACHABLE: 502,
  // A shared disk's image file cannot be created (one of that name exists) or written.
  WASMOTION_ERR_DISK_IMAGE: 409,
};

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    sendJson(res, err.status, { error: { code: err.code, message: err.message, ...err.extra } });
    return;
  }
  if (err instanceof WasmotionError) {
    sendJson(res, STATUS_OF_CODE[err.code] ?? 500, { error: { code: err.code, message: err.message } });
    return;
  }
  sendJson(res, 500, { error: { code: 'WASMOTION_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) } });
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'WASMOTION_ERR_USAGE', `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A request body as JSON: 400 WASMOTION_ERR_USAGE when it is not. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'WASMOTION_ERR_USAGE', 'the request body is not JSON');
  }
}

/** A request body as a JSON object (empty: {}), with only `allowed` keys when given. */
export function parseObjectBody(body: Buffer, allowed?: string[]): Record<string, unknown> {
  const value = body.length ? parseJsonBody(body) : {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'WASMOTION_ERR_USAGE', 'the request body must be a JSON object');
  if (allowed) {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) throw new HttpError(400, 'WASMOTION_ERR_USAGE', `unknown key ${JSON.stringify(key)} (allowed: ${allowed.join(', ')})`);
    }
  }
  return value as Record<string, unknown>;
}

/** A JSON object body, with only `allowed` keys when given. */
export async function readJson(req: IncomingMessage, allowed?: string[]): Promise<Record<string, unknown>> {
  return parseObjectBody(await readBody(req, 1 << 20), allowed);
}
