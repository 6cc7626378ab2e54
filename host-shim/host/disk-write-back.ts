/**
 * Writes a guest's disk back to its image file in the shared directory
 * (wasi/disk-image-file.ts): the blocks written since the last flush, taken
 * from the write-back's own dirty map (wasi/disk-dirty.ts), so a migration
 * copying blocks at the same time keeps its own. It keeps the checksum of
 * every block as it is in the file, and the digest of that table
 * (migration/pages.ts): at a switchover through the file the source sends
 * this digest, and the destination compares it with the blocks it loaded.
 */
import { DestinationPages } from '../migration/pages.js';
import { DISK_BLOCK } from '../wasi/disk.js';
import type { DiskDirtyUsers } from '../wasi/disk-dirty.js';
import { createImageFile, ImageFileWriter } from '../wasi/disk-image-file.js';
import { isZeroPage } from '../snapshot/memory.js';
import type { GuestMemory } from '../vmm/guest-memory.js';

const USER = 'write-back';

export class DiskWriteBack {
  private constructor(
    private readonly file: ImageFileWriter,
    private readonly dirty: DiskDirtyUsers,
    /** The checksum of every block as the file holds it. */
    private readonly sums: DestinationPages,
    private readonly blocks: number,
    /** Blocks written to the file since takeWritten() last ran, while a migration wants to know (null otherwise). */
    private log: Set<number> | null = null,
  ) {
    // From here on, every block written is this user's to flush.
    dirty.of(USER);
  }

  /** A new guest: creates its image file from its freshly formatted disk. */
  static create(path: string, disk: GuestMemory, dirty: DiskDirtyUsers): DiskWriteBack {
    createImageFile(path, disk);
    const blocks = disk.length / DISK_BLOCK;
    const sums = new DestinationPages();
    const inFile: number[] = [];
    for (let b = 0; b < blocks; b++) if (!isZeroPage(disk.read(b * DISK_BLOCK, DISK_BLOCK), 0)) inFile.push(b);
    sums.written(disk, inFile);
    dirty.clear();
    return new DiskWriteBack(ImageFileWriter.open(path, blocks), dirty, sums, blocks);
  }

  /**
   * A guest whose disk was just loaded from its image file (a migration
   * through the shared directory): `sums` holds the checksums of the blocks
   * as loaded, so the file and the disk are equal now.
   */
  static adopt(path: string, disk: GuestMemory, dirty: DiskDirtyUsers, sums: DestinationPages): DiskWriteBack {
    const blocks = disk.length / DISK_BLOCK;
    const file = ImageFileWriter.open(path, blocks);
    dirty.clear();
    return new DiskWriteBack(file, dirty, sums, blocks);
  }

  get path(): string {
    return this.file.path;
  }

  /**
   * Writes the blocks written since the last flush; with `sync`, fsyncs the
   * file after (even when nothing was written: what an earlier flush wrote
   * is durable afterwards). A block stays dirty until its write succeeded.
   */
  flush(disk: GuestMemory, sync: boolean): { blocks: number; bytes: number } {
    const map = this.dirty.of(USER);
    const written: number[] = [];
    try {
      for (let b = 0; b < map.length; b++) {
        if (!map[b]) continue;
        this.file.writeBlock(b, disk.read(b * DISK_BLOCK, DISK_BLOCK));
        map[b] = 0;
        written.push(b);
      }
    } finally {
      this.sums.written(disk, written);
      if (this.log) for (const b of written) this.log.add(b);
    }
    if (sync) this.file.sync();
    return { blocks: written.length, bytes: written.length * DISK_BLOCK };
  }

  /**
   * The blocks written to the file since the previous call, in order, by
   * whichever flush (a migration's, or the timer's): a destination loading
   * the disk from the file reads these again. `restart` forgets them and
   * starts afresh (a migration's first round: the destination reads the
   * whole file after it).
   */
  takeWritten(restart: boolean): Uint32Array {
    const taken = this.log && !restart ? Uint32Array.from([...this.log].sort((x, y) => x - y)) : new Uint32Array(0);
    this.log = new Set();
    return taken;
  }

  /** The digest of the file's blocks as this host wrote them. */
  digest(): Uint8Array {
    return this.sums.digest(this.blocks);
  }

  close(): void {
    this.file.close();
  }
}
