/**
 * Guest workers started ahead of need. A new worker takes some 80 ms, and
 * as much CPU, before it can take a guest: Node boots a V8 isolate, the
 * worker loads the shim's modules, compiles the VMM and warms it
 * (warm-up.ts). A guest arriving by migration waited for that before its
 * first page could move, and a guest started through the API before it ran.
 *
 * The pool keeps `size` idle workers. A guest takes one, or a new worker
 * when none is ready; the pool starts replacements once the host has been
 * quiet (no migration under way) for REFILL_MS, so that starting them does
 * not take CPU from the migration that took the last one. A started worker
 * also compiles its migration paths before it is taken
 * (worker/migration-warm-up.ts). Idle workers do not keep the process
 * alive. Each holds some 25 to 50 MiB of memory (a V8 isolate, the VMM's
 * heap): `host start --spare-workers 0` trades the wait for that.
 */
import { Worker } from 'node:worker_threads';
import type { ToWorker } from './worker-protocol.js';

/** How long the host must be quiet before the pool starts workers. */
const REFILL_MS = 500;

interface Spare {
  worker: Worker;
  /** The pool's own listeners, removed when a guest takes the worker. */
  gone: () => void;
}

export class WorkerPool {
  private readonly idle: Spare[] = [];
  /** Takes served by an idle worker. */
  served = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /** `quiet`: whether starting workers now would take CPU from nothing that matters (no migration under way). */
  constructor(
    private readonly script: string,
    private readonly size: number,
    private readonly quiet: () => boolean,
  ) {
    this.refillLater();
  }

  /** Idle workers, ready for a guest. */
  get ready(): number {
    return this.idle.length;
  }

  /** A worker for a new guest: an idle one if there is one, else one started now. */
  take(): Worker {
    const spare = this.idle.shift();
    this.refillLater();
    if (!spare) return new Worker(this.script);
    this.served++;
    spare.worker.off('error', spare.gone).off('exit', spare.gone);
    spare.worker.ref();
    return spare.worker;
  }

  /** Stops the idle workers; no more are started. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.all(this.idle.splice(0).map((s) => s.worker.terminate()));
  }

  private refillLater(): void {
    if (this.closed || this.size === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refill(), REFILL_MS).unref();
  }

  private refill(): void {
    if (this.closed) return;
    if (!this.quiet()) return this.refillLater();
    while (this.idle.length < this.size) {
      const worker = new Worker(this.script);
      // A worker that fails or ends while idle is dropped; the next take starts another.
      const spare: Spare = { worker, gone: () => this.drop(spare) };
      worker.on('error', spare.gone).on('exit', spare.gone);
      // Idle, it runs a small migration within itself, so that a real one finds its code compiled.
      worker.postMessage({ type: 'warm-up' } satisfies ToWorker);
      worker.unref();
      this.idle.push(spare);
    }
  }

  private drop(spare: Spare): void {
    const i = this.idle.indexOf(spare);
    if (i >= 0) this.idle.splice(i, 1);
    void spare.worker.terminate();
  }
}
