/**
 * A migration as the API shows it: an id, its newest progress event, and
 * every event so far for followers. Names follow QEMU's query-migrate.
 */
import { EventEmitter } from 'node:events';

export type MigrationState = 'queued' | 'handshake' | 'precopy' | 'switchover' | 'completed' | 'failed' | 'cancelled';

export interface ProgressEvent {
  migration: string;
  guest: string;
  to: string;
  state: MigrationState;
  iteration: number;
  /** Bytes of page data sent so far. */
  transferred: number;
  /** Bytes of PAGES frames on the wire so far (less than transferred when compressed). */
  wireBytes: number;
  /** Bytes of dirty pages not yet sent. */
  remaining: number;
  /** Bytes of guest memory. */
  total: number;
  /** Bytes per second the guest dirtied in the last round. */
  dirtyRate: number;
  /** Bytes per second sent, over the migration so far. */
  throughput: number;
  expectedDowntimeMs: number | null;
  downtimeMs: number | null;
  totalMs: number;
  /** Share of time the guest is held back to converge (auto-converge), 0 to 0.99. */
  throttle: number;
  error: { code: string; message: string } | null;
  /** Where the downtime went, once completed: last pages, state, verification, start (ms). */
  phasesMs?: Record<string, number>;
  /**
   * How the guest's disk moves, once the handshake decided (null without a
   * disk): "copied" over the connection (DISK frames), or "shared" through
   * the image file in a directory both hosts see.
   */
  disk: 'copied' | 'shared' | null;
  /** Bytes of disk blocks sent over the connection (counted in transferred too). */
  diskTransferred: number;
  /** Bytes of disk blocks written back to the shared image file during the migration. */
  diskFlushed: number;
  /** Why a shared disk was copied instead (the destination does not see its image file, or it is damaged), or null. */
  diskSharedRefused: DiskRefusal | null;
}

/** WASMOTION_ERR_DISK_NOT_SHARED (the destination does not see the file) or WASMOTION_ERR_DISK_IMAGE (the file is damaged). */
export interface DiskRefusal {
  code: string;
  message: string;
}

export const FINAL_STATES: MigrationState[] = ['completed', 'failed', 'cancelled'];

export class Migration extends EventEmitter {
  readonly events: ProgressEvent[] = [];
  cancelRequested = false;
  private readonly started = Date.now();
  last: ProgressEvent;

  constructor(
    readonly id: string,
    readonly guest: string,
    readonly to: string,
    readonly downtimeLimitMs: number,
    readonly policy: 'abort' | 'accept-downtime',
    readonly compress = false,
  ) {
    super();
    this.last = {
      migration: id, guest, to, state: 'queued', iteration: 0, transferred: 0, wireBytes: 0, remaining: 0, total: 0,
      dirtyRate: 0, throughput: 0, expectedDowntimeMs: null, downtimeMs: null, totalMs: 0, throttle: 0, error: null,
      disk: null, diskTransferred: 0, diskFlushed: 0, diskSharedRefused: null,
    };
    this.events.push(this.last);
  }

  get done(): boolean {
    return FINAL_STATES.includes(this.last.state);
  }

  update(change: Partial<ProgressEvent>): void {
    if (this.done) return;
    this.last = { ...this.last, ...change, totalMs: Date.now() - this.started };
    this.events.push(this.last);
    // Keep memory bounded on long migrations: the first and the newest events are what followers need.
    if (this.events.length > 10_000) this.events.splice(1, 5_000);
    this.emit('event', this.last);
  }

  /** Events from index `from` on, then new ones as they come, until the migration ends. */
  async *follow(signal?: AbortSignal): AsyncGenerator<ProgressEvent> {
    let seen = 0;
    for (;;) {
      while (seen < this.events.length) yield this.events[seen++];
      if (this.done || signal?.aborted) return;
      await new Promise<void>((resolve) => {
        this.once('event', () => resolve());
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}
