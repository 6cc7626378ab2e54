import type { WasmEngineName } from '../vmm/binding.js';
import type { Baseline, Uses } from '../cluster/evc/index.js';

/**
 * Messages between a host agent and the worker thread that runs one guest.
 * The worker owns the guest's VMM; the agent never touches guest memory
 * directly, it asks for pages and states.
 */

export interface GuestLimits {
  maxMemoryPages?: number;
  fuel?: string;
  /** The wasm engine that runs the guest's VMM on this host; V8 when absent. */
  engine?: WasmEngineName;
}

/** The virtual switch a guest's listening socket is published on (docs/host-api.md, "listen"). */
export interface GuestNetConfig {
  guest: string;
  switch: { host: string; port: number };
  secret: Uint8Array;
  /** A new guest: open its listener and publish it at this port (0: the switch picks one). */
  publish?: number;
}

/** What a page batch of a migration holds: guest memory, or blocks of the guest's disk image. */
export type PagesOf = 'memory' | 'disk';

/** Where a guest's service is published. */
export interface ServiceAddress {
  address: string;
  port: number;
}

export type ToWorker =
  /** A spare worker, waiting for a guest: compile the migration paths now (worker/migration-warm-up.ts). */
  | { type: 'warm-up' }
  /**
   * `disk`: bytes of a virtual disk preopened as /data (none when absent);
   * `diskImage`: the image file in the shared directory that backs it
   * (created here; the disk is written back to it).
   */
  | { type: 'start'; module: Uint8Array; programName: string; args: string[]; env: Record<string, string>; limits: GuestLimits; baseline: Baseline; net?: GuestNetConfig; disk?: number; diskImage?: string }
  /**
   * Destination of a migration: instantiate without running, with an empty
   * disk of `disk` bytes if the guest has one; a guest that listens attaches
   * to `net` once it runs here.
   */
  | { type: 'prepare'; module: Uint8Array; limits: GuestLimits; baseline: Baseline; net?: GuestNetConfig; disk?: number; dataKey: Uint8Array }
  /**
   * Destination: page records (snapshot MEMORY layout, deflated if
   * `compressed`) of guest memory, which grows to their size, or of the disk
   * image, 4 KiB blocks as pages, which has its size from `prepare`;
   * sealed under the `dataKey` of `prepare` (migration/sealed-frames.ts),
   * opened here in the order they come; answered by `applied` once written.
   */
  | { type: 'pages'; of: PagesOf; sealed: Uint8Array; compressed: boolean }
  /**
   * Destination of a migration through the shared directory: reads blocks
   * of the disk from its image file at `path` (every block when `blocks` is
   * null), where pre-copied DISK blocks would land.
   */
  | { type: 'image-blocks'; path: string; blocks: Uint32Array | null }
  /**
   * Destination: the final state, with the digests of memory and disk;
   * answered by `loaded`. With `diskImage`, the disk came from that image
   * file (image-blocks), which backs it here once the guest runs.
   */
  | { type: 'load'; state: Uint8Array; digest: Uint8Array; diskDigest: Uint8Array; diskImage?: string }
  /**
   * Source: dirty pages of memory or of the disk, up to `maxBytes`; answered
   * by `collected`. `all` marks every page dirty first; `compress` deflates
   * the batch if that shrinks it (migration/batch-deflater.ts).
   */
  | { type: 'collect'; of: PagesOf; maxBytes: number; all: boolean; compress: boolean }
  /**
   * Source, at the start of a migration: every batch collected from now on
   * is sealed under `key` (migration/sealed-frames.ts), the first as frame 0.
   */
  | { type: 'seal'; key: Uint8Array }
  /** The buffer of a collected batch, written out: the worker collects a later batch into it (migration/batch-buffers.ts). */
  | { type: 'recycle'; buffer: ArrayBuffer }
  /**
   * Source: writes the disk's dirty blocks back to its image file and syncs
   * it; answered by `disk-flushed`. `first` (a migration's first round)
   * starts the list of blocks written anew.
   */
  | { type: 'flush-disk'; first: boolean }
  /**
   * Source, the switchover: pauses the guest at its next slice boundary,
   * then answers `checkpoint` with the state and the page digests.
   * `diskFromImage`: the disk moves through the shared directory; its last
   * dirty blocks are written back there first (as flush-disk), and its
   * digest is the image file's, else the blocks sent's. With `last`, every
   * page of memory (and block of a disk that does not move through its
   * image file) still dirty is collected, in batches of `maxBytes`,
   * `compress` as for `collect`, and comes in the same answer: the
   * switchover takes one round trip to the worker, not one for the pause,
   * one per batch and one more for the state. A guest that ends instead of
   * pausing is reported as such (exited or failed).
   */
  | { type: 'checkpoint'; diskFromImage?: boolean; last?: { maxBytes: number; compress: boolean } }
  | { type: 'resume' }
  /** Fraction of time the guest sleeps between slices (auto-converge), 0 to 0.99. */
  | { type: 'throttle'; fraction: number }
  /** The share of wall time the guest may run (the host's CPU scheduler), 0 to 1; 1 until told. */
  | { type: 'duty'; fraction: number }
  | { type: 'stop' };

