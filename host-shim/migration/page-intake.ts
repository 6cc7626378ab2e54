/**
 * The destination's end of the data connection: every frame on it a sealed
 * batch of memory pages or disk blocks, handed to the guest's worker as it
 * came (the worker opens the batches in that order, sealed-frames.ts) and
 * acknowledged to the source on the control connection once written into
 * the guest. The source measures bandwidth by these acknowledgements and
 * switches over when what is left fits the downtime limit, so a worker that
 * lags behind the link slows the rounds down rather than leaving a backlog
 * to be written during the guest's pause.
 *
 * Anything wrong here (a frame of another type, a batch the worker refuses,
 * the connection ending while frames are still due) fails the control
 * connection's reader: the migration ends there, before GO.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { GuestHandle } from '../host/guest-handle.js';
import type { BatchBuffers } from './batch-buffers.js';
import type { DataConnection } from './listener.js';
import { FrameReader, MigrationError, Msg, writeFrame, type Frame } from './wire.js';

/** How long the data connection may stay quiet while a frame is due. */
const FRAME_MS = 60_000;

/**
 * Batches handed to the worker and not yet written into the guest, beyond
 * which the data connection is paused until the worker catches up: a link
 * faster than the worker would otherwise pile batches up in the worker's
 * queue, a fresh 1 MiB buffer each, as many as the round had.
 */
export const MAX_AT_WORKER = 8;

export class PageIntake {
  /** Frames handed to the worker. */
  private handed = 0;
  /** When the last frame came (performance.now()). */
  private lastFrameAt = performance.now();
  /** Frames the source says it sent (STATE): no frame beyond, and the intake ends there. */
  private due: number | undefined;
  private ended = false;
  private waiter: (() => void) | undefined;
  /** Batches at the worker, not written into the guest yet. */
  private atWorker = 0;

  private readonly data: Socket;

  constructor(
    connection: DataConnection,
    private readonly control: TLSSocket,
    private readonly controlReader: FrameReader,
    private readonly buffers: BatchBuffers,
    private readonly g: GuestHandle,
  ) {
    this.data = connection.socket;
    const reader = new FrameReader(this.data, buffers, 'the migration data connection', connection.head);
    // The listener hands the connection over paused (listener.ts).
    this.data.resume();
    void this.run(reader);
  }

  /** Milliseconds since the last frame came or was written into the guest. */
  quietMs(): number {
    return performance.now() - this.lastFrameAt;
  }

  /** Resolves once `frames` frames, all the source sent, are handed to the worker; none may follow. */
  async all(frames: number): Promise<void> {
    if (!Number.isSafeInteger(frames) || frames < 0) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a STATE without its count of sealed frames');
    if (this.handed > frames) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `a STATE after ${frames} sealed frames; ${this.handed} came`);
    this.due = frames;
    while (this.handed < frames) {
      if (this.ended) throw new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', `the data connection ended after ${this.handed} of ${frames} sealed frames`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private async run(reader: FrameReader): Promise<void> {
    try {
      for (;;) {
        const f = await reader.next(FRAME_MS);
        this.lastFrameAt = performance.now();
        if (this.due !== undefined && this.handed >= this.due) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a sealed frame after STATE');
        const of = f.type === Msg.Pages || f.type === Msg.PagesDeflated ? 'memory' : f.type === Msg.Disk || f.type === Msg.DiskDeflated ? 'disk' : null;
        if (of === null) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `message ${f.type} on the data connection`);
        if (of === 'disk' && this.g.diskBytes === null) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'disk blocks for a guest that has no disk');
        this.apply(of, f);
        this.handed++;
        this.wake();
      }
    } catch (err) {
      this.ended = true;
      this.wake();
      // Once every frame is in, the connection's end is the migration's business no more.
      if (this.due === undefined || this.handed < this.due) this.controlReader.fail(err as Error);
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Hands a frame to the worker, and acknowledges its bytes once they are in the guest. */
  private apply(of: 'memory' | 'disk', f: Frame): void {
    // A page batch has a buffer of its own (wire.ts): it moves to the worker without a copy.
    const sealed = f.owned ? f.payload : new Uint8Array(f.payload);
    const compressed = f.type === Msg.PagesDeflated || f.type === Msg.DiskDeflated;
    const wireBytes = f.payload.length;
    if (++this.atWorker >= MAX_AT_WORKER) this.data.pause();
    this.g.ask({ type: 'pages', of, sealed, compressed }, 'applied', [sealed.buffer as ArrayBuffer]).then(
      (applied) => {
        this.lastFrameAt = performance.now();
        // Half the backlog gone: the connection reads on (while the other half is written, the next batches arrive).
        if (--this.atWorker <= MAX_AT_WORKER / 2 && this.data.isPaused()) this.data.resume();
        // The worker gave the buffer back: a later batch is received into it.
        this.buffers.give(applied.buffer);
        const ack = Buffer.allocUnsafe(8);
        ack.writeBigUInt64LE(BigInt(wireBytes));
        void writeFrame(this.control, Msg.Ack, ack).catch(() => undefined);
      },
      (err: Error & { code?: string }) => {
        const what = of === 'disk' ? 'disk blocks' : 'pages';
        this.controlReader.fail(new MigrationError(err.code ?? 'WASMOTION_ERR_MIGRATION_PROTOCOL', `a batch of ${what} could not be written: ${err.message}`, { cause: err }));
      },
    );
  }
}
