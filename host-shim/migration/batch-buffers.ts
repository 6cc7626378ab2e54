/**
 * Buffers for page batches, used again instead of allocated per batch.
 *
 * A migration moves memory in batches of about 1 MiB, each crossing between
 * a guest's worker and its host's main thread. With a fresh ArrayBuffer per
 * batch, the external memory they add up to made both threads' garbage
 * collectors run full collections every few dozen batches, several
 * milliseconds each, often inside a switchover's pause. So a buffer goes
 * back where it came from once used: the source's main thread returns it to
 * the guest's worker once the batch is written to the connection
 * (`recycle`), the destination's worker returns it to the main thread once
 * the pages are in guest memory (`applied`).
 */
import { HEADER, TRAILER, indexBytes } from '../snapshot/memory.js';

/** Room for a batch of 1 MiB of pages and a long index of zero pages; a larger batch gets a buffer of its own size. */
export const BATCH_BUFFER_BYTES = HEADER + (1 << 20) + indexBytes(16384) + TRAILER;
export class BatchBuffers {
  private readonly free: ArrayBuffer[] = [];

  /**
   * `keep`: free buffers kept, as many as can be in use at once: by default
   * one being written, one being filled, and slack.
   */
  constructor(private readonly keep = 4) {}

  /** `bytes` bytes at the start of a free buffer that holds them, or of a new one. */
  take(bytes: number): Buffer {
    const i = this.free.findIndex((b) => b.byteLength >= bytes);
    const buffer = i >= 0 ? this.free.splice(i, 1)[0] : new ArrayBuffer(Math.max(bytes, BATCH_BUFFER_BYTES));
    return Buffer.from(buffer, 0, bytes);
  }

  /**
   * Takes back a buffer whose batch is done with. One that was transferred
   * away (detached), is too small, or is far larger than a batch (a frame of
   * up to MAX_FRAME from the peer) is dropped: what is kept stays bounded.
   */
  give(buffer: ArrayBuffer): void {
    const size = buffer.byteLength;
    if (size >= BATCH_BUFFER_BYTES && size <= 2 * BATCH_BUFFER_BYTES && this.free.length < this.keep) this.free.push(buffer);
  }
}
