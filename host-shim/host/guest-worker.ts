/**
 * The worker thread that runs one guest (worker-protocol.ts): its session,
 * run in slices (worker/guest-run.ts), and around it, each in its own file
 * under worker/, its disk's image file, its service on the virtual switch,
 * and the two ends of a migration. Messages are handled here, one at a
 * time and between two slices of the guest.
 */
import { GuestSession, type SessionOptions } from '../guest/session.js';
import { DiskDirtyUsers } from '../wasi/disk-dirty.js';
import type { GuestLimits, ToWorker } from './worker-protocol.js';
import { USAGE_REPORT_MS } from './usage-meter.js';
import { warmUp } from './warm-up.js';
import { clock, fail, port, post } from './worker/channel.js';
import { GuestDiskImage } from './worker/disk-image.js';
import { GuestLink } from './worker/guest-link.js';
import { GuestRun, type RunEnd } from './worker/guest-run.js';
import { MigrationIn } from './worker/migration-in.js';
import { MigrationOut } from './worker/migration-out.js';
import { warmUpMigration } from './worker/migration-warm-up.js';

/** How often the disk's written blocks go back to its image file (and are fsynced). */
const WRITE_BACK_MS = 500;

/** The guest, once started or prepared, and what goes with it. */
interface Guest {
  session: GuestSession;
  disk: GuestDiskImage;
  link: GuestLink | undefined;
  out: MigrationOut;
  /** For a guest arriving by migration, until it runs here. */
  into: MigrationIn | undefined;
  /** The image file a guest that arrived through the shared directory takes over when it first runs here. */
  arrivedImage: string | undefined;
}

let guest: Guest | undefined;
const run = new GuestRun(ended);

function optionsFor(limits: GuestLimits): SessionOptions {
  return {
    stdout: (bytes) => post({ type: 'console', fd: 1, bytes }),
    stderr: (bytes) => post({ type: 'console', fd: 2, bytes }),
    engine: { maxMemoryPages: limits.maxMemoryPages, fuel: limits.fuel !== undefined ? BigInt(limits.fuel) : undefined, wasm: limits.engine },
  };
}

function newGuest(session: GuestSession, link: GuestLink | undefined): Guest {
  const dirty = new DiskDirtyUsers(session);
  return { session, disk: new GuestDiskImage(session, dirty), link, out: new MigrationOut(session, dirty), into: undefined, arrivedImage: undefined };
}

