/**
 * One client connection on the virtual switch: the TCP socket of the
 * client, the bytes it sent that the guest has not yet confirmed having
 * (kept to send again to whichever host runs the guest next), and how many
 * of the guest's bytes the client already got (so that the bytes a restored
 * guest sends again are dropped, not delivered twice).
 */
import type { Socket } from 'node:net';

export class ClientConn {
  /** Client bytes from keptFrom on, in order; everything before keptFrom is in the guest. */
  private kept: Buffer[] = [];
  private keptFrom = 0;
  /** Bytes received from the client. */
  received = 0;
  /** The client finished sending (FIN). */
  clientEnded = false;
  /** The client's connection is gone (reset, error, or closed before its end). */
  clientGone = false;
  /** The guest holds this connection (OPENED, or listed when its host attached). */
  established = false;
  /** OPEN went to the current host. */
  openSent = false;
  /** Guest bytes written to the client, and where the guest's stream ends once it said so. */
  delivered = 0;
  endAt: number | undefined;
  private ended = false;

  constructor(
    readonly id: number,
    readonly socket: Socket,
  ) {}

  /** Client bytes the guest has not confirmed. */
  get unconfirmed(): number {
    return this.received - this.keptFrom;
  }

  /** Keeps a chunk the client sent; returns its stream offset. */
  keep(chunk: Buffer): number {
    const offset = this.received;
    this.kept.push(chunk);
    this.received += chunk.length;
    return offset;
  }

  /** The guest has every client byte before `offset`: they are forgotten. */
  confirm(offset: number): void {
    let drop = Math.min(offset, this.received) - this.keptFrom;
    while (drop > 0 && this.kept.length > 0) {
      const head = this.kept[0];
      if (head.length <= drop) {
        this.kept.shift();
        drop -= head.length;
        this.keptFrom += head.length;
      } else {
        this.kept[0] = head.subarray(drop);
        this.keptFrom += drop;
        drop = 0;
      }
    }
  }

  /** Whether the kept bytes reach back to `offset` (a host can resume from there). */
  canResumeFrom(offset: number): boolean {
    return offset >= this.keptFrom && offset <= this.received;
  }

  /** The kept bytes from `offset` on, as one buffer (empty when there are none). */
  bytesFrom(offset: number): Buffer {
    const all = Buffer.concat(this.kept);
    return all.subarray(offset - this.keptFrom);
  }

  /**
   * Guest bytes from stream offset `offset`: the part the client already
   * got is dropped, the rest written. Returns the offset reached, or -1 for
   * a gap (bytes missing before `offset`).
   */
  deliver(offset: number, bytes: Buffer, written: (offset: number) => void): number {
    if (offset > this.delivered) return -1;
    const fresh = bytes.subarray(this.delivered - offset);
    if (fresh.length > 0 && !this.clientGone && !this.ended) {
      this.delivered += fresh.length;
      const reached = this.delivered;
      this.socket.write(fresh, () => written(reached));
    }
    this.endIfDone();
    return this.delivered;
  }

  /** The guest's stream ends after `offset` bytes. */
  guestEnded(offset: number): void {
    this.endAt = offset;
    this.endIfDone();
  }

  private endIfDone(): void {
    if (this.endAt !== undefined && this.delivered >= this.endAt && !this.ended) {
      this.ended = true;
      this.socket.end();
    }
  }

  /**
   * The guest is done with the connection: after a clean end of its stream
   * the client gets what was written, then the connection closes; without
   * one (the guest never accepted it, or dropped it) it is reset.
   */
  finish(): void {
    if (this.clientGone) return;
    this.clientGone = true;
    if (this.endAt === undefined) this.reset();
    else this.socket.destroySoon();
  }

  /** Drops the client at once (the service is going away, or the streams cannot be resumed). */
  abort(): void {
    if (!this.clientGone) this.reset();
    this.clientGone = true;
  }

  /**
   * A reset (RST) for the client, unless the stream was already ended: libuv
   * refuses a reset after a shutdown, and a socket left that way keeps the
   * process from ever exiting. Then it is simply closed.
   */
  private reset(): void {
    if (this.socket.writableEnded) this.socket.destroy();
    else this.socket.resetAndDestroy();
  }
}
