/**
 * A fake host agent: just enough of docs/host-api.md for the client and the
 * CLI, on 127.0.0.1 port 0. Guests do nothing by themselves; a test makes
 * them print, end or move with write(), finish() and moveTo().
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GuestInfo, MigrationEvent } from '../../host-shim/client/index.js';

interface FakeGuest {
  info: GuestInfo;
  env: Record<string, string>;
  output: Buffer[];
  followers: Set<ServerResponse>;
  waiters: Set<ServerResponse>;
}

export interface FakeMigration {
  id: string;
  guest: string;
  to: string;
  events: MigrationEvent[];
  listeners: Set<ServerResponse>;
  timer?: NodeJS.Timeout;
  done: boolean;
}

export type MigrationScript = 'complete' | 'fail' | 'hang' | 'drop-stream';

export class FakeHost {
  readonly modules = new Map<string, Buffer>();
  readonly guests = new Map<string, FakeGuest>();
  readonly migrations = new Map<string, FakeMigration>();
  /** "METHOD /path" of every request, in order. */
  readonly requests: string[] = [];
  /** Bodies of POST /v1/guests and /migrate, as parsed. */
  readonly bodies: unknown[] = [];
  nextMigration: MigrationScript = 'complete';
  /** Whether logs?from=N starts at byte N (and says so in x-wasmotion-log-offset) or, like an older host, sends everything. */
  honorsLogOffset = true;
  /** The first byte of each guest's output this host still holds (a host keeps the last part of it). */
  holdsFrom = 0;
  /** When set, GET /v1/host never answers. */
  stallHost = false;
  private nextId = 1;
  private open = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeHost> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeHost(server, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  async close(): Promise<void> {
    for (const m of this.migrations.values()) clearTimeout(m.timer);
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  count(request: string): number {
    return this.requests.filter((r) => r === request).length;
  }

  /** A running guest, as if started earlier (or moved here, with the output it had). */
  addGuest(fields: Partial<GuestInfo> = {}, output: Buffer[] = []): GuestInfo {
    const id = fields.id ?? `g-${(this.nextId++).toString(16).padStart(6, '0')}`;
    const info: GuestInfo = {
      id,
      name: null,
      module: '0'.repeat(64),
      state: 'running',
      args: [],
      startedAt: '2025-01-01T00:00:00.000Z',
      steps: '123456',
      memoryBytes: 131072,
      exitCode: null,
      error: null,
      migration: null,
      ...fields,
    };
    this.guests.set(id, { info, env: {}, output: [...output], followers: new Set(), waiters: new Set() });
    return info;
  }

  write(id: string, text: string): void {
    const g = this.guest(id);
    const bytes = Buffer.from(text);
    g.output.push(bytes);
    for (const res of g.followers) res.write(bytes);
  }

  finish(id: string, end: { state: 'exited' | 'trapped' | 'stopped'; exitCode?: number; error?: GuestInfo['error'] }): void {
    const g = this.guest(id);
    Object.assign(g.info, { state: end.state, exitCode: end.exitCode ?? null, error: end.error ?? null });
    for (const res of g.followers) res.end();
    for (const res of g.waiters) send(res, 200, g.info);
    g.followers.clear();
    g.waiters.clear();
  }

  /** The guest moves to `other`, keeping its id and output; waiters here get 409 with `to`. */
  moveTo(id: string, other: FakeHost): void {
    const g = this.guest(id);
    other.addGuest({ ...g.info, state: 'running', migration: null }, g.output);
    Object.assign(g.info, { state: 'migrated', migration: { id: 'm-moved', to: other.url } });
    for (const res of g.followers) res.end();
    for (const res of g.waiters) sendError(res, 409, 'WASMOTION_ERR_GUEST_MIGRATED', `${id} moved to ${other.url}`, { to: other.url });
    g.followers.clear();
    g.waiters.clear();
  }

  private guest(id: string): FakeGuest {
    const g = this.guests.get(id);
    if (!g) throw new Error(`fake host has no guest ${id}`);
    return g;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    this.requests.push(`${req.method} ${path}`);
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    const body = await readBody(req);
    const route = `${req.method} ${path}`;
    let m: RegExpMatchArray | null;
    if (route === 'GET /v1/host') {
      if (this.stallHost) return;
      return send(res, 200, hostInfo(this.guests.size));
    }
    if ((m = route.match(/^(HEAD|PUT) \/v1\/modules\/([0-9a-f]{64})$/))) return this.module(res, m[1], m[2], body);
    if (route === 'POST /v1/guests') return this.startGuest(res, body);
    if (route === 'GET /v1/guests') return send(res, 200, [...this.guests.values()].map((g) => g.info));
    // As a proxy in front of a dead agent would answer.
    if (route === 'GET /v1/guests/behind-a-proxy') return sendText(res, 502, 'Bad Gateway');
    if ((m = path.match(/^\/v1\/guests\/([^/]+)(\/[a-z]+)?$/))) {
      const g = this.guests.get(decodeURIComponent(m[1]));
      if (!g) return sendError(res, 404, 'WASMOTION_ERR_NO_GUEST', `no guest ${m[1]} on this host`);
      return this.guestRoute(req.method ?? '', m[2] ?? '', g, url, res, body);
    }
    if ((m = path.match(/^\/v1\/migrations\/([^/]+)(\/[a-z]+)?$/))) {
      const mig = this.migrations.get(m[1]);
      if (!mig) return sendError(res, 404, 'WASMOTION_ERR_NO_MIGRATION', `no migration ${m[1]}`);
      return this.migrationRoute(`${req.method} ${m[2] ?? ''}`, mig, res);
    }
    sendError(res, 404, 'WASMOTION_ERR_NOT_FOUND', `no route ${route}`);
  }

  private module(res: ServerResponse, method: string, digest: string, body: Buffer): void {
    if (method === 'HEAD') {
      res.writeHead(this.modules.has(digest) ? 200 : 404).end();
      return;
    }
    if (createHash('sha256').update(body).digest('hex') !== digest) return sendError(res, 400, 'WASMOTION_ERR_DIGEST', 'the body has another sha256');
    this.modules.set(digest, body);
    send(res, 201, { digest });
  }

  private startGuest(res: ServerResponse, body: Buffer): void {
    const request = JSON.parse(body.toString()) as { module: string; args?: string[]; env?: Record<string, string>; name?: string };
    this.bodies.push(request);
    const unknown = Object.keys(request).filter((k) => !['module', 'args', 'env', 'name', 'policy'].includes(k));
    if (unknown.length) return sendError(res, 400, 'WASMOTION_ERR_USAGE', `unknown keys ${unknown.join(', ')}`);
    if (!this.modules.has(request.module)) return sendError(res, 404, 'WASMOTION_ERR_NO_MODULE', `no module ${request.module}`);
    const info = this.addGuest({ module: request.module, args: request.args ?? [], name: request.name ?? null });
    this.guest(info.id).env = request.env ?? {};
    send(res, 201, info);
  }

  private guestRoute(method: string, action: string, g: FakeGuest, url: URL, res: ServerResponse, body: Buffer): void {
    const ended = ['exited', 'trapped', 'stopped', 'migrated'].includes(g.info.state);
    switch (`${method} ${action}`) {
      case 'GET ':
        return send(res, 200, g.info);
      case 'POST /stop':
        this.finish(g.info.id, { state: 'stopped' });
        return send(res, 200, g.info);
      case 'GET /wait':
        if (g.info.state === 'migrated') {
          const to = g.info.migration?.to;
          return sendError(res, 409, 'WASMOTION_ERR_GUEST_MIGRATED', `moved to ${to}`, { to });
        }
        if (ended) return send(res, 200, g.info);
        g.waiters.add(res);
        return;
      case 'GET /logs': {
        const from = this.honorsLogOffset ? Math.max(Number(url.searchParams.get('from') ?? 0), this.holdsFrom) : 0;
        res.writeHead(200, { 'content-type': 'application/octet-stream', ...(this.honorsLogOffset ? { 'x-wasmotion-log-offset': String(from) } : {}) });
        const sent = Buffer.concat(g.output).subarray(from);
        if (sent.length) res.write(sent);
        if (url.searchParams.get('follow') === '1' && !ended) g.followers.add(res);
        else res.end();
        return;
      }
      case 'POST /migrate':
        return this.startMigration(g, res, body);
    }
    sendError(res, 404, 'WASMOTION_ERR_NOT_FOUND', `no route ${method} ${action}`);
  }

  private startMigration(g: FakeGuest, res: ServerResponse, body: Buffer): void {
    const request = JSON.parse(body.toString()) as { to: string; downtimeLimitMs?: number; policy?: string };
    this.bodies.push(request);
    const unknown = Object.keys(request).filter((k) => !['to', 'downtimeLimitMs', 'policy'].includes(k));
    if (unknown.length) return sendError(res, 400, 'WASMOTION_ERR_USAGE', `unknown keys ${unknown.join(', ')}`);
    const id = `m-${(this.nextId++).toString(16)}`;
    const mig: FakeMigration = { id, guest: g.info.id, to: request.to, events: [], listeners: new Set(), done: false };
    this.migrations.set(id, mig);
    this.play(mig, g, script(this.nextMigration, mig));
    send(res, 202, { id, guest: g.info.id, to: request.to, state: 'queued' });
  }

  private play(mig: FakeMigration, g: FakeGuest, events: MigrationEvent[]): void {
    const [event, ...rest] = events;
    if (!event) return;
    mig.timer = setTimeout(() => {
      this.emit(mig, event);
      if (event.state === 'completed') Object.assign(g.info, { state: 'migrated', migration: { id: mig.id, to: mig.to } });
      this.play(mig, g, rest);
    }, 15);
  }

  private emit(mig: FakeMigration, event: MigrationEvent): void {
    mig.events.push(event);
    mig.done = ['completed', 'failed', 'cancelled'].includes(event.state);
    for (const res of mig.listeners) {
      res.write(`${JSON.stringify(event)}\n`);
      if (mig.done || this.nextMigration === 'drop-stream') res.end();
    }
    if (mig.done || this.nextMigration === 'drop-stream') mig.listeners.clear();
  }

  private migrationRoute(route: string, mig: FakeMigration, res: ServerResponse): void {
    if (route === 'GET ') return send(res, 200, mig.events[mig.events.length - 1] ?? progress(mig, 'queued', {}));
    if (route === 'POST /cancel') {
      if (!mig.done) {
        clearTimeout(mig.timer);
        this.emit(mig, progress(mig, 'cancelled', { error: { code: 'WASMOTION_ERR_MIGRATION_CANCELLED', message: 'cancelled by the operator' } }));
      }
      return send(res, 200, { id: mig.id, state: 'cancelled' });
    }
    if (route === 'GET /events') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      // The first event is split in two writes, as TCP may deliver it.
      for (const event of mig.events) {
        const line = `${JSON.stringify(event)}\n`;
        res.write(line.slice(0, 7));
        res.write(line.slice(7));
      }
      if (mig.done) res.end();
      else mig.listeners.add(res);
      return;
    }
    sendError(res, 404, 'WASMOTION_ERR_NOT_FOUND', `no route ${route}`);
  }
}

