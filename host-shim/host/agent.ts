/**
 * The host agent: a long-running process that runs guests (each in its own
 * worker thread), serves the control API (docs/host-api.md) and takes part in
 * live migrations. Library code: it reports through events, never prints.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError, WasmotionError } from '../errors.js';
import { checkDiskBytes } from '../wasi/disk.js';
import { imagePath } from '../wasi/disk-image-file.js';
import type { Resources } from '../cluster/drs/model.js';
import { Admission, defaultCapacity } from './admission.js';
import { CpuScheduler } from './cpu-scheduler.js';
import { GUEST_WORKER_SCRIPT, GuestHandle } from './guest-handle.js';
import { DEFAULT_CONSOLE_HISTORY, MIN_CONSOLE_HISTORY } from './console.js';
import { WorkerPool } from './worker-pool.js';
import { HttpError, Router, readJson, sendJson } from './http.js';
import { ModuleStore, moduleRoutes } from './modules.js';
import { maxMemoryPagesOf, parsePolicy, type GuestPolicy } from './policy.js';
import type { GuestLimits, GuestNetConfig } from './worker-protocol.js';
import { MigrationService } from '../migration/service.js';
import type { ApiToken } from '../net/api-token.js';
import { ClusterMember } from './cluster-member.js';
import { hostOffer, startBaseline } from './offer.js';
import { presentable, type Baseline } from '../cluster/evc/index.js';
import type { WasmEngineName } from '../vmm/binding.js';
import { checkEngine } from '../vmm/open.js';
import { vmmRunner, type WasmtimeRunner } from '../vmm/wasmtime-runner.js';

export interface HostConfig {
  name: string;
  /** Where the control API listens; port 0 picks a free one. */
  host: string;
  port: number;
  dataDir?: string;
  /** The cluster secret for migration; without one the host takes no part in migrations. */
  secret?: Buffer;
  /** The migration listener's port, on `host` (0, the default, picks a free one; a firewall wants it fixed). */
  migrationPort?: number;
  /**
   * Where other hosts reach the migration listener, when not at `host` and
   * its port: a NAT, a port forward or a proxy in between (GET /v1/host
   * advertises it).
   */
  migrationAdvertise?: { host: string; port: number };
  maxMigrations?: number;
  maxMemoryPages?: number;
  /** The cluster manager to enroll with, and the key that signs requests to it (cluster/auth.ts). */
  cluster?: { url: string; requestKey: Buffer };
  /** The feature set this host offers guests, as an older VMM would: wasm1, wasm2 or max (the default, everything the VMM runs). */
  features?: string;
  /** What the host offers its guests: cores (fractions allowed) and bytes; defaults in admission.ts. */
  capacity?: Partial<Resources>;
  /** The virtual switch that publishes guests' listening sockets (it needs the cluster secret). */
  switch?: { host: string; port: number };
  /** The wasm engine that runs each guest's VMM: V8 (the default) or wasmtime, a process per guest. */
  engine?: WasmEngineName;
  /**
   * A directory other hosts see too (NFS, say): guests started with
   * `diskShared` keep their disk image in a file there, and a guest
   * migrating between two hosts that both see it takes its disk through it.
   */
  sharedDir?: string;
  /**
   * Only holders of this token may use the control API (net/api-token.ts);
   * calls this host makes to other hosts (migrations) carry it too.
   */
  apiToken?: ApiToken;
  /** Guest workers kept started and idle, for guests to come (worker-pool.ts); 1 by default. */
  spareWorkers?: number;
  /** Bytes of each guest's console output kept, the last ones (host/console.ts); 16 MiB by default. */
  consoleHistory?: number;
}

export const VERSION = '0.1.0';
const DEFAULT_MAX_MEMORY_PAGES = 16384;

