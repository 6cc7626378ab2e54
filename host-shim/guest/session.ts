/**
 * A running WASI guest in one VMM: started fresh or restored from a
 * snapshot chain, run in slices until it exits or until a stop condition,
 * checkpointed between slices. The run is asynchronous: when the guest blocks
 * on stdin or a socket, or sleeps in poll_oneoff, the session waits for
 * input, socket traffic or the deadline without blocking the event loop,
 * then the VMM retries the call.
 */
import { createHash } from 'node:crypto';
import { GuestTrap, HostError, UsageError, WasmotionError } from '../errors.js';
import type { EngineOptions } from '../engine/index.js';
import { VmmEngine, type VmmExtern, type VmmInstance, type VmmModule } from '../engine/vmm.js';
import { RunStatus, type VmmBinding } from '../vmm/binding.js';
import { viewMemory, type GuestMemory } from '../vmm/guest-memory.js';
import { guestTrap } from '../vmm/values.js';
import { applyMemory } from '../snapshot/memory.js';
import { diskBlocks, type SnapshotFile, type SnapshotMeta } from '../snapshot/directory.js';
import { SnapshotError } from '../errors.js';
import { wasiDevices, type OutputSink } from '../wasi/devices.js';
import { BlockedOn, nulSeparated, wasiEntryPoints, withBytes, type WasiEntryPoints } from '../wasi/entry-points.js';
import { StdinFeed, type StdinInput } from '../wasi/stdin-feed.js';
import { MAX, type Baseline, type Uses } from '../cluster/evc/index.js';
import { applyBaseline } from './baseline.js';
import { GuestNet } from '../sockets/guest-net.js';
import { VmmNet } from '../sockets/vmm-net.js';
import { answerDiskSync, attachDisk, createDisk, diskAddresses, diskBytes, syncDiskOutside, withDiskImageOutside, DISK_BLOCK, MAX_DISK_BYTES, MIN_DISK_BYTES, type DiskOptions } from '../wasi/disk.js';

export const WASI_MODULE = 'wasi_snapshot_preview1';
/** The import module of what the VMM provides besides WASI: the feature query ("features"). */
export const VMM_MODULE = 'wasmotion';

export interface SessionOptions {
  /** argv[0]; "main.wasm" when absent. Ignored on restore: argv is part of the guest's state. */
  programName?: string;
  /** argv[1..]. Ignored on restore. */
  args?: string[];
  /** The environment; empty when absent. Ignored on restore. */
  env?: Record<string, string>;
  /** Standard input; an empty one (immediate end of file) when absent. */
  stdin?: StdinInput;
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** VMM limits; `fuel` bounds the steps of this session (GuestTrap out_of_fuel). */
  engine?: EngineOptions;
  /**
   * The baseline the guest runs under (docs/evc.md): a module that uses
   * anything outside it is refused, and its feature query returns its
   * features. Everything the VMM runs (max) when absent. On restore, a
   * snapshot that names its baseline keeps it.
   */
  baseline?: Baseline;
  /**
   * A virtual disk preopened as a directory (docs/wasi.md). Ignored on
   * restore: the disk is part of the guest's state. On prepare, an empty
   * disk of `bytes` that a migration fills (disk() and diskDirtyMap()).
   */
  disk?: DiskOptions;
}

export interface CheckpointOptions {
  /** Where the disk image goes: inside the state (the default), or left outside it. */
  diskImage?: 'inside' | 'outside';
}

export type Outcome = { state: 'exited'; exitCode: number } | { state: 'stopped'; steps: bigint };

export interface RunControl {
  /** Pause once this many steps ran in this session (the outcome is "stopped"). */
  stopAfter?: bigint;
  /** Called every `steps` steps, between two slices, with the guest paused. */
  every?: { steps: bigint; at: (session: GuestSession) => void | Promise<void> };
  /** Asked between slices: true pauses the guest (the outcome is "stopped"). */
  interrupt?: () => boolean;
  /**
   * Called between slices with the guest paused, also after a blocked guest
   * wakes; may take its time (e.g. pacing the guest, copying pages).
   */
  between?: (session: GuestSession) => void | Promise<void>;
}

/** Steps per run() slice; the event loop gets a turn between slices. */
const SLICE = 1n << 20n;

