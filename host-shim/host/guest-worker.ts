/**
 * The worker thread that runs one guest (worker-protocol.ts). Messages are
 * served between two slices of the guest, so the VMM is never in the middle
 * of an instruction when the worker reads its memory or takes a checkpoint.
 * A guest that listens on a socket has its link to the virtual switch here
 * too, beside its VMM: from the checkpoint a migration takes until the
 * guest runs again, its socket device is frozen (sockets/guest-net.ts).
 */
import { parentPort } from 'node:worker_threads';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { WasmotionError } from '../errors.js';
import { GuestSession, type SessionOptions } from '../guest/session.js';
import { DestinationPages, SourcePages } from '../migration/pages.js';
import { applyMemory, memoryPagesOf } from '../snapshot/memory.js';
import { sameChecksum } from '../snapshot/checksum.js';
import type { GuestNet } from '../sockets/guest-net.js';
import { SwitchLink } from '../switch/link.js';
import type { CollectedBatch, DiskFlushed, FromWorker, GuestLimits, GuestNetConfig, PagesOf, ToWorker } from './worker-protocol.js';
import { Pacer } from './pacer.js';
import { USAGE_REPORT_MS } from './usage-meter.js';
import { warmUp } from './warm-up.js';
import { DiskDirtyUsers } from '../wasi/disk-dirty.js';
import { loadImageBlocks, loadImageFile } from '../wasi/disk-image-file.js';
import { DiskWriteBack } from './disk-write-back.js';
import { BatchBuffers } from '../migration/batch-buffers.js';

if (!parentPort) throw new Error('guest-worker runs in a worker thread');

/** Largest inflated page batch accepted (a batch is about 1 MiB of pages and its index). */
const MAX_BATCH = 64 << 20;
/** How often the disk's written blocks go back to its image file (and are fsynced). */
const WRITE_BACK_MS = 500;
const port = parentPort;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

let session: GuestSession | undefined;
let running = false;
let pauseRequested = false;
/** The run under way: resolves when it stops, true if it stopped because a pause was asked for (false: the guest ended). */
let runStopped: Promise<boolean> = Promise.resolve(true);
const pacer = new Pacer(performance.now(), 0);
/** Ends the pacing sleep in progress early: the duty cycle changed, or a pause or stop came. */
let wake: (() => void) | undefined;
/** A migration's view of guest memory and of the disk image, each with its own dirty map (pages.ts). */
let source: { memory: SourcePages; disk: SourcePages } | undefined;
let destination: { memory: DestinationPages; disk: DestinationPages } | undefined;
/** Buffers of the batches collected here, back from the agent once written out. */
const batchBuffers = new BatchBuffers();
/** The disk's dirty map, split between a migration and the write-back (wasi/disk-dirty.ts). */
let diskDirty: DiskDirtyUsers | undefined;
/** The write-back to the image file in the shared directory, for a disk that has one. */
let writeBack: DiskWriteBack | undefined;
/** The image file a guest that arrived through the shared directory takes over when it first runs here. */
let arrivedImage: string | undefined;
/** Why reading the disk from its image file failed during a migration here, reported at load. */
let imageFailure: WasmotionError | undefined;
/** The guest's network: where it is published, its socket device, its link to the switch. */
let netConfig: GuestNetConfig | undefined;
let net: GuestNet | undefined;
let link: SwitchLink | undefined;
/** The link has attached (or is attaching) the guest from here. */
let attaching = false;

function optionsFor(limits: GuestLimits): SessionOptions {
  return {
    stdout: (bytes) => post({ type: 'console', fd: 1, bytes }),
    stderr: (bytes) => post({ type: 'console', fd: 2, bytes }),
    engine: { maxMemoryPages: limits.maxMemoryPages, fuel: limits.fuel !== undefined ? BigInt(limits.fuel) : undefined, wasm: limits.engine },
  };
}

function fail(err: unknown): void {
  const code = err instanceof WasmotionError ? err.code : 'WASMOTION_ERR_INTERNAL';
  post({ type: 'failed', code, message: err instanceof Error ? err.message : String(err), trap: code === 'WASMOTION_ERR_TRAP' });
}

const runTimeMs = () => session?.runTimeMs() ?? 0;
/** Epoch ms: the agent compares these across reports (each thread's performance.now() has its own origin). */
const clock = () => performance.timeOrigin + performance.now();

/**
 * The last moment the guest owed no pacing sleep, and its run time then.
 * Usage is measured between such moments: a slice that ran long (the
 * operating system preempted the thread inside it) is counted only once
 * the sleep that pays for it is over, so a window cannot end in between.
 */
let settled = { at: clock(), runMs: 0 };
const settle = () => (settled = { at: clock(), runMs: runTimeMs() });