export class HostAgent extends EventEmitter {
  readonly guests = new Map<string, GuestHandle>();
  readonly modules: ModuleStore;
  /** Guest workers started ahead of need. */
  readonly workers: WorkerPool;
  readonly migrations: MigrationService;
  /** What this host offers guests: wasm features and host capabilities (docs/evc.md). */
  readonly offer: Baseline;
  readonly admission: Admission;
  readonly cpu: CpuScheduler;
  readonly engine: WasmEngineName;
  /** Bytes of each guest's console output kept here (HostConfig.consoleHistory). */
  readonly consoleHistory: number;
  /** What runs each guest's VMM process on the wasmtime engine (the CLI or the Python embedding); null on V8. */
  readonly engineRunner: WasmtimeRunner | null;
  private readonly server: Server;
  private readonly router: Router;
  private member: ClusterMember | undefined;
  url = '';

  private constructor(readonly config: HostConfig) {
    super();
    this.engine = config.engine === undefined ? 'v8' : checkEngine(config.engine);
    this.consoleHistory = config.consoleHistory ?? DEFAULT_CONSOLE_HISTORY;
    if (!(Number.isSafeInteger(this.consoleHistory) && this.consoleHistory >= MIN_CONSOLE_HISTORY)) {
      throw new UsageError(`a host keeps at least ${MIN_CONSOLE_HISTORY} bytes of each guest's console output, got ${config.consoleHistory}`);
    }
    if (config.sharedDir !== undefined) checkSharedDir(config.sharedDir);
    this.engineRunner = this.engine === 'wasmtime' ? vmmRunner() : null;
    this.offer = hostOffer(config.features);
    this.modules = new ModuleStore(config.dataDir ? join(config.dataDir, 'modules') : undefined);
    this.migrations = new MigrationService(this);
    const machine = defaultCapacity();
    const capacity = { cpu: config.capacity?.cpu ?? machine.cpu, memory: config.capacity?.memory ?? machine.memory };
    if (!(capacity.cpu > 0 && Number.isFinite(capacity.cpu))) throw new UsageError(`the host's CPU capacity must be a positive number of cores, got ${capacity.cpu}`);
    if (!(capacity.memory > 0 && Number.isSafeInteger(capacity.memory))) throw new UsageError(`the host's memory capacity must be a positive number of bytes, got ${capacity.memory}`);
    const living = () => [...this.guests.values()].filter((g) => !g.ended);
    this.admission = new Admission(capacity, () => living().map((g) => ({ policy: g.policy, diskBytes: g.diskBytes ?? 0 })));
    this.cpu = new CpuScheduler(capacity.cpu, living);
    this.workers = new WorkerPool(GUEST_WORKER_SCRIPT(), config.spareWorkers ?? 1, () => this.migrations.idle());
    this.router = new Router(config.apiToken ? { token: config.apiToken } : undefined);
    this.server = createServer((req, res) => void this.router.handle(req, res));
    this.routes();
  }

  static async start(config: HostConfig): Promise<HostAgent> {
    const agent = new HostAgent(config);
    await new Promise<void>((resolve, reject) => {
      agent.server.once('error', (err: NodeJS.ErrnoException) => reject(listenError('the control API', config.host, config.port, err)));
      agent.server.listen(config.port, config.host, () => resolve());
    });
    const address = agent.server.address() as AddressInfo;
    agent.url = `http://${config.host}:${address.port}`;
    try {
      await agent.migrations.listen();
    } catch (err) {
      await agent.close();
      throw listenError('the migration listener', config.host, config.migrationPort ?? 0, err as NodeJS.ErrnoException);
    }
    if (config.cluster) {
      agent.member = new ClusterMember(agent, config.cluster.url, config.cluster.requestKey);
      try {
        await agent.member.join();
      } catch (err) {
        await agent.close();
        throw err;
      }
    }
    return agent;
  }

