/**
 * The host agent's side of one guest: its worker thread, its console
 * history, its life cycle. Requests to the worker are answered in order.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WasmotionError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { ConsoleLog, DEFAULT_CONSOLE_HISTORY } from './console.js';
import { DEFAULT_POLICY, MAX_GUEST_CPU, type GuestPolicy } from './policy.js';
import { DirtyRateMeter, UsageMeter } from './usage-meter.js';
import type { FromWorker, GuestLimits, GuestNetConfig, ServiceAddress, ToWorker } from './worker-protocol.js';
import type { Baseline, FeatureSet, Uses } from '../cluster/evc/index.js';

export type GuestState = 'starting' | 'running' | 'migrating' | 'exited' | 'trapped' | 'stopped' | 'migrated' | 'incoming';

export interface GuestInfo {
  id: string;
  name: string | null;
  module: string;
  state: GuestState;
  args: string[];
  startedAt: string;
  steps: string;
  memoryBytes: number;
  exitCode: number | null;
  error: { code: string; message: string } | null;
  migration: { id: string; to: string } | null;
  /** The name of the baseline the guest runs under (docs/evc.md). */
  baseline: string | null;
  /** What that baseline holds: its feature query returns these features. */
  sees: FeatureSet | null;
  /** What its module uses; null until it is instantiated. */
  uses: Uses | null;
  policy: GuestPolicy;
  /** CPU in cores averaged over the last second (null until measured), memory in bytes. */
  /** Cores used lately and cores wanted (null until measured), memory bytes, bytes of pages written per second (null until measured). */
  usage: { cpu: number | null; demand: number | null; memory: number; dirtyRate: number | null };
  /** Where the guest's listening socket is published on the virtual switch. */
  service: ServiceAddress | null;
  /** It has a listening socket published on the switch, attached from here right now or not (while it moves). */
  listens: boolean;
  /** Bytes of the guest's virtual disk (preopened as /data), null without one. */
  diskBytes: number | null;
  /**
   * The image file in the host's shared directory that backs the disk, and
   * the last write-back failure (null while it succeeds); null for a disk
   * kept in memory only.
   */
  diskImage: DiskImageInfo | null;
}

export interface DiskImageInfo {
  path: string;
  error: { code: string; message: string } | null;
}

/** A duty cycle closer than this to the one the worker has is not sent again. */
const DUTY_STEP = 0.005;

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/** The answer to every request the worker can no longer answer. */
const GONE = { type: 'failed', code: 'WASMOTION_ERR_GUEST_GONE', message: 'the guest worker ended', trap: false } as const satisfies FromWorker;

/** The script of guest workers. */
export const GUEST_WORKER_SCRIPT = () => join(packageRoot(), 'dist', 'host-shim', 'host', 'guest-worker.js');

/** How long a stopped guest's worker may take to unpublish its service before it is terminated. */
const STOP_GRACE_MS = 2_000;