/** Sleeps `ms`, or less if woken. */
function nap(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      wake = undefined;
      resolve();
    }
    wake = done;
  });
}

/** Between slices: sleep until the guest is back within its share of wall time (pacer.ts). */
async function pace(): Promise<void> {
  // Again after each nap: a new duty cycle may have ended it early, or a late timer made it long enough.
  while (!pauseRequested) {
    const owed = pacer.owed(performance.now(), runTimeMs());
    if (owed <= 0) {
      settle();
      return;
    }
    const started = performance.now();
    await nap(owed);
    pacer.pacedMs += performance.now() - started;
  }
}

/**
 * Writes the disk's dirty blocks back to its image file. A failure is
 * reported (guest info shows it) and the blocks stay dirty for the next try;
 * with `rethrow` the caller (a migration) fails with it too.
 */
function flushDisk(sync: boolean, rethrow = false): { blocks: number; bytes: number } {
  if (!writeBack || !session) return { blocks: 0, bytes: 0 };
  try {
    const done = writeBack.flush(session.disk(), sync);
    reportDiskImage(writeBack.path, null);
    return done;
  } catch (err) {
    reportDiskImage(writeBack.path, err);
    if (rethrow) throw err;
    return { blocks: 0, bytes: 0 };
  }
}

/**
 * A migration's write-back of the disk to its image file, synced: what it
 * wrote, and every block written there since the last one (by it or by the
 * timer; none before a `first`, whose round names every block anyway).
 */
function flushDiskForMigration(first: boolean): DiskFlushed {
  if (first) writeBack?.takeWritten(true);
  const done = flushDisk(true, true);
  return { ...done, written: writeBack?.takeWritten(false) ?? new Uint32Array(0) };
}

