/**
 * The cluster's event log: every change the manager makes or notices, in
 * order, numbered, kept in the store and streamed to followers.
 */
import { EventEmitter } from 'node:events';
import type { ClusterEvent } from '../../client/cluster-types.js';
import type { ClusterStore } from './store.js';

export type NewEvent = Omit<ClusterEvent, 'seq' | 'time'>;

export class EventLog {
  private readonly emitter = new EventEmitter();

  constructor(private readonly store: ClusterStore) {
    this.emitter.setMaxListeners(0);
  }

  add(event: NewEvent): ClusterEvent {
    const full = this.store.appendEvent(event);
    this.emitter.emit('event', full);
    return full;
  }

  /** Events with a sequence number above `since`. */
  since(since: number): ClusterEvent[] {
    return this.store.state.events.filter((e) => e.seq > since);
  }

  /** Events above `since`, then new ones as they come, until `signal` aborts. */
  async *follow(since: number, signal: AbortSignal): AsyncGenerator<ClusterEvent> {
    const queue: ClusterEvent[] = [...this.since(since)];
    let wake: (() => void) | undefined;
    const listener = (e: ClusterEvent) => {
      queue.push(e);
      wake?.();
    };
    const abort = () => wake?.();
    this.emitter.on('event', listener);
    signal.addEventListener('abort', abort);
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.emitter.off('event', listener);
      signal.removeEventListener('abort', abort);
    }
  }
}