export class GuestHandle extends EventEmitter {
  /** Its console output, the last `consoleHistory` bytes of it. */
  readonly console: ConsoleLog;
  state: GuestState = 'starting';
  steps = '0';
  memoryBytes = 0;
  exitCode: number | null = null;
  error: { code: string; message: string } | null = null;
  migration: { id: string; to: string } | null = null;
  /** The migration that brought the guest here, by its source's id; a fence names it (migration/service.ts). */
  arrivedBy: string | null = null;
  /** Set by start(), or by a migration's handshake for a guest arriving here. */
  baseline: Baseline | null = null;
  uses: Uses | null = null;
  service: ServiceAddress | null = null;
  /** The guest has a listening socket, published on the switch (attached from here or not yet). */
  listens = false;
  /** Bytes of its virtual disk, null without one; set by start() or prepare(). */
  diskBytes: number | null = null;
  /** The image file backing the disk, as the worker reports it (disk-write-back.ts). */
  diskImage: DiskImageInfo | null = null;
  readonly startedAt = new Date().toISOString();
  readonly meter = new UsageMeter();
  private readonly dirtyRate = new DirtyRateMeter();
  /** The share of wall time the worker lets the guest run (cpu-scheduler.ts). */
  duty = 1;
  private readonly worker: Worker;
  private readonly waiting = new Map<string, ((m: FromWorker) => void)[]>();
  /** The worker thread has exited: a request sent now would never be answered. */
  private workerGone = false;
  /** The worker was told to stop: it ends itself, after unpublishing the guest's service, or is terminated after a grace. */
  private stopping = false;
  private stopTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly name: string | null,
    readonly module: string,
    readonly args: string[],
    readonly policy: GuestPolicy = DEFAULT_POLICY,
    /** The thread to run it in: a guest worker not used before (worker-pool.ts), or a new one. */
    worker: Worker = new Worker(GUEST_WORKER_SCRIPT()),
    consoleHistory = DEFAULT_CONSOLE_HISTORY,
  ) {
    super();
    this.console = new ConsoleLog(consoleHistory);
    this.worker = worker;
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (err) => this.end('trapped', null, { code: 'WASMOTION_ERR_INTERNAL', message: err.message }));
    this.worker.on('exit', () => {
      clearTimeout(this.stopTimer);
      this.workerGone = true;
      this.rejectAll();
    });
  }

  info(): GuestInfo {
    return {
      id: this.id,
      name: this.name,
      module: this.module,
      state: this.state,
      args: this.args,
      startedAt: this.startedAt,
      steps: this.steps,
      memoryBytes: this.memoryBytes,
      exitCode: this.exitCode,
      error: this.error,
      migration: this.migration,
      baseline: this.baseline?.name ?? null,
      sees: this.baseline ? { features: this.baseline.features, capabilities: this.baseline.capabilities } : null,
      uses: this.uses,
      policy: this.policy,
      usage: {
        cpu: this.ended ? 0 : this.meter.measured() ? round(this.meter.cpu()) : null,
        demand: this.ended ? 0 : this.meter.measured() ? round(Math.min(this.meter.demand(), MAX_GUEST_CPU)) : null,
        memory: this.memoryBytes,
        dirtyRate: this.ended ? 0 : this.dirtyRate.rate(),
      },
      service: this.service,
      listens: this.listens,
      diskBytes: this.diskBytes,
      diskImage: this.diskImage,
    };
  }

  /** Tells the worker the share of wall time the guest may run, if it changed. */
  setDuty(fraction: number): void {
    if (Math.abs(fraction - this.duty) < DUTY_STEP || this.ended) return;
    this.duty = fraction;
    this.send({ type: 'duty', fraction });
  }

  /** Whether the guest has ended here, one way or another. */
  get ended(): boolean {
    return this.state === 'exited' || this.state === 'trapped' || this.state === 'stopped' || this.state === 'migrated';
  }

  send(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  /** Sends `m` and waits for the worker's reply of type `reply`. */
  ask<T extends FromWorker['type']>(m: ToWorker, reply: T, transfer: ArrayBuffer[] = []): Promise<Reply<T>> {
    return new Promise((resolve, reject) => {
      if (this.workerGone) return reject(new WasmotionError(GONE.code, GONE.message));
      const list = this.waiting.get(reply) ?? [];
      list.push((r) => (r.type === 'failed' ? reject(new WasmotionError(r.code, r.message)) : resolve(r as Reply<T>)));
      this.waiting.set(reply, list);
      this.send(m, transfer);
    });
  }

  private receive(m: FromWorker): void {
    switch (m.type) {
      case 'console':
        this.console.append(m.bytes);
        return;
      case 'usage':
        this.meter.add({ at: m.at, runMs: m.runMs, pacedMs: m.pacedMs, blockedMs: m.blockedMs });
        this.dirtyRate.add(performance.now(), m.writtenPages);
        this.steps = m.steps;
        this.memoryBytes = m.memoryBytes;
        return;
      case 'ready':
        this.memoryBytes = m.memoryBytes;
        this.uses = m.uses;
        if (m.service) {
          this.service = m.service;
          this.listens = true;
        }
        break;
      case 'service':
        this.service = m.service;
        return;
      case 'disk-image':
        this.diskImage = { path: m.path, error: m.error };
        return;
      case 'exited':
        this.steps = m.steps;
        this.end('exited', m.exitCode, null);
        break;
      case 'failed':
        // A failure answers a pending request if there is one; otherwise the guest died.
        if (this.resolveFirstPending(m)) return;
        this.end(m.trap ? 'trapped' : 'stopped', null, { code: m.code, message: m.message });
        return;
      case 'checkpoint':
        this.steps = m.steps;
        break;
      case 'collected':
        if (m.of === 'memory') this.memoryBytes = m.pages * 4096;
        break;
      case 'loaded':
        if (m.memoryBytes !== undefined) this.memoryBytes = m.memoryBytes;
        if (m.listens) this.listens = true;
        break;
    }
    const list = this.waiting.get(m.type);
    const next = list?.shift();
    if (next) next(m);
  }

  private resolveFirstPending(m: FromWorker): boolean {
    for (const list of this.waiting.values()) {
      const next = list.shift();
      if (next) {
        next(m);
        return true;
      }
    }
    return false;
  }

  private rejectAll(): void {
    for (const list of this.waiting.values()) for (const w of list.splice(0)) w(GONE);
  }

  /** The guest ended here: with an exit code, a trap, a stop or a move. */
  end(state: GuestState, exitCode: number | null, error: { code: string; message: string } | null): void {
    if (this.ended) return;
    this.state = state;
    this.exitCode = exitCode;
    this.error = error;
    this.console.close();
    this.emit('end', this.info());
    if (this.stopping && !this.workerGone) this.stopTimer = setTimeout(() => void this.worker.terminate(), STOP_GRACE_MS);
    else void this.worker.terminate();
  }

  /**
   * Starts the guest; with `net.publish`, its listening socket is published
   * on the virtual switch first; with `diskImage`, its disk is backed by
   * that new file in the shared directory.
   */
  start(module: Uint8Array, env: Record<string, string>, limits: GuestLimits, baseline: Baseline, net?: GuestNetConfig, disk?: number, diskImage?: string): Promise<Reply<'ready'>> {
    this.state = 'running';
    this.baseline = baseline;
    this.diskBytes = disk ?? null;
    return this.ask({ type: 'start', module, programName: this.name ?? 'guest.wasm', args: this.args, env, limits, baseline, net, disk, diskImage }, 'ready');
  }

  /**
   * Instantiates a guest arriving by migration, under the baseline it brings,
   * without running it; `net` is how it reaches the virtual switch if it listens;
   * `dataKey` opens the page batches it receives (migration/sealed-frames.ts).
   */
  prepare(module: Uint8Array, limits: GuestLimits, baseline: Baseline, dataKey: Uint8Array, net?: GuestNetConfig, disk?: number): Promise<Reply<'ready'>> {
    this.baseline = baseline;
    this.diskBytes = disk ?? null;
    return this.ask({ type: 'prepare', module, limits, baseline, net, disk, dataKey }, 'ready');
  }

  /** Ends the guest here at once; its worker unpublishes its service on the way out. */
  stop(): void {
    if (this.ended) return;
    this.stopping = true;
    if (!this.workerGone) this.send({ type: 'stop' });
    this.end('stopped', null, null);
  }

  /** Resolves when the guest has ended here. */
  done(): Promise<GuestInfo> {
    if (this.ended) return Promise.resolve(this.info());
    return new Promise((resolve) => this.once('end', resolve));
  }
}

/** Cores to a thousandth: finer digits are noise. */
function round(cores: number): number {
  return Math.round(cores * 1000) / 1000;
}