/** What the agent was last told about the image file (undefined: nothing yet). */
let lastDiskReport: string | undefined;
function reportDiskImage(path: string, err: unknown): void {
  const error = err ? { code: err instanceof WasmotionError ? err.code : 'WASMOTION_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) } : null;
  const key = `${path}\n${error?.message ?? ''}`;
  if (key === lastDiskReport) return;
  lastDiskReport = key;
  post({ type: 'disk-image', path, error });
}

/** Runs the guest until it ends or a pause is asked for (pauseGuest). */
function runGuest(): void {
  running = true;
  pauseRequested = false;
  runStopped = runUntilStopped(session!);
}

async function runUntilStopped(s: GuestSession): Promise<boolean> {
  try {
    const outcome = await s.run({ interrupt: () => pauseRequested, between: pace });
    running = false;
    if (outcome.state !== 'exited') return true;
    // The image file holds the disk as the guest left it.
    flushDisk(true);
    await link?.close(true);
    post({ type: 'exited', exitCode: outcome.exitCode, steps: s.steps().toString() });
  } catch (err) {
    running = false;
    flushDisk(true);
    await link?.close(true);
    fail(err);
  }
  return false;
}

/** Stops the guest at its next slice boundary; false if it ended instead (its end was reported). */
async function pauseGuest(): Promise<boolean> {
  if (running) {
    pauseRequested = true;
    wake?.();
  }
  return runStopped;
}

function newLink(config: GuestNetConfig): SwitchLink {
  const endpoint = { ...config.switch, secret: config.secret };
  return new SwitchLink(endpoint, config.guest, {
    onAttached: (service) => {
      // A new guest opens its listener only now, published at the port the switch bound.
      if (net!.vmm.listenPort() === null) net!.vmm.listen(service.port);
      post({ type: 'service', service });
    },
  });
}

/** A guest that arrived by migration attaches from here once it runs; an unreachable switch is tried again. */
function attachArrived(delayMs = 100): void {
  attaching = true;
  link!.attach(net!).catch((err: { code?: string }) => {
    if (err.code === 'WASMOTION_ERR_SWITCH_UNREACHABLE') setTimeout(() => attachArrived(Math.min(delayMs * 2, 2_000)), delayMs);
  });
}

/**
 * Dirty pages of memory or of the disk, up to `maxBytes` of page data, their
 * bits cleared (worker-protocol.ts, `collect`).
 */
function collect(of: PagesOf, maxBytes: number, all: boolean, compress: boolean): CollectedBatch {
  const s = session!;
  // A new migration starts from a destination that holds nothing yet.
  source ??= { memory: new SourcePages(), disk: new SourcePages() };
  if (all) source[of] = new SourcePages();
  // The disk's map is the migration's own: the write-back takes from the same VMM map.
  const dirty = of === 'memory' ? s.dirtyMap() : diskDirty!.of('migration');
  if (all) dirty.fill(1);
  const batch = source[of].collect(of === 'memory' ? s.memory() : s.disk(), dirty, maxBytes, compress ? undefined : (bytes) => batchBuffers.take(bytes));
  if (of === 'memory') s.commitDirty(dirty as Buffer);
  // Level 1: the fastest deflate; compression pays only on links slower than it.
  const records = compress ? new Uint8Array(deflateRawSync(batch.records, { level: 1 })) : batch.records;
  return { of, records, compressed: compress, count: batch.count, bytes: batch.bytes, dirtyLeft: batch.dirtyLeft, pages: batch.pages };
}

function memoryBytes(): number {
  return session ? session.memoryBytes() : 0;
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'start': {
      const disk = m.disk !== undefined ? { bytes: m.disk } : undefined;
      session = GuestSession.start(m.module, { ...optionsFor(m.limits), programName: m.programName, args: m.args, env: m.env, baseline: m.baseline, disk });
      diskDirty = new DiskDirtyUsers(session);
      if (m.diskImage !== undefined) {
        writeBack = DiskWriteBack.create(m.diskImage, session.disk(), diskDirty);
        reportDiskImage(m.diskImage, null);
      }
      let service;
      if (m.net?.publish !== undefined) {
        netConfig = m.net;
        net = session.sockets();
        link = newLink(m.net);
        attaching = true;
        try {
          service = await link.attach(net, m.net.publish);
        } catch (err) {
          await link.close(false);
          link = undefined;
          throw err;
        }
      }
      post({ type: 'ready', memoryBytes: memoryBytes(), uses: session.uses(), service });
      // The time the worker took to get here is no credit for the guest.
      pacer.restart(performance.now(), 0);
      settle();
      runGuest();
      return;
    }
    case 'prepare':
      session = GuestSession.prepare(m.module, { ...optionsFor(m.limits), baseline: m.baseline, disk: m.disk !== undefined ? { bytes: m.disk } : undefined });
      diskDirty = new DiskDirtyUsers(session);
      destination = { memory: new DestinationPages(), disk: new DestinationPages() };
      netConfig = m.net;
      post({ type: 'ready', memoryBytes: memoryBytes(), uses: session.uses() });
      if (netConfig) {
        // Whether the guest listens is known only from its state; a TLS handshake now keeps it out of the switchover.
        link = newLink(netConfig);
        link.preconnect();
      }
      return;
    case 'pages': {
      const s = session!;
      const records = m.compressed ? inflateRawSync(m.records, { maxOutputLength: MAX_BATCH }) : m.records;
      if (m.of === 'memory') s.ensurePages(Math.ceil(memoryPagesOf(records, 'migration pages') / 16));
      // The disk has its size from the HELLO: a batch for a larger one is refused by applyMemory.
      const view = m.of === 'memory' ? s.memory() : s.disk();
      const written = applyMemory(records, view, m.of === 'memory' ? 'migration pages' : 'migration disk blocks');
      destination![m.of].written(view, written);
      // The batch's buffer goes back to the agent for the next one.
      const buffer = m.records.buffer as ArrayBuffer;
      post({ type: 'applied', buffer }, [buffer]);
      return;
    }
    case 'load': {
      const s = session!;
      if (m.diskImage !== undefined && imageFailure) {
        post({ type: 'loaded', ok: false, message: imageFailure.message, code: imageFailure.code });
        return;
      }
      if (!sameChecksum(destination!.memory.digest(s.memoryBytes() / 4096), m.digest)) {
        post({ type: 'loaded', ok: false, message: 'the memory checksums of source and destination differ' });
        return;
      }
      if (!sameChecksum(destination!.disk.digest(s.disk().length / 4096), m.diskDigest)) {
        post({ type: 'loaded', ok: false, message: 'the disk checksums of source and destination differ' });
        return;
      }
      try {
        s.load(m.state);
      } catch (err) {
        post({ type: 'loaded', ok: false, message: err instanceof Error ? err.message : String(err) });
        return;
      }
      // The file and the disk are equal now; this host writes back to it once the guest runs here.
      arrivedImage = m.diskImage;
      const listens = s.sockets().vmm.listenPort() !== null;
      if (link && listens) net = s.sockets();
      else {
        // A guest that does not listen needs no link.
        void link?.close(false);
        link = undefined;
      }
      post({ type: 'loaded', ok: true, memoryBytes: memoryBytes(), listens });
      return;
    }
    case 'recycle':
      batchBuffers.give(m.buffer);
      return;
    case 'collect': {
      const batch = collect(m.of, m.maxBytes, m.all, m.compress);
      post({ type: 'collected', ...batch }, [batch.records.buffer as ArrayBuffer]);
      return;
    }
    case 'flush-disk': {
      const flushed = flushDiskForMigration(m.first);
      post({ type: 'disk-flushed', ...flushed }, [flushed.written.buffer as ArrayBuffer]);
      return;
    }
    case 'image-blocks': {
      // The disk moves through the shared directory: its blocks land here from the file, as pre-copied ones would.
      if (imageFailure) return;
      const view = session!.disk();
      try {
        // A whole image records only the blocks that are not zeros: the others are zeros here already.
        const read = m.blocks === null ? loadImageFile(m.path, view) : loadImageBlocks(m.path, view, m.blocks);
        destination!.disk.written(view, read);
      } catch (err) {
        // Reported when the state comes (load): the guest stays on the source.
        imageFailure = err instanceof WasmotionError ? err : new WasmotionError('WASMOTION_ERR_DISK_IMAGE', String(err));
      }
      return;
    }
    case 'checkpoint': {
      // The switchover's pause starts where the guest stops, not when the agent hears of it.
      if (!(await pauseGuest())) return;
      const pausedAt = clock();
      const s = session!;
      // A disk that moves through its image file: its last written blocks go there before anything else.
      let flushed: DiskFlushed | undefined;
      if (m.diskFromImage) flushed = flushDiskForMigration(false);
      const batches: CollectedBatch[] = [];
      if (m.last) {
        for (const of of ['memory', 'disk'] as const) {
          // A disk that moves through its image file is not collected: the source flushed it there.
          if (of === 'disk' && (s.disk().length === 0 || m.diskFromImage)) continue;
          let batch: CollectedBatch;
          do batches.push((batch = collect(of, m.last.maxBytes, false, m.last.compress)));
          while (batch.dirtyLeft > 0);
        }
      }
      // From here on the socket device stays as checkpointed: the guest may run on elsewhere.
      net?.freeze();
      // The disk went in pre-copy and is checked by its digest: the state leaves its image out.
      const state = s.checkpointState({ diskImage: 'outside' });
      const pages = s.memoryBytes() / 4096;
      const sent = source ?? { memory: new SourcePages(), disk: new SourcePages() };
      const diskDigest = m.diskFromImage && writeBack ? writeBack.digest() : sent.disk.digest(s.disk().length / 4096);
      const transfer = batches.map((b) => b.records.buffer as ArrayBuffer);
      if (flushed) transfer.push(flushed.written.buffer as ArrayBuffer);
      post({ type: 'checkpoint', pausedAt, steps: s.steps().toString(), state, digest: sent.memory.digest(pages), pages, diskDigest, batches, flushed }, transfer);
      return;
    }
    case 'resume':
      if (arrivedImage !== undefined) {
        // A file that vanished since it was loaded leaves the guest running, its disk in memory only, and says so.
        try {
          writeBack = DiskWriteBack.adopt(arrivedImage, session!.disk(), diskDirty!, destination!.disk);
          reportDiskImage(arrivedImage, null);
        } catch (err) {
          reportDiskImage(arrivedImage, err);
        }
        arrivedImage = undefined;
      }
      pacer.setThrottle(0, performance.now(), runTimeMs());
      net?.thaw();
      if (link && !attaching) attachArrived();
      else link?.resume();
      if (!running) runGuest();
      return;
    case 'throttle':
      pacer.setThrottle(m.fraction, performance.now(), runTimeMs());
      wake?.();
      return;
    case 'duty':
      pacer.setDuty(m.fraction, performance.now(), runTimeMs());
      wake?.();
      return;
    case 'stop':
      pauseRequested = true;
      flushDisk(true);
      writeBack?.close();
      await link?.close(true);
      session?.dispose();
      session = undefined;
      process.exit(0);
  }
}

// Compile the checkpoint and restore paths now rather than in a switchover.
warmUp();

// The agent measures the guest's CPU use by these (usage-meter.ts). Timers run
// between slices, so the VMM is never in the middle of an instruction here.
let writtenPages = 0;
setInterval(() => {
  if (!session) return;
  if (!running || pacer.owed(performance.now(), runTimeMs()) <= 0) settle();
  const { at, runMs } = settled;
  writtenPages += session.takeWrittenPages();
  post({ type: 'usage', at, runMs, pacedMs: pacer.pacedMs, blockedMs: session.blockedTimeMs(), steps: session.steps().toString(), memoryBytes: memoryBytes(), writtenPages });
}, USAGE_REPORT_MS).unref();

// Between slices (timers run only then), the disk's written blocks go back to its image file.
setInterval(() => {
  if (running) flushDisk(true);
}, WRITE_BACK_MS).unref();

// Messages are handled one at a time, in order: a slow one (a page batch)
// must not be overtaken by the next (the final state).
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => {
  queue = queue.then(() => handle(m)).catch(fail);
});
