/**
 * How this machine runs a WASI preview1 command on wasmtime: the `wasmtime`
 * CLI when it is on the PATH, else the official Python embedding through
 * tools/wasmtime/run.py (pip package `wasmtime`), which behaves like
 * `wasmtime run --dir DIR`. Shared by the vmm-cli tests and the benchmark.
 */
import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../guests/layout.js';

export interface WasmtimeRunner {
  /** What runs the program, for reports. */
  name: string;
  /** The command and its leading arguments; --dir flags, the module and its arguments follow. */
  command: string;
  prefix: string[];
}

function works(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

let found: WasmtimeRunner | null | undefined;

/** The wasmtime CLI, or the Python embedding, or null when this machine has neither. */
export function findWasmtime(): WasmtimeRunner | null {
  if (found !== undefined) return found;
  if (works('wasmtime', ['--version'])) {
    found = { name: 'wasmtime CLI', command: 'wasmtime', prefix: ['run'] };
  } else if (works('python3', ['-c', 'import wasmtime'])) {
    found = { name: 'wasmtime (Python embedding)', command: 'python3', prefix: [join(repoRoot(), 'tools', 'wasmtime', 'run.py')] };
  } else {
    found = null;
  }
  return found;
}

/** Why the wasmtime runs cannot happen here, for a visible skip. */
export const NO_WASMTIME = 'neither the wasmtime CLI nor the wasmtime Python package (pip install wasmtime) is installed';

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
