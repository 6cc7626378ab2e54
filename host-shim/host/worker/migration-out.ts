/**
 * The source end of a migration, in the guest's worker: dirty pages of
 * memory and blocks of the disk collected in batches (migration/pages.ts)
 * into buffers the agent gives back once written out
 * (migration/batch-buffers.ts) and sealed for the data connection
 * (migration/sealed-frames.ts), and the digests the destination checks at
 * the switchover. The agent's side is migration/source.ts.
 */
import { WasmotionError } from '../../errors.js';
import type { GuestSession } from '../../guest/session.js';
import { BatchBuffers } from '../../migration/batch-buffers.js';
import { BatchDeflater } from '../../migration/batch-deflater.js';
import { SourcePages } from '../../migration/pages.js';
import { FrameSealer } from '../../migration/sealed-frames.js';
import { pageFrameType } from '../../migration/wire.js';
import type { DiskDirtyUsers } from '../../wasi/disk-dirty.js';
import type { CollectedBatch, PagesOf } from '../worker-protocol.js';

export class MigrationOut {
  /** What the destination holds, for memory and for the disk, each with its own dirty map (pages.ts). */
  private sent = { memory: new SourcePages(), disk: new SourcePages() };
  private readonly buffers = new BatchBuffers();
  private sealer: FrameSealer | undefined;
  private deflater = new BatchDeflater();

  constructor(private readonly session: GuestSession, private readonly diskDirty: DiskDirtyUsers) {}

  /** Seals the batches of a new migration under `key`. */
  sealWith(key: Uint8Array): void {
    this.sealer = new FrameSealer(key);
    this.deflater = new BatchDeflater();
  }

  /**
   * Dirty pages of memory or of the disk, up to `maxBytes` of page data,
   * their bits cleared (worker-protocol.ts, `collect`). `all` starts a new
   * migration: every page dirty, to a destination that holds nothing yet.
   */
  collect(of: PagesOf, maxBytes: number, all: boolean, compress: boolean): CollectedBatch {
    const s = this.session;
    const sealer = this.sealer;
    if (!sealer) throw new WasmotionError('WASMOTION_ERR_INTERNAL', 'a migration collects pages only once its batches are sealed (seal)');
    if (all) this.sent[of] = new SourcePages();
    // The disk's map is the migration's own: the write-back takes from the same VMM map.
    const dirty = of === 'memory' ? s.dirtyMap() : this.diskDirty.of('migration');
    if (all) dirty.fill(1);
    const batch = this.sent[of].collect(of === 'memory' ? s.memory() : s.disk(), dirty, maxBytes, (bytes) => this.buffers.take(bytes));
    if (of === 'memory') s.commitDirty(dirty as Buffer);
    const done = { of, count: batch.count, bytes: batch.bytes, dirtyLeft: batch.dirtyLeft, pages: batch.pages };
    // An empty batch is not sent: sealed, it would take a frame number the destination never sees.
    if (batch.count === 0) {
      this.buffers.give(batch.records.buffer as ArrayBuffer);
      return { ...done, compressed: false, records: new Uint8Array(0) };
    }
    // Deflated if asked and it shrinks the batch (batch-deflater.ts); the frame type says which.
    const deflated = compress ? this.deflater.deflate(batch.records) : null;
    const records = deflated ?? batch.records;
    // The ciphertext goes to the agent, which gives its buffer back once written out; the plaintext's stays here for the next batch.
    const ciphertext = this.buffers.take(records.length);
    const tag = sealer.seal(pageFrameType(of, deflated !== null), records, ciphertext);
    this.buffers.give(batch.records.buffer as ArrayBuffer);
    return { ...done, compressed: deflated !== null, records: ciphertext, tag };
  }

  /** A batch's buffer, written out by the agent: a later batch is collected into it. */
  recycle(buffer: ArrayBuffer): void {
    this.buffers.give(buffer);
  }

  /**
   * With the guest paused: every page of memory still dirty, and every block
   * of the disk unless it moves through its image file (the source wrote it
   * there), in batches of `maxBytes`.
   */
  lastBatches(maxBytes: number, compress: boolean, diskFromImage: boolean): CollectedBatch[] {
    const batches: CollectedBatch[] = [];
    for (const of of ['memory', 'disk'] as const) {
      if (of === 'disk' && (this.session.disk().length === 0 || diskFromImage)) continue;
      let batch: CollectedBatch;
      do batches.push((batch = this.collect(of, maxBytes, false, compress)));
      while (batch.dirtyLeft > 0);
    }
    return batches;
  }

  /** The digests of memory and disk as sent, for the destination to compare with its own. */
  digests(): { memory: Uint8Array; disk: Uint8Array; pages: number } {
    const pages = this.session.memoryBytes() / 4096;
    return { memory: this.sent.memory.digest(pages), disk: this.sent.disk.digest(this.session.disk().length / 4096), pages };
  }
}
