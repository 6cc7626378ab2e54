/**
 * A guest's disk as its worker keeps it in an image file in the shared
 * directory: the write-back (disk-write-back.ts), and what the agent is
 * told about the file (guest info shows a failing one). Write-backs run
 * between slices only: on a timer, when the guest syncs a file, at a
 * migration's request, when the guest ends or is stopped.
 */
import { errorCode } from '../../errors.js';
import type { GuestSession } from '../../guest/session.js';
import type { DestinationPages } from '../../migration/pages.js';
import type { DiskDirtyUsers } from '../../wasi/disk-dirty.js';
import { DiskWriteBack } from '../disk-write-back.js';
import type { DiskFlushed } from '../worker-protocol.js';
import { post } from './channel.js';

export class GuestDiskImage {
  private writeBack: DiskWriteBack | undefined;
  /** What the agent was last told about the file (undefined: nothing yet). */
  private lastReport: string | undefined;

  constructor(private readonly session: GuestSession, private readonly dirty: DiskDirtyUsers) {}

  /** A new guest: creates its image file from its freshly formatted disk. */
  create(path: string): void {
    this.writeBack = DiskWriteBack.create(path, this.session.disk(), this.dirty);
    this.report(path, null);
    this.syncOnGuestRequest();
  }

  /**
   * A guest that arrived through the shared directory takes its image file
   * over once it runs here (`sums`: its blocks as loaded from the file). A
   * file that vanished since leaves the disk in memory only, and says so.
   */
  adopt(path: string, sums: DestinationPages): void {
    try {
      this.writeBack = DiskWriteBack.adopt(path, this.session.disk(), this.dirty, sums);
      this.report(path, null);
      this.syncOnGuestRequest();
    } catch (err) {
      this.report(path, err);
    }
  }

  /** The guest's fd_sync returns once the disk is in the file and synced, and fails with EIO if it cannot be. */
  private syncOnGuestRequest(): void {
    this.session.syncDiskWith(() => void this.flush(true, true));
  }

  /**
   * Writes the disk's dirty blocks back to the file. A failure is reported
   * and the blocks stay dirty for the next try; with `rethrow` the caller (a
   * migration) fails with it too.
   */
  flush(sync: boolean, rethrow = false): { blocks: number; bytes: number } {
    const writeBack = this.writeBack;
    if (!writeBack) return { blocks: 0, bytes: 0 };
    try {
      const done = writeBack.flush(this.session.disk(), sync);
      this.report(writeBack.path, null);
      return done;
    } catch (err) {
      this.report(writeBack.path, err);
      if (rethrow) throw err;
      return { blocks: 0, bytes: 0 };
    }
  }

  /**
   * A migration's write-back, synced: what it wrote, and every block written
   * to the file since the last one (by it or by the timer; none before a
   * `first`, whose round names every block anyway).
   */
  flushForMigration(first: boolean): DiskFlushed {
    if (first) this.writeBack?.takeWritten(true);
    const done = this.flush(true, true);
    return { ...done, written: this.writeBack?.takeWritten(false) ?? new Uint32Array(0) };
  }

  /** The digest of the blocks as the file holds them, if the disk has one. */
  digest(): Uint8Array | undefined {
    return this.writeBack?.digest();
  }

  close(): void {
    this.writeBack?.close();
  }

  private report(path: string, err: unknown): void {
    const error = err ? { code: errorCode(err), message: err instanceof Error ? err.message : String(err) } : null;
    const key = `${path}\n${error?.message ?? ''}`;
    if (key === this.lastReport) return;
    this.lastReport = key;
    post({ type: 'disk-image', path, error });
  }
}