/** A batch of dirty pages of memory or of the disk; `pages`: the size of what it came from, in 4 KiB pages. */
/** A write-back of the disk to its image file: blocks and bytes written, and every block written there since the previous one, by it or by the timer (none before a migration's first). */
export interface DiskFlushed {
  blocks: number;
  bytes: number;
  written: Uint32Array;
}

export interface CollectedBatch {
  of: PagesOf;
  /** The MEMORY payload; sealed (its ciphertext) when `tag` is there. */
  records: Uint8Array;
  /** The GCM tag of a sealed batch; none on an empty one, which is not sent. */
  tag?: Uint8Array;
  /** Deflated: asked for, and it shrank the batch (a PAGES_DEFLATED or DISK_DEFLATED frame). */
  compressed: boolean;
  count: number;
  bytes: number;
  dirtyLeft: number;
  pages: number;
}

export type FromWorker =
  /** The guest is instantiated; `uses` is what its module uses (wasm features, host capabilities). */
  | { type: 'ready'; memoryBytes: number; uses: Uses; service?: ServiceAddress }
  /** The guest's service is attached to the switch from this host. */
  | { type: 'service'; service: ServiceAddress }
  | { type: 'console'; fd: number; bytes: Uint8Array }
  /** `pages`: the size of what was collected from (memory or disk), in 4 KiB pages. */
  | ({ type: 'collected' } & CollectedBatch)
  | ({ type: 'disk-flushed' } & DiskFlushed)
  /** The image file backing the guest's disk, and the last write-back failure (null once a flush succeeds). */
  | { type: 'disk-image'; path: string; error: { code: string; message: string } | null }
  /** The batch of a `pages` is written into the guest's memory or disk. */
  /** `buffer`: the batch's, back to the agent to receive the next one in (migration/batch-buffers.ts). */
  | { type: 'applied'; buffer: ArrayBuffer }
  /**
   * `pausedAt`: when the guest stopped, `postedAt`: when this answer was
   * posted, both in epoch ms; `flushed`: the disk's write-back, for `diskFromImage`.
   */
  | { type: 'checkpoint'; pausedAt: number; postedAt: number; steps: string; state: Uint8Array; digest: Uint8Array; pages: number; diskDigest: Uint8Array; batches: CollectedBatch[]; flushed?: DiskFlushed }
  /**
   * `listens`: the loaded guest has a listening socket (its service follows
   * it here); `code`: why it failed when that is not a verification failure
   * (an image file that cannot be read).
   */
  | { type: 'loaded'; ok: boolean; message?: string; code?: string; memoryBytes?: number; listens?: boolean }
  | { type: 'exited'; exitCode: number; steps: string }
  /**
   * Every USAGE_REPORT_MS (usage-meter.ts): cumulative run time as of the
   * last moment the guest owed no pacing sleep (`at`, epoch ms), cumulative
   * paced and blocked time, steps, memory size, and the cumulative count of
   * pages written (each page counted once per report period).
   */
  | { type: 'usage'; at: number; runMs: number; pacedMs: number; blockedMs: number; steps: string; memoryBytes: number; writtenPages: number }
  | { type: 'failed'; code: string; message: string; trap: boolean };