/** How often a guest blocked on stdin or sleeping checks for a pause request. */
const INTERRUPT_POLL_MS = 5;

/** setTimeout's longest delay; a longer sleep just waits again. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class GuestSession {
  readonly engine: VmmEngine;
  readonly wasi: WasiEntryPoints;
  private readonly feed: StdinFeed;
  private instance!: VmmInstance;
  /** Store address of the guest's memory in its VMM, -1 if it has none. */
  memoryAddr = -1;
  /** Steps run in this session (the VMM counts since the guest started). */
  private stepsAtStart = 0n;
  /** The step count at which the fuel budget runs out, if there is one. */
  private budgetEnd: bigint | undefined;
  private imports = '';
  /** The VMM's dirty mark (takeWrittenPages). */
  private dirtyMark = FIRST_MARK;
  private underBaseline: Baseline = MAX;
  private used: Uses = { features: [], capabilities: [] };
  /** The stdin read in flight; it survives a wait that the clock won. */
  private reading: Promise<void> | undefined;
  /** A device or stdin failure, reported once the VMM is back in our hands. */
  private failure: WasmotionError | undefined;
  /** Wall time spent inside the VMM running this guest in this session, in ms. */
  private ranMs = 0;
  /** Wall time the guest spent blocked in a WASI call (stdin, poll_oneoff) in this session, in ms. */
  private waitedMs = 0;
  /** The host side of the socket device, once someone asked for it (sockets()). */
  private net: GuestNet | undefined;
  /** What the guest's fd_sync waits for (syncDiskWith), if the disk is kept in a file too. */
  private diskWriteBack: (() => void) | null = null;
  /**
   * Whether this guest's snapshots hold its disk image in DISK sections
   * (snapshot format 1.2), apart from the state: yes unless it was restored
   * from a chain that holds the image inside its states, whose diffs go on
   * that way.
   */
  diskApartInSnapshots = true;

  private constructor(private readonly options: SessionOptions) {
    const devices = wasiDevices(options.stdout, options.stderr, (err) => this.fail('an output sink threw', err));
    this.engine = new VmmEngine(options.engine ?? {}, devices);
    this.wasi = wasiEntryPoints(this.engine.vmm);
    this.feed = new StdinFeed(options.stdin);
  }

  /** Instantiates a WASI command and prepares the call of its _start. */
  static start(bytes: Uint8Array, options: SessionOptions = {}): GuestSession {
    const s = new GuestSession(options);
    const { vmm } = s.engine;
    const argv = [options.programName ?? 'main.wasm', ...(options.args ?? [])];
    const environ = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
    withBytes(vmm, nulSeparated(argv), (p, n) => s.wasi.wasi_set_args(p, n));
    withBytes(vmm, nulSeparated(environ), (p, n) => s.wasi.wasi_set_env(p, n));
    if (options.stdin === undefined) s.wasi.wasi_stdin_close();
    if (options.disk) attachDisk(vmm, options.disk);
    const module = s.engine.compile(bytes);
    s.imports = importsDigestOf(module as VmmModule);
    s.applyBaseline(module as VmmModule, options.baseline);
    s.instance = s.engine.instantiate(module, s.resolveImport) as VmmInstance;
    s.findMemory();
    s.startBudget();
    const start = s.instance.getExport('_start');
    if (start?.kind !== 'func') throw new UsageError('the guest exports no _start function: not a WASI command');
    if (!vmm.x.call_begin((start as VmmExtern).address)) throw new UsageError(vmm.lastError().message);
    return s;
  }

  /**
   * Recreates a guest from a snapshot chain (a full snapshot, then diffs, in
   * order) and its module; the guest continues where the newest one stopped.
   */
  static restore(module: Uint8Array, chain: SnapshotFile[], options: SessionOptions = {}): GuestSession {
    if (chain.length === 0) throw new UsageError('no snapshot to restore');
    const s = new GuestSession(options);
    const newest = chain[chain.length - 1];
    const compiled = s.engine.compile(module) as VmmModule;
    s.imports = importsDigestOf(compiled);
    if (newest.meta.imports !== s.imports) {
      throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_IMPORTS', `snapshot ${newest.meta.sequence} was taken with other imports than this host provides`);
    }
    s.applyBaseline(compiled, newest.meta.baseline ?? options.baseline);
    // A disk held apart from the state is put in place first: the state's restore keeps it.
    s.diskApartInSnapshots = restoreDisk(s.engine.vmm, chain, () => s.disk());
    s.instance = s.engine.restore(compiled, s.resolveImport, newest.state);
    s.findMemory();
    const memory = s.memory();
    for (const snap of chain) applyMemory(snap.memory, memory, `snapshot ${snap.meta.sequence}`);
    s.clearDirty();
    s.clearDiskDirty();
    s.stepsAtStart = s.engine.vmm.x.fuel_used();
    s.startBudget();
    return s;
  }

  /**
   * A guest arriving by live migration: instantiated without running, so
   * its memory can be filled (memory() after ensurePages) while it still
   * runs on the source; load() then brings its state and it can run.
   */
  static prepare(module: Uint8Array, options: SessionOptions = {}): GuestSession {
    const s = new GuestSession(options);
    const compiled = s.engine.compile(module) as VmmModule;
    s.imports = importsDigestOf(compiled);
    s.applyBaseline(compiled, options.baseline);
    s.instance = s.engine.prepare(compiled, s.resolveImport);
    s.findMemory();
    if (options.disk?.bytes) createDisk(s.engine.vmm, options.disk.bytes);
    return s;
  }

  /** Grows the guest memory to at least `pages` 64 KiB pages (a prepared guest). */
  ensurePages(pages: number): void {
    if (this.memoryAddr < 0) return;
    const { x } = this.engine.vmm;
    const now = x.memory_pages(this.memoryAddr);
    if (pages > now && x.memory_grow(this.memoryAddr, pages - now) < 0) {
      throw new WasmotionError('WASMOTION_ERR_LIMIT', `guest memory of ${pages} pages is more than this host allows`);
    }
  }

  /**
   * Completes a prepared guest with its checkpoint state; it then continues
   * where it paused. A state whose disk image is held outside keeps the
   * disk as filled meanwhile (disk()), which must have the state's size.
   */
  load(state: Uint8Array): void {
    this.engine.load(this.instance, state);
    this.clearDirty();
    this.stepsAtStart = this.engine.vmm.x.fuel_used();
    this.startBudget();
  }

  /**
   * The host side of the guest's socket device, created at the first call:
   * after start() to open a listener before the guest runs, after a restore
   * or load() to take over the connections the guest holds.
   */
  sockets(): GuestNet {
    this.net ??= new GuestNet(new VmmNet(this.engine.vmm));
    return this.net;
  }

  private readonly resolveImport = (module: string, name: string) => {
    // An import the VMM does not offer stays unresolved: LinkError "unknown import".
    if (module === WASI_MODULE) return this.engine.wasiFunction(name);
    if (module === VMM_MODULE) return this.engine.vmmFunction(name);
    return undefined;
  };

  private applyBaseline(module: VmmModule, baseline: Baseline = MAX): void {
    this.used = applyBaseline(this.engine, module, baseline);
    this.underBaseline = baseline;
  }

  /** The baseline the guest runs under: what its feature query returns, what a host must present to take it. */
  baseline(): Baseline {
    return this.underBaseline;
  }

  /** What the guest's module uses: wasm features and host capabilities. */
  uses(): Uses {
    return this.used;
  }

  private findMemory(): void {
    const memory = this.instance.getExport('memory');
    this.memoryAddr = memory?.kind === 'memory' ? (memory as VmmExtern).address : -1;
  }

  private fail(what: string, err: unknown): void {
    this.failure ??= new HostError(`${what}: ${err instanceof Error ? err.message : String(err)}`, err);
  }

  private startBudget(): void {
    const fuel = this.options.engine?.fuel;
    this.budgetEnd = fuel !== undefined ? this.stepsAtStart + BigInt(fuel) : undefined;
  }

  /**
   * What the guest imports and who provides it: a snapshot only resumes
   * where the same imports are offered the same way.
   */
  importsDigest(): string {
    return this.imports;
  }

  /** The limits this guest runs under, with the fuel it has left, for its snapshots. */
  limits(): SnapshotMeta['limits'] {
    const e = this.options.engine ?? {};
    const limits: SnapshotMeta['limits'] = {};
    if (e.maxMemoryPages !== undefined) limits.maxMemoryPages = e.maxMemoryPages;
    if (e.maxCallDepth !== undefined) limits.maxCallDepth = e.maxCallDepth;
    if (this.budgetEnd !== undefined) limits.fuelLeft = (this.budgetEnd - this.steps()).toString();
    return limits;
  }

  /** Steps the guest has run since it started, across restores. */
  steps(): bigint {
    return this.engine.vmm.x.fuel_used();
  }

  /**
   * Milliseconds this session spent running the guest: wall time inside the
   * VMM's run, so neither a blocked guest's waits nor the pauses between
   * slices count. This is the guest's CPU time as its host accounts it.
   */
  runTimeMs(): number {
    return this.ranMs;
  }

  /** Milliseconds this session spent blocked in WASI calls: the guest was idle, not held back. */
  blockedTimeMs(): number {
    return this.waitedMs;
  }

  /** Runs the guest until it exits, traps (GuestTrap) or a stop condition holds. */
  async run(control: RunControl = {}): Promise<Outcome> {
    const { x } = this.engine.vmm;
    const budgetEnd = this.budgetEnd;
    const stopAt = control.stopAfter !== undefined ? this.stepsAtStart + control.stopAfter : undefined;
    const every = control.every;
    let nextCheckpoint = every ? this.steps() + every.steps : undefined;
    for (;;) {
      const now = this.steps();
      let slice = SLICE;
      for (const limit of [budgetEnd, stopAt, nextCheckpoint]) if (limit !== undefined && limit - now < slice) slice = limit - now;
      if (stopAt !== undefined && slice <= 0n) return { state: 'stopped', steps: now };
      const status = slice > 0n ? this.runSlice(slice) : RunStatus.OutOfFuel;
      // Socket traffic the guest produced goes out, and what waited for room comes in.
      const progressed = this.net?.afterRun() ?? false;
      this.throwIfFailed();
      switch (status) {
        case RunStatus.Finished:
          return { state: 'exited', exitCode: 0 };
        case RunStatus.Exit:
          return { state: 'exited', exitCode: x.exit_code() };
        case RunStatus.Trap: {
          const e = this.engine.vmm.lastError();
          throw guestTrap(e.trap, e.message);
        }
        case RunStatus.OutOfFuel: {
          const at = this.steps();
          if (budgetEnd !== undefined && at >= budgetEnd) {
            x.call_abort();
            throw new GuestTrap('out_of_fuel', 'out of fuel');
          }
          if (stopAt !== undefined && at >= stopAt) return { state: 'stopped', steps: at };
          if (every && nextCheckpoint !== undefined && at >= nextCheckpoint) {
            await every.at(this);
            nextCheckpoint = at + every.steps;
          }
          await yieldToEventLoop();
          if (control.between) await control.between(this);
          if (control.interrupt?.()) return { state: 'stopped', steps: this.steps() };
          break;
        }
        case RunStatus.Blocked: {
          const blockedAt = performance.now();
          if (!progressed) await this.waitForWakeUp(control.interrupt);
          this.waitedMs += performance.now() - blockedAt;
          this.throwIfFailed();
          // A guest that computes a little between short waits still gets paced.
          if (control.between) await control.between(this);
          if (control.interrupt?.()) return { state: 'stopped', steps: this.steps() };
          break;
        }
        default:
          x.call_abort();
          throw new WasmotionError('WASMOTION_ERR_UNEXPECTED_STOP', `guest stopped with status ${status}`);
      }
    }
  }

  private runSlice(steps: bigint): number {
    const started = performance.now();
    try {
      return this.engine.vmm.x.run(steps);
    } finally {
      this.ranMs += performance.now() - started;
    }
  }

  /**
   * The VMM state of the paused guest: everything but memory bytes. With
   * `diskImage: 'outside'` the disk image is left out too (its size and
   * open descriptors stay): for a disk that travels on its own, as in a
   * migration's pre-copy or a snapshot's DISK section; the guest that loads
   * the state must have that image in its disk already.
   */
  checkpointState(options: CheckpointOptions = {}): Uint8Array {
    if (options.diskImage === 'outside') return withDiskImageOutside(this.engine.vmm, () => this.engine.checkpoint(this.instance));
    return this.engine.checkpoint(this.instance);
  }

  /** Bytes of guest memory (0 if it has none). */
  memoryBytes(): number {
    return this.memoryAddr < 0 ? 0 : this.engine.vmm.x.memory_pages(this.memoryAddr) * 65536;
  }

  /** The guest's memory (empty if it has none), for one operation until the guest runs again. */
  memory(): GuestMemory {
    if (this.memoryAddr < 0) return viewMemory(new Uint8Array(0));
    const { vmm } = this.engine;
    return vmm.guestMemory(vmm.x.memory_base(this.memoryAddr), this.memoryBytes());
  }

  /**
   * The dirty map over the current memory: one byte per 4 KiB page. In place
   * on V8, a copy on wasmtime: hand changes back with commitDirty().
   */
  dirtyMap(): Buffer {
    if (this.memoryAddr < 0) return Buffer.alloc(0);
    const { vmm } = this.engine;
    return vmm.read(vmm.x.memory_dirty(this.memoryAddr), this.memoryBytes() / 4096);
  }

  /** Makes changes to what dirtyMap() returned take effect. */
  commitDirty(map: Buffer): void {
    if (this.memoryAddr < 0) return;
    const { vmm } = this.engine;
    vmm.commit(vmm.x.memory_dirty(this.memoryAddr), map);
  }

  /** The guest's disk image (empty without a disk), for one operation until the guest runs again. */
  disk(): GuestMemory {
    const { vmm } = this.engine;
    const bytes = diskBytes(vmm);
    return bytes === 0 ? viewMemory(new Uint8Array(0)) : vmm.guestMemory(diskAddresses(vmm).base, bytes);
  }

  /**
   * Makes the guest's fd_sync wait for `writeBack`, which writes the disk
   * back to the file it is kept in and syncs it (throwing if it cannot: the
   * guest's fd_sync then fails with EIO); null makes fd_sync return at once
   * again, the disk being in memory only.
   */
  syncDiskWith(writeBack: (() => void) | null): void {
    this.diskWriteBack = writeBack;
    syncDiskOutside(this.engine.vmm, writeBack !== null);
  }

  /** The disk's dirty map, a byte per 4 KiB block; as dirtyMap(), hand changes back with commitDiskDirty(). */
  diskDirtyMap(): Buffer {
    const { vmm } = this.engine;
    const bytes = diskBytes(vmm);
    return bytes === 0 ? Buffer.alloc(0) : vmm.read(diskAddresses(vmm).dirty, bytes / 4096);
  }

  commitDiskDirty(map: Buffer): void {
    if (map.length === 0) return;
    this.engine.vmm.commit(diskAddresses(this.engine.vmm).dirty, map);
  }

  clearDirty(): void {
    if (this.memoryAddr < 0) return;
    const { vmm } = this.engine;
    vmm.write(vmm.x.memory_dirty(this.memoryAddr), new Uint8Array(this.memoryBytes() / 4096));
  }

  /**
   * Marks every block of the disk clean in the VMM's map: for a user that
   * has that map to itself (snapshots, a restore). Where several users
   * share it (wasi/disk-dirty.ts), none may clear it under the others.
   */
  clearDiskDirty(): void {
    const { vmm } = this.engine;
    const bytes = diskBytes(vmm);
    if (bytes > 0) vmm.write(diskAddresses(vmm).dirty, new Uint8Array(bytes / 4096));
  }

  /**
   * Pages written since the previous call (each counted once), for the
   * guest's dirty rate. Writes store the VMM's current dirty mark into the
   * dirty map (runtime/memory.ts); this counts the entries holding it, then
   * moves on to the next mark. Marks cycle through 2..255; on the wrap every
   * dirty entry is set back to 1, so no old entry matches a new mark. Call
   * between runs only, and with one session per VMM (the mark is the VMM's).
   */
  takeWrittenPages(): number {
    const dirty = this.dirtyMap();
    let count = 0;
    if (this.dirtyMark !== FIRST_MARK) for (let p = 0; p < dirty.length; p++) count += dirty[p] === this.dirtyMark ? 1 : 0;
    let next = this.dirtyMark + 1;
    if (next > 255) {
      for (let p = 0; p < dirty.length; p++) if (dirty[p] !== 0) dirty[p] = FIRST_MARK;
      this.commitDirty(dirty);
      next = FIRST_MARK + 1;
    }
    this.dirtyMark = next;
    this.engine.vmm.x.dirty_mark_set(next);
    return count;
  }

  /** Waits until what the blocked WASI call needs is there: stdin input, its end, socket traffic, or the poll deadline. */
  private async waitForWakeUp(interrupt?: () => boolean): Promise<void> {
    const on = this.wasi.wasi_blocked_on();
    // An fd_sync waits for the disk's write-back, done here and now: nothing else can wake it.
    if (on & BlockedOn.DiskSync) {
      answerDiskSync(this.engine.vmm, this.diskWriteBack ?? (() => undefined));
      return;
    }
    const waits: Promise<void>[] = [];
    if (on & BlockedOn.Stdin) waits.push(this.stdinArrival());
    if (on & BlockedOn.Socket && this.net) waits.push(this.net.changed());
    let timer: NodeJS.Timeout | undefined;
    if (on & BlockedOn.Clock) {
      const ns = this.wasi.wasi_sleep_remaining();
      const ms = Math.min(Math.ceil(Number(ns) / 1e6), MAX_TIMER_MS);
      waits.push(new Promise((resolve) => (timer = setTimeout(resolve, Math.max(ms, 0)))));
    }
    if (waits.length === 0) {
      this.engine.vmm.x.call_abort();
      throw new WasmotionError('WASMOTION_ERR_UNEXPECTED_STOP', 'the guest blocked on nothing that can wake it');
    }
    // A guest blocked for long must still answer a pause: look again now and then.
    let poll: NodeJS.Timeout | undefined;
    if (interrupt) waits.push(new Promise((resolve) => (poll = setTimeout(resolve, INTERRUPT_POLL_MS))));
    try {
      await Promise.race(waits);
    } finally {
      clearTimeout(timer);
      clearTimeout(poll);
    }
  }

  /** Resolves once the next stdin chunk (or the end of stdin) has been handed to the VMM. */
  private stdinArrival(): Promise<void> {
    this.reading ??= this.feed.next().then(
      (chunk) => {
        this.reading = undefined;
        if (chunk) withBytes(this.engine.vmm, chunk, (p, n) => this.wasi.wasi_stdin_push(p, n));
        else this.wasi.wasi_stdin_close();
      },
      (err: unknown) => {
        this.reading = undefined;
        this.fail('reading stdin failed', err);
      },
    );
    return this.reading;
  }

  private throwIfFailed(): void {
    if (!this.failure) return;
    this.engine.vmm.x.call_abort();
    throw this.failure;
  }

  dispose(): void {
    this.engine.dispose();
  }
}

