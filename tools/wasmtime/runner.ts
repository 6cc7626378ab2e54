/**
 * How this machine runs a WASI preview1 command on wasmtime: the runner the
 * wasmtime engine uses (host-shim/vmm/wasmtime-runner.ts: the `wasmtime` CLI
 * when it is on the PATH, else the official Python embedding, or as
 * WASMOTION_WASMTIME says), the Python embedding through
 * tools/wasmtime/run.py, which behaves like `wasmtime run --dir DIR`. Shared
 * by the vmm-cli tests and the benchmark.
 */
import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import {
  findWasmtimeRunner, probeRunner, PYTHON, WASMTIME, wasmtimeRunnerMissing,
  type WasmtimeKind, type WasmtimeRunner as Runner,
} from '../../host-shim/vmm/wasmtime-runner.js';
import { repoRoot } from '../guests/layout.js';

export interface WasmtimeRunner {
  kind: WasmtimeKind;
  /** What runs the program, for reports. */
  name: string;
  /** The command and its leading arguments; --dir flags, the module and its arguments follow. */
  command: string;
  prefix: string[];
}

function commandOf(runner: Runner): WasmtimeRunner {
  if (runner.kind === 'cli') return { kind: 'cli', name: runner.description, command: WASMTIME, prefix: ['run'] };
  return { kind: 'python', name: runner.description, command: PYTHON, prefix: [join(repoRoot(), 'tools', 'wasmtime', 'run.py')] };
}

/** The wasmtime CLI, or the Python embedding, or null when this machine has neither (wasmtimeMissing() says why). */
export function findWasmtime(): WasmtimeRunner | null {
  const runner = findWasmtimeRunner();
  return runner ? commandOf(runner) : null;
}

/** Every runner this machine has, the Python embedding first, whatever WASMOTION_WASMTIME says: for benchmarks that compare them. */
export function allWasmtimeRunners(): WasmtimeRunner[] {
  return (['python', 'cli'] as const).flatMap((kind) => {
    const runner = probeRunner(kind);
    return runner ? [commandOf(runner)] : [];
  });
}

/** Why the wasmtime runs cannot happen here, for a visible skip. */
export function wasmtimeMissing(): string {
  return wasmtimeRunnerMissing() ?? 'wasmtime runs here';
}

/** The argv that runs `module` with `args` on `runner`, with each of `dirs` preopened under its own name. */
export function wasmtimeArgv(runner: WasmtimeRunner, dirs: string[], module: string, args: string[]): string[] {
  return [...runner.prefix, ...dirs.flatMap((d) => ['--dir', d]), module, ...args];
}

/** Runs `module` on wasmtime to its end. */
export function runOnWasmtime(
  runner: WasmtimeRunner,
  dirs: string[],
  module: string,
  args: string[],
  options: SpawnSyncOptions = {},
): SpawnSyncReturns<Buffer> {
  return spawnSync(runner.command, wasmtimeArgv(runner, dirs, module, args), { timeout: 120_000, ...options }) as SpawnSyncReturns<Buffer>;
}