/** The guest exited or failed by itself: the image file holds the disk as it left it, and its service is unpublished. */
async function ended(end: RunEnd): Promise<void> {
  const g = guest!;
  g.disk.flush(true);
  await g.link?.close(true);
  if ('error' in end) fail(end.error);
  else post({ type: 'exited', exitCode: end.exitCode, steps: g.session.steps().toString() });
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'warm-up':
      warmUpMigration();
      return;
    case 'start': {
      const disk = m.disk !== undefined ? { bytes: m.disk } : undefined;
      const session = GuestSession.start(m.module, { ...optionsFor(m.limits), programName: m.programName, args: m.args, env: m.env, baseline: m.baseline, disk });
      const g = (guest = newGuest(session, m.net?.publish !== undefined ? new GuestLink(m.net) : undefined));
      if (m.diskImage !== undefined) g.disk.create(m.diskImage);
      const service = m.net?.publish !== undefined ? await g.link!.publish(session, m.net.publish) : undefined;
      post({ type: 'ready', memoryBytes: session.memoryBytes(), uses: session.uses(), service });
      run.started(session);
      run.run();
      return;
    }
    case 'prepare': {
      const session = GuestSession.prepare(m.module, { ...optionsFor(m.limits), baseline: m.baseline, disk: m.disk !== undefined ? { bytes: m.disk } : undefined });
      const g = (guest = newGuest(session, m.net ? new GuestLink(m.net) : undefined));
      g.into = new MigrationIn(session, m.dataKey);
      run.prepared(session);
      post({ type: 'ready', memoryBytes: session.memoryBytes(), uses: session.uses() });
      g.link?.preconnect();
      return;
    }
    case 'pages': {
      guest!.into!.apply(m.of, m.sealed, m.compressed);
      // The batch's buffer goes back to the agent for the next one.
      const buffer = m.sealed.buffer as ArrayBuffer;
      post({ type: 'applied', buffer }, [buffer]);
      return;
    }
    case 'image-blocks':
      guest!.into!.imageBlocks(m.path, m.blocks);
      return;
    case 'load': {
      const g = guest!;
      const refused = g.into!.load(m.state, m.digest, m.diskDigest, m.diskImage !== undefined);
      if (refused) {
        post({ type: 'loaded', ok: false, ...refused });
        return;
      }
      // The file and the disk are equal now; this host writes back to it once the guest runs here.
      g.arrivedImage = m.diskImage;
      const listens = g.link?.loaded(g.session) ?? g.session.sockets().vmm.listenPort() !== null;
      if (!listens) g.link = undefined;
      post({ type: 'loaded', ok: true, memoryBytes: g.session.memoryBytes(), listens });
      return;
    }
    case 'collect': {
      const batch = guest!.out.collect(m.of, m.maxBytes, m.all, m.compress);
      post({ type: 'collected', ...batch }, [batch.records.buffer as ArrayBuffer]);
      return;
    }
    case 'seal':
      guest!.out.sealWith(m.key);
      return;
    case 'recycle':
      guest?.out.recycle(m.buffer);
      return;
    case 'flush-disk': {
      const flushed = guest!.disk.flushForMigration(m.first);
      post({ type: 'disk-flushed', ...flushed }, [flushed.written.buffer as ArrayBuffer]);
      return;
    }
    case 'checkpoint': {
      // The switchover's pause starts where the guest stops, not when the agent hears of it.
      if (!(await run.pause())) return;
      const pausedAt = clock();
      const g = guest!;
      // A disk that moves through its image file: its last written blocks go there before anything else.
      const flushed = m.diskFromImage ? g.disk.flushForMigration(false) : undefined;
      const batches = m.last ? g.out.lastBatches(m.last.maxBytes, m.last.compress, m.diskFromImage === true) : [];
      // From here on the socket device stays as checkpointed: the guest may run on elsewhere.
      g.link?.freeze();
      // The disk went in pre-copy (or through its image file) and is checked by its digest: the state leaves its image out.
      const state = g.session.checkpointState({ diskImage: 'outside' });
      const sums = g.out.digests();
      const diskDigest = (m.diskFromImage ? g.disk.digest() : undefined) ?? sums.disk;
      const transfer = batches.map((b) => b.records.buffer as ArrayBuffer);
      if (flushed) transfer.push(flushed.written.buffer as ArrayBuffer);
      post({ type: 'checkpoint', pausedAt, postedAt: clock(), steps: g.session.steps().toString(), state, digest: sums.memory, pages: sums.pages, diskDigest, batches, flushed }, transfer);
      return;
    }
    case 'resume': {
      const g = guest!;
      if (g.arrivedImage !== undefined) {
        g.disk.adopt(g.arrivedImage, g.into!.written.disk);
        g.arrivedImage = undefined;
      }
      // A guest that arrived here is no longer arriving once it runs.
      g.into = undefined;
      run.throttle(0);
      g.link?.resume();
      run.run();
      return;
    }
    case 'throttle':
      run.throttle(m.fraction);
      return;
    case 'duty':
      run.duty(m.fraction);
      return;
    case 'stop': {
      void run.pause();
      const g = guest;
      g?.disk.flush(true);
      g?.disk.close();
      await g?.link?.close(true);
      g?.session.dispose();
      guest = undefined;
      process.exit(0);
    }
  }
}

// Compile the checkpoint and restore paths now rather than in a switchover.
warmUp();

// The agent measures the guest's CPU use by these (usage-meter.ts). Timers run
// between slices, so the VMM is never in the middle of an instruction here.
let writtenPages = 0;
setInterval(() => {
  if (!guest) return;
  const { session } = guest;
  writtenPages += session.takeWrittenPages();
  post({ type: 'usage', ...run.usage(), blockedMs: session.blockedTimeMs(), steps: session.steps().toString(), memoryBytes: session.memoryBytes(), writtenPages });
}, USAGE_REPORT_MS).unref();

// Between slices (timers run only then), the disk's written blocks go back to its image file.
setInterval(() => {
  if (run.running) guest?.disk.flush(true);
}, WRITE_BACK_MS).unref();

// Messages are handled one at a time, in order: a slow one (a page batch)
// must not be overtaken by the next (the final state).
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => {
  queue = queue.then(() => handle(m)).catch(fail);
});