  async close(): Promise<void> {
    this.member?.close();
    this.cpu.close();
    await this.workers.close();
    for (const g of this.guests.values()) if (!g.ended) g.stop();
    await this.migrations.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The limits a guest with this policy runs under here: its memory limit within the host's. */
  limits(policy: GuestPolicy): GuestLimits {
    return { maxMemoryPages: maxMemoryPagesOf(policy, this.config.maxMemoryPages ?? DEFAULT_MAX_MEMORY_PAGES), engine: this.engine };
  }

  guest(id: string): GuestHandle {
    const g = this.guests.get(id);
    if (!g) throw new HttpError(404, 'WASMOTION_ERR_NOT_FOUND', `no guest ${id} on host ${this.config.name}`);
    return g;
  }

  hostInfo(): Record<string, unknown> {
    return {
      name: this.config.name,
      version: VERSION,
      engine: this.engine,
      engineRunner: this.engineRunner,
      features: this.offer.features,
      capabilities: this.offer.capabilities,
      baselines: presentable(this.offer),
      migration: this.migrations.endpoint(),
      limits: { maxMemoryPages: this.config.maxMemoryPages ?? DEFAULT_MAX_MEMORY_PAGES, maxMigrations: this.config.maxMigrations ?? 2 },
      switch: this.switchEndpoint(),
      sharedDir: this.sharedDir(),
      guests: [...this.guests.values()].filter((g) => !g.ended).length,
      cluster: this.member?.managerUrl ?? null,
      capacity: this.admission.capacity,
      reserved: this.admission.reserved(),
    };
  }

  /** The shared directory of disk images (absolute), or null when this host has none. */
  sharedDir(): string | null {
    return this.config.sharedDir !== undefined ? resolve(this.config.sharedDir) : null;
  }

  /** The virtual switch as HOST:PORT, or null when this host has none. */
  switchEndpoint(): string | null {
    const sw = this.config.switch;
    return sw && this.config.secret ? `${sw.host}:${sw.port}` : null;
  }

  /** How guest `guest` reaches the virtual switch from here (undefined without one); `publish` for a new guest. */
  netConfig(guest: string, publish?: number): GuestNetConfig | undefined {
    const sw = this.config.switch;
    const secret = this.config.secret;
    if (!sw || !secret) return undefined;
    return { guest, switch: sw, secret: new Uint8Array(secret), publish };
  }

  /**
   * Adds a guest that arrived or is starting here, reports its end, and
   * divides the CPU again with it and once it is gone.
   */
  register(g: GuestHandle): void {
    this.guests.set(g.id, g);
    g.on('end', (info) => {
      this.cpu.rebalance();
      this.emit('guest-end', info);
    });
    this.cpu.rebalance();
  }

  private routes(): void {
    const r = this.router;
    r.on('GET', '/v1/host', async (_req, res) => sendJson(res, 200, this.hostInfo()));
    moduleRoutes(r, '/v1/modules', this.modules);
    r.on('POST', '/v1/guests', async (req, res) => this.startGuest(req, res));
    r.on('GET', '/v1/guests', async (_req, res) => sendJson(res, 200, [...this.guests.values()].map((g) => g.info())));
    r.on('GET', '/v1/guests/:id', async (_req, res, [id]) => sendJson(res, 200, this.guest(id).info()));
    r.on('POST', '/v1/guests/:id/stop', async (_req, res, [id]) => {
      const g = this.guest(id);
      if (g.state === 'migrating') throw new HttpError(409, 'WASMOTION_ERR_BUSY', `guest ${id} is migrating: cancel the migration first`);
      g.stop();
      sendJson(res, 200, g.info());
    });
    r.on('GET', '/v1/guests/:id/wait', async (req, res, [id]) => this.waitGuest(req, res, id));
    r.on('GET', '/v1/guests/:id/logs', async (req, res, [id], url) => this.streamLogs(req, res, id, url));
    this.migrations.routes(r);
  }

  private async startGuest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req, ['module', 'args', 'env', 'name', 'baseline', 'policy', 'listen', 'disk', 'diskShared']);
    const digest = body.module;
    if (typeof digest !== 'string') throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"module" must be the sha256 of an uploaded module');
    const bytes = this.modules.get(digest);
    if (!bytes) throw new HttpError(404, 'WASMOTION_ERR_NOT_FOUND', `no module ${digest} on this host: upload it first`);
    const args = body.args ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"args" must be an array of strings');
    const env = body.env ?? {};
    if (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === 'string')) {
      throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"env" must map names to strings');
    }
    if (body.name !== undefined && typeof body.name !== 'string') throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"name" must be a string');
    const listen = body.listen;
    if (listen !== undefined && !(Number.isInteger(listen) && (listen as number) >= 0 && (listen as number) <= 65535)) {
      throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"listen" must be a port number (0 lets the switch pick one)');
    }
    if (listen !== undefined && !this.switchEndpoint()) {
      throw new HttpError(400, 'WASMOTION_ERR_USAGE', `host ${this.config.name} has no virtual switch (host start --switch HOST:PORT --secret-file FILE)`);
    }
    if (body.disk !== undefined && !Number.isSafeInteger(body.disk)) throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"disk" must be a size in bytes');
    const disk = body.disk !== undefined ? checkDiskBytes('"disk"', body.disk as number) : undefined;
    if (body.diskShared !== undefined && typeof body.diskShared !== 'boolean') throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"diskShared" must be true or false');
    const shared = body.diskShared === true;
    if (shared && disk === undefined) throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"diskShared" goes with "disk"');
    const sharedDir = this.sharedDir();
    if (shared && sharedDir === null) throw new HttpError(400, 'WASMOTION_ERR_USAGE', `host ${this.config.name} has no shared directory (host start --shared-dir DIR)`);
    const baseline = startBaseline(body.baseline, this.config.name, this.offer);
    const policy = parsePolicy(body.policy);
    // Nothing awaits between this check and register(): no other start can slip in between.
    const refusal = this.admission.refusal({ policy, diskBytes: disk ?? 0 });
    if (refusal) throw new HttpError(409, 'WASMOTION_ERR_ADMISSION', `host ${this.config.name} cannot admit the guest: ${refusal}`);
    const g = new GuestHandle(`g-${randomBytes(4).toString('hex')}`, (body.name as string | undefined) ?? null, digest, args as string[], policy, this.workers.take(), this.consoleHistory);
    this.register(g);
    try {
      const net = listen !== undefined ? this.netConfig(g.id, listen as number) : undefined;
      await g.start(bytes, env as Record<string, string>, this.limits(policy), baseline, net, disk, shared ? imagePath(sharedDir!, g.id) : undefined);
    } catch (err) {
      this.guests.delete(g.id);
      g.stop();
      throw err;
    }
    sendJson(res, 201, g.info());
  }

  private async waitGuest(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const g = this.guest(id);
    const closed = new Promise<void>((resolve) => req.on('close', () => resolve()));
    const info = await Promise.race([g.done(), closed.then(() => undefined)]);
    if (!info) return;
    if (info.state === 'migrated') {
      throw new HttpError(409, 'WASMOTION_ERR_GUEST_MIGRATED', `guest ${id} moved to ${info.migration?.to}`, { to: info.migration?.to });
    }
    sendJson(res, 200, info);
  }

  private async streamLogs(req: IncomingMessage, res: ServerResponse, id: string, url: URL): Promise<void> {
    const g = this.guest(id);
    const from = Number(url.searchParams.get('from') ?? 0);
    if (!Number.isSafeInteger(from) || from < 0) throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"from" must be a byte offset');
    // The body starts at `from`, or where the history held here starts if that is later: the header says which.
    const at = Math.max(from, g.console.start);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-wasmotion-log-offset': String(at) });
    if (url.searchParams.get('follow') !== '1') {
      res.end(g.console.read(at));
      return;
    }
    const abort = new AbortController();
    req.on('close', () => abort.abort());
    for await (const chunk of g.console.follow(at, abort.signal)) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  }
}

/** A shared directory must exist and be a directory: a typo must not start guests whose images go nowhere. */
function checkSharedDir(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`the shared directory ${dir} does not exist or is not a directory`);
}

/** A listener that could not start: the address in use, or not this machine's. */
function listenError(what: string, host: string, port: number, err: NodeJS.ErrnoException): WasmotionError {
  return new WasmotionError('WASMOTION_ERR_LISTEN', `${what} cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err });
}
