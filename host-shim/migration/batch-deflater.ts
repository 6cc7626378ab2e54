/**
 * Compression of page batches (`compress: true`), for links slower than
 * deflate. Memory that does not shrink (encrypted, compressed or random
 * data) would pay deflate's cost on every batch for nothing: deflating such
 * memory runs at a tenth of the speed of sending it as it is. So a batch
 * that did not shrink by an eighth goes as it is, and so do the next
 * SKIPPED; then deflate is tried again, since memory changes as the rounds
 * go on. On incompressible memory one batch in SKIPPED + 1 pays for the try.
 */
import { deflateRawSync } from 'node:zlib';

/** Batches sent as they are after one that did not shrink. */
const SKIPPED = 15;

export class BatchDeflater {
  private skip = 0;

  /** The batch deflated (raw deflate, level 1: the fastest), or null to send it as it is. */
  deflate(records: Uint8Array): Uint8Array | null {
    if (this.skip > 0) {
      this.skip--;
      return null;
    }
    const out = deflateRawSync(records, { level: 1 });
    if (out.length > records.length - records.length / 8) {
      this.skip = SKIPPED;
      return null;
    }
    return out;
  }
}
