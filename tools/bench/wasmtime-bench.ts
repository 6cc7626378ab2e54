/**
 * The kernels with the VMM on wasmtime: build/vmm-cli.wasm runs
 * `run --invoke run KERNEL.wasm N` as its own process, on the wasmtime CLI
 * or wasmtime's Python embedding (tools/wasmtime/runner.ts), each in turn. A process's
 * time includes starting wasmtime and vmm-cli.wasm and loading the kernel;
 * the time of a run of n = 1, taken right before, is subtracted, which
 * leaves N - 1 units of work. N is chosen from the VMM's speed on V8 so that
 * a run takes about the target time, never above the native n.
 */
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import type { Engine } from '../../host-shim/engine/types.js';
import { runOnWasmtime, type WasmtimeRunner } from '../wasmtime/runner.js';
import type { WasmtimeKind } from '../../host-shim/vmm/wasmtime-runner.js';
import { loadKernel, runOnce } from './kernel-bench.js';
import type { KernelRow } from './report.js';
import { geomean, median } from './timing.js';

export interface WasmtimeRow {
  kernel: string;
  n: number;
  /** Milliseconds for the native n, from the measured N. */
  msAtNativeN: number;
  ratio: number;
  error?: string;
}

/** Wall-clock ms of one `run --invoke run KERNEL N` on wasmtime, and what it printed. */
function timedRun(runner: WasmtimeRunner, vmmCli: string, kernel: string, n: number): { ms: number; out: string } {
  const start = performance.now();
  const r = runOnWasmtime(runner, [dirname(kernel)], vmmCli, ['run', '--invoke', 'run', kernel, String(n)]);
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr.toString().trim().split('\n')[0]}`);
  return { ms, out: r.stdout.toString().trim() };
}

export function benchOnWasmtime(
  runner: WasmtimeRunner,
  vmmCli: string,
  kernelPath: string,
  bytes: Uint8Array,
  row: KernelRow,
  native: Engine,
  targetMs: number,
  reps: number,
): WasmtimeRow {
  const perUnitOnV8Vmm = row.vmm!.msAtNativeN / row.nativeN;
  const n = Math.max(2, Math.min(row.nativeN, Math.round(targetMs / Math.max(perUnitOnV8Vmm, 1e-9))));
  const result: WasmtimeRow = { kernel: row.kernel, n, msAtNativeN: Number.NaN, ratio: Number.NaN };
  try {
    const expected = runOnce(loadKernel(() => native, bytes, 1).instance, n).checksum.replace(/^i(32|64):/, '');
    const work: number[] = [];
    for (let i = 0; i < Math.max(1, reps); i++) {
      const base = timedRun(runner, vmmCli, kernelPath, 1);
      const full = timedRun(runner, vmmCli, kernelPath, n);
      if (full.out !== expected) throw new Error(`CHECKSUM MISMATCH at n=${n}: V8 ${expected}, vmm on wasmtime ${full.out}`);
      work.push(Math.max(full.ms - base.ms, 0.001));
    }
    result.msAtNativeN = (median(work) * row.nativeN) / (n - 1);
    result.ratio = result.msAtNativeN / row.nativeMs;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  }
  return result;
}

const pad = (s: string, width: number) => s.padStart(width);

export const WASMTIME_HEADER = ['kernel'.padEnd(10), pad('n', 8), pad('ms', 10), pad('ratio', 8), pad('vs vmm on V8', 13)].join(' ');

export function formatWasmtimeRow(w: WasmtimeRow, row: KernelRow): string {
  if (w.error) return `${w.kernel.padEnd(10)} ${pad(String(w.n), 8)} FAILED: ${w.error}`;
  const onV8 = row.vmm ? w.msAtNativeN / row.vmm.msAtNativeN : Number.NaN;
  return [w.kernel.padEnd(10), pad(String(w.n), 8), pad(w.msAtNativeN.toFixed(1), 10), pad(`${w.ratio.toFixed(1)}x`, 8), pad(`${onV8.toFixed(2)}x`, 13)].join(' ');
}

/** `bench: vmm on wasmtime: geomean slowdown vs V8 X.Xx over N kernels`, or `on wasmtime (KIND)` naming the runner. */
export function wasmtimeSummary(rows: WasmtimeRow[], runner?: WasmtimeKind): string {
  const ratios = rows.filter((r) => !r.error).map((r) => r.ratio);
  const mean = ratios.length > 0 ? `${geomean(ratios).toFixed(1)}x` : 'n/a';
  return `bench: vmm on wasmtime${runner ? ` (${runner})` : ''}: geomean slowdown vs V8 ${mean} over ${ratios.length} kernels`;
}

/** Whether `vmmCli` exists and runs on this runner at all (a quick `run --help`). */
export function vmmCliRuns(runner: WasmtimeRunner, vmmCli: string): boolean {
  const r = spawnSync(runner.command, [...runner.prefix, vmmCli, '--help'], { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}