const MiB = 1024 * 1024;

function progress(mig: FakeMigration, state: MigrationEvent['state'], fields: Partial<MigrationEvent>): MigrationEvent {
  return {
    migration: mig.id,
    guest: mig.guest,
    state,
    iteration: 0,
    transferred: 0,
    remaining: 64 * MiB,
    total: 64 * MiB,
    dirtyRate: 0,
    throughput: 0,
    expectedDowntimeMs: null,
    downtimeMs: null,
    totalMs: null,
    error: null,
    ...fields,
  };
}

function script(kind: MigrationScript, mig: FakeMigration): MigrationEvent[] {
  const precopy = [1, 2, 3].map((iteration) =>
    progress(mig, 'precopy', {
      iteration,
      transferred: iteration * 20 * MiB,
      // Remaining reaches 0 before switchover: the CLI must still not say 100%.
      remaining: iteration === 3 ? 0 : 64 * MiB - iteration * 20 * MiB,
      dirtyRate: 10 * MiB,
      throughput: 700 * MiB,
      expectedDowntimeMs: 0.1,
    }),
  );
  const start = [progress(mig, 'queued', {}), progress(mig, 'handshake', {})];
  switch (kind) {
    case 'complete':
    case 'drop-stream':
      return [...start, ...precopy, progress(mig, 'switchover', { iteration: 4 }), progress(mig, 'completed', { iteration: 4, remaining: 0, transferred: 61 * MiB, downtimeMs: 3.1, totalMs: 412 })];
    case 'fail':
      return [...start, precopy[0], progress(mig, 'failed', { error: { code: 'WASMOTION_ERR_MIGRATION_REFUSED', message: 'the destination lacks feature simd128' } })];
    case 'hang':
      return [...start, precopy[0]];
  }
}

function hostInfo(guests: number) {
  return {
    name: 'fake-1',
    version: '0.1.0',
    engine: 'v8',
    features: ['sign-ext', 'bulk-memory'],
    migration: { host: '127.0.0.1', port: 41234, protocol: 1, state: '1.0' },
    limits: { maxMemoryPages: 16384, maxMigrations: 2 },
    guests,
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, extra: object = {}): void {
  send(res, status, { error: { code, message, ...extra } });
}
