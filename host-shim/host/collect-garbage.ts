/**
 * A full garbage collection of this thread's heap, on demand: run where a
 * pause costs nothing, so that V8 does not run one where it would.
 *
 * A migration's switchover is such a place: V8 finishes its incremental
 * marking with a pause of 1 to 7 ms on a host's main thread, and on the
 * 2-core machine the benchmarks ran on it landed inside about one
 * switchover in three: the downtime's tail was mostly that. A collection on
 * both hosts' main threads just before the guest pauses (migration/source.ts)
 * took the slowest of 24 hops from 11-15 ms to 6-8. It costs the guest nothing: it
 * runs in its own worker meanwhile. (Its worker is left alone: a collection
 * there before the pause would stall the guest as much as one inside it.)
 *
 * Node exposes `gc` only under --expose-gc; the flag can be set at run time
 * and the function taken from a fresh context. Where that fails, this does
 * nothing and says so.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/** Collects garbage now; false if this runtime does not allow it. */
export function collectGarbage(): boolean {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collect = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collect = null;
    }
  }
  if (!collect) return false;
  collect();
  return true;
}