/**
 * Creates the disk a snapshot chain holds in DISK sections and writes the
 * blocks of each file into it, in order; returns whether the chain has
 * them (a chain without keeps its disk image inside the state).
 */
function restoreDisk(vmm: VmmBinding, chain: SnapshotFile[], disk: () => GuestMemory): boolean {
  const blocks = diskBlocks(chain[0]);
  for (const snap of chain) {
    if (diskBlocks(snap) !== blocks) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CHAIN', `snapshot ${snap.meta.sequence} holds a disk other than snapshot ${chain[0].meta.sequence}`);
  }
  if (blocks < 0) return false;
  const bytes = blocks * DISK_BLOCK;
  if (bytes < MIN_DISK_BYTES || bytes > MAX_DISK_BYTES) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `snapshot ${chain[0].meta.sequence}: a disk of ${blocks} blocks`);
  createDisk(vmm, bytes);
  for (const snap of chain) applyMemory(snap.disk!, disk(), `snapshot ${snap.meta.sequence} disk`);
  return true;
}

/** The dirty mark writes store before the first count, and on the wrap (takeWrittenPages). */
const FIRST_MARK = 1;

/** Identifies the WASI implementation behind a guest's imports; bump when its behaviour changes. */
const WASI_PROVIDER = 'wasmotion-wasi-preview1/2';

function importsDigestOf(module: VmmModule): string {
  const imports = module.description.imports.map((i) => [i.module, i.name, i.kind]);
  return createHash('sha256').update(JSON.stringify({ provider: WASI_PROVIDER, imports })).digest('hex');
}
