/**
 * One direction of one proxied connection, shaped like a real link: bytes read
 * from `source` first wait for the bandwidth (the token bucket: serialisation
 * onto the wire), then travel for `latencyMs` (propagation), then are written
 * to `destination`, always in the order they were read.
 *
 *   source ──read──▶ [waiting for bandwidth] ──bucket──▶ [in flight: deliverAt] ──write──▶ destination
 *
 * Memory is bounded: when both queues together hold `maxBufferedBytes` the
 * source is paused, and it resumes below half of that. A destination whose
 * write buffer is full (write() returned false) stops delivery until 'drain',
 * so a slow reader backs up into the queues and from there into the source.
 * A consequence worth knowing: with latency L a connection carries at most
 * maxBufferedBytes per L (like a TCP window).
 */
import type { Socket } from 'node:net';
import type { TokenBucket } from './token-bucket.js';

/** What a pipe asks its proxy, looked up on every pass so settings apply at once. */
export interface PipeControl {
  bucket(): TokenBucket;
  latencyMs(): number;
  /** How many of `length` bytes may be delivered now (less when a byte-count cut is near). */
  admit(length: number): number;
  /** Called after `length` bytes were handed to the destination; may cut the link. */
  delivered(length: number): void;
  /** The destination is gone while data was still coming: the source must be reset. */
  peerGone(): void;
}

interface InFlight {
  data: Buffer;
  deliverAt: number;
}

export class Pipe {
  private readonly waiting: Buffer[] = [];
  private readonly inFlight: InFlight[] = [];
  private bufferedBytes = 0;
  private sourcePaused = false;
  private sourceEnded = false;
  private destinationEnded = false;
  private writerBlocked = false;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly source: Socket,
    private readonly destination: Socket,
    private readonly control: PipeControl,
    private readonly maxBufferedBytes: number,
  ) {
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => {
      this.sourceEnded = true;
      this.pump();
    });
    destination.on('drain', () => {
      this.writerBlocked = false;
      this.pump();
    });
  }

  /** Bytes read from the source and not yet written to the destination. */
  get buffered(): number {
    return this.bufferedBytes;
  }

  /** Stops all work; queued bytes are dropped (the sockets are being torn down). */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.length = 0;
    this.inFlight.length = 0;
    this.bufferedBytes = 0;
  }

  /** Moves as much data as the settings allow, then sleeps until more can move. */
  pump(): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = performance.now();
    const bandwidthWait = this.transmit(now);
    const latencyWait = this.deliver(now);
    if (this.disposed) return;
    this.resumeSourceIfRoom();
    this.endDestinationIfDone();
    const wait = Math.min(bandwidthWait, latencyWait);
    if (wait !== Infinity) this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(wait)));
  }

  private onData(chunk: Buffer): void {
    if (this.disposed) return;
    this.waiting.push(chunk);
    this.bufferedBytes += chunk.length;
    if (this.bufferedBytes >= this.maxBufferedBytes && !this.sourcePaused) {
      this.sourcePaused = true;
      this.source.pause();
    }
    this.pump();
  }

  /** Puts waiting bytes on the wire as tokens allow; returns ms until more can go. */
  private transmit(now: number): number {
    const bucket = this.control.bucket();
    const deliverAt = now + this.control.latencyMs();
    while (this.waiting.length > 0) {
      const head = this.waiting[0]!;
      const granted = bucket.take(head.length, now);
      if (granted === 0) return bucket.waitMs(head.length, now);
      if (granted < head.length) this.waiting[0] = head.subarray(granted);
      else this.waiting.shift();
      this.inFlight.push({ data: granted < head.length ? head.subarray(0, granted) : head, deliverAt });
    }
    return Infinity;
  }

  /** Writes every piece whose latency has passed; returns ms until the next is due. */
  private deliver(now: number): number {
    while (this.inFlight.length > 0 && !this.writerBlocked) {
      const head = this.inFlight[0]!;
      if (head.deliverAt > now) return head.deliverAt - now;
      if (this.destination.destroyed || this.destinationEnded) {
        this.control.peerGone();
        return Infinity;
      }
      const allowed = this.control.admit(head.data.length);
      const piece = allowed < head.data.length ? head.data.subarray(0, allowed) : head.data;
      this.inFlight.shift();
      this.bufferedBytes -= head.data.length;
      if (piece.length > 0 && !this.destination.write(piece)) this.writerBlocked = true;
      this.control.delivered(piece.length);
      if (this.disposed) return Infinity;
    }
    return Infinity;
  }

  private resumeSourceIfRoom(): void {
    if (this.sourcePaused && this.bufferedBytes < this.maxBufferedBytes / 2) {
      this.sourcePaused = false;
      this.source.resume();
    }
  }

  /** Passes a half-close on once every byte read before it has been delivered. */
  private endDestinationIfDone(): void {
    if (this.sourceEnded && !this.destinationEnded && this.bufferedBytes === 0) {
      this.destinationEnded = true;
      if (!this.destination.destroyed) this.destination.end();
    }
  }
}
