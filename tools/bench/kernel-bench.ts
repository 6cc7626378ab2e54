/**
 * How one kernel is measured on one engine.
 *
 * Every kernel's run(n) does n equal units of work (see guests/kernels/), so
 * time is linear in n up to a small fixed setup cost. That allows:
 *
 * 1. Native n: double n from 1 until a run takes a quarter of the target,
 *    scale n to the target (20-50 ms), warm up (V8 tiers up from Liftoff to
 *    TurboFan meanwhile), rescale n once from the warmed-up median, then take
 *    the median of several runs.
 * 2. VMM n: the same doubling and scaling, but against the VMM's own target
 *    and never above the native n. A slow VMM thus runs a smaller n, and its
 *    time is normalised per unit of n: vmm ms at the native n =
 *    median(vmm runs) x native n / vmm n. The slowdown ratio is that over
 *    the native median, i.e. a ratio of time per unit of work.
 * 3. Correctness: the VMM's checksum at its n must equal V8's at the same n,
 *    and repeated runs must agree with each other.
 */
import type { Engine, Instance, Value } from '../../host-shim/engine/index.js';
import { median, timeMs } from './timing.js';

export interface LoadResult {
  instance: Instance;
  /** Median milliseconds of compile + instantiate. */
  loadMs: number;
}

export interface RunResult {
  n: number;
  medianMs: number;
  checksum: string;
}

/**
 * Compiles and instantiates `bytes` `reps` times; kernels import nothing.
 * Each rep gets the engine `engineFor()` returns: a VMM store keeps every
 * instance it made, so a fresh one per rep measures a guest's real load.
 */
export function loadKernel(engineFor: () => Engine, bytes: Uint8Array, reps: number): LoadResult {
  let instance: Instance | undefined;
  const times: number[] = [];
  for (let i = 0; i < Math.max(1, reps); i++) {
    const engine = engineFor();
    const t = timeMs(() => engine.instantiate(engine.compile(bytes), () => undefined));
    times.push(t.ms);
    instance = t.result;
  }
  return { instance: instance!, loadMs: median(times) };
}

export function checksumOf(results: Value[]): string {
  if (results.length !== 1) throw new Error(`run returned ${results.length} values, expected 1`);
  const r = results[0];
  if (r.type === 'i32' || r.type === 'i64') return `${r.type}:${r.value}`;
  throw new Error(`run returned a ${r.type}, expected i32 or i64`);
}

export function runOnce(instance: Instance, n: number): { ms: number; checksum: string } {
  const t = timeMs(() => instance.invoke('run', [{ type: 'i32', value: n }]));
  return { ms: t.ms, checksum: checksumOf(t.result) };
}

function scaled(n: number, ms: number, targetMs: number, maxN: number): number {
  return Math.max(1, Math.min(maxN, Math.round((n * targetMs) / Math.max(ms, 0.01))));
}

/** Doubles n until a run takes a quarter of targetMs (or n reaches maxN), then scales n to targetMs. */
export function calibrate(instance: Instance, targetMs: number, maxN: number): number {
  let n = 1;
  for (;;) {
    const { ms } = runOnce(instance, n);
    if (ms >= targetMs / 4 || n >= maxN) return scaled(n, ms, targetMs, maxN);
    n = Math.min(maxN, n * 2);
  }
}

/** Runs warm-ups, rescales n once from them, then times `reps` runs that must all agree. */
export function measure(instance: Instance, n: number, targetMs: number, maxN: number, warmups: number, reps: number): RunResult {
  const warm: number[] = [];
  for (let i = 0; i < warmups; i++) warm.push(runOnce(instance, n).ms);
  if (warm.length > 0) n = scaled(n, median(warm), targetMs, maxN);
  const times: number[] = [];
  let checksum: string | undefined;
  for (let i = 0; i < Math.max(1, reps); i++) {
    const r = runOnce(instance, n);
    if (checksum !== undefined && r.checksum !== checksum) {
      throw new Error(`run(${n}) is not deterministic: ${checksum} then ${r.checksum}`);
    }
    checksum = r.checksum;
    times.push(r.ms);
  }
  return { n, medianMs: median(times), checksum: checksum! };
}
