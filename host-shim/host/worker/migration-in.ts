/**
 * The destination end of a migration, in the guest's worker: page batches
 * opened (migration/sealed-frames.ts) and written into the prepared
 * guest's memory and disk, the checksum of every
 * page as written (migration/pages.ts), blocks read from the shared
 * directory's image file, and the state loaded once the digests match.
 * The agent's side is migration/destination.ts.
 */
import { inflateRawSync } from 'node:zlib';
import { WasmotionError } from '../../errors.js';
import type { GuestSession } from '../../guest/session.js';
import { BATCH_BUFFER_BYTES } from '../../migration/batch-buffers.js';
import { DestinationPages } from '../../migration/pages.js';
import { FrameOpener } from '../../migration/sealed-frames.js';
import { pageFrameType } from '../../migration/wire.js';
import { sameChecksum } from '../../snapshot/checksum.js';
import { applyMemory, memoryPagesOf } from '../../snapshot/memory.js';
import { loadImageBlocks, loadImageFile } from '../../wasi/disk-image-file.js';
import type { PagesOf } from '../worker-protocol.js';

/** Largest inflated page batch accepted (a batch is about 1 MiB of pages and its index). */
const MAX_BATCH = 64 << 20;

export class MigrationIn {
  /** The checksum of every page and block as written here. */
  readonly written = { memory: new DestinationPages(), disk: new DestinationPages() };
  /** Why reading the disk from its image file failed, reported at load. */
  private imageFailure: WasmotionError | undefined;

  private readonly opener: FrameOpener;
  /** The opened batch: one at a time, into the same buffer. */
  private plaintext = Buffer.alloc(0);

  /** `dataKey`: the key the batches are sealed under. */
  constructor(private readonly session: GuestSession, dataKey: Uint8Array) {
    this.opener = new FrameOpener(dataKey);
  }

  /** Opens a sealed batch of pages (or disk blocks) and writes it into the guest. */
  apply(of: PagesOf, sealed: Uint8Array, compressed: boolean): void {
    const s = this.session;
    const bytes = FrameOpener.plaintextBytes(sealed);
    if (bytes > this.plaintext.length) this.plaintext = Buffer.alloc(Math.max(bytes, BATCH_BUFFER_BYTES));
    // Nothing is written unless the whole batch is authentic.
    const records = this.opener.open(pageFrameType(of, compressed), sealed, this.plaintext);
    const payload = compressed ? inflateRawSync(records, { maxOutputLength: MAX_BATCH }) : records;
    if (of === 'memory') s.ensurePages(Math.ceil(memoryPagesOf(payload, 'migration pages') / 16));
    // The disk has its size from the HELLO: a batch for a larger one is refused by applyMemory.
    const view = of === 'memory' ? s.memory() : s.disk();
    const pages = applyMemory(payload, view, of === 'memory' ? 'migration pages' : 'migration disk blocks');
    this.written[of].written(view, pages);
  }

  /**
   * The disk moves through the shared directory: its blocks land here from
   * the image file (all of it for `blocks` null), as pre-copied ones would.
   * A failure is kept for the load: the guest stays on the source.
   */
  imageBlocks(path: string, blocks: Uint32Array | null): void {
    if (this.imageFailure) return;
    const view = this.session.disk();
    try {
      // A whole image records only the blocks that are not zeros: the others are zeros here already.
      const read = blocks === null ? loadImageFile(path, view) : loadImageBlocks(path, view, blocks);
      this.written.disk.written(view, read);
    } catch (err) {
      this.imageFailure = err instanceof WasmotionError ? err : new WasmotionError('WASMOTION_ERR_DISK_IMAGE', String(err));
    }
  }

  /**
   * Loads the guest's state once memory and disk match the source's
   * digests; `fromImage`: the disk came from its image file. Returns why
   * not, or null.
   */
  load(state: Uint8Array, digest: Uint8Array, diskDigest: Uint8Array, fromImage: boolean): { message: string; code?: string } | null {
    const s = this.session;
    if (fromImage && this.imageFailure) return { message: this.imageFailure.message, code: this.imageFailure.code };
    if (!sameChecksum(this.written.memory.digest(s.memoryBytes() / 4096), digest)) return { message: 'the memory checksums of source and destination differ' };
    if (!sameChecksum(this.written.disk.digest(s.disk().length / 4096), diskDigest)) return { message: 'the disk checksums of source and destination differ' };
    try {
      s.load(state);
    } catch (err) {
      return { message: err instanceof Error ? err.message : String(err) };
    }
    return null;
  }
}
