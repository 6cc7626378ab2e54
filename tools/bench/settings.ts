/**
 * The benchmark's knobs, one set for the default run and one for --quick.
 * The default keeps a whole run under about three minutes on two cores even
 * when the VMM is far slower than V8, because the VMM's n is chosen from its
 * own speed (see kernel-bench.ts), not from V8's.
 */
export interface BenchSettings {
  /** Native n is chosen so one run takes about this long. */
  nativeTargetMs: number;
  nativeWarmups: number;
  nativeReps: number;
  /** VMM n is chosen so one run takes about this long (never above the native n). */
  vmmTargetMs: number;
  vmmWarmups: number;
  vmmReps: number;
  /** compile + instantiate repetitions for the load-speed figure. */
  loadReps: number;
  /** The VMM on wasmtime: N is chosen so one run's work takes about this long; each rep is two processes. */
  wasmtimeTargetMs: number;
  wasmtimeReps: number;
  /** The wasmtime engine's protocol: VMM processes started for the start-up time, and requests timed per batch. */
  protocolStarts: number;
  protocolCount: number;
}

export const DEFAULT_SETTINGS: BenchSettings = {
  nativeTargetMs: 30,
  nativeWarmups: 5,
  nativeReps: 9,
  vmmTargetMs: 800,
  vmmWarmups: 1,
  vmmReps: 5,
  loadReps: 5,
  wasmtimeTargetMs: 1000,
  wasmtimeReps: 3,
  protocolStarts: 3,
  protocolCount: 2000,
};

export const QUICK_SETTINGS: BenchSettings = {
  nativeTargetMs: 10,
  nativeWarmups: 2,
  nativeReps: 3,
  vmmTargetMs: 100,
  vmmWarmups: 1,
  vmmReps: 2,
  loadReps: 2,
  wasmtimeTargetMs: 300,
  wasmtimeReps: 1,
  protocolStarts: 1,
  protocolCount: 300,
};
