/**
 * What runs wasm on wasmtime on this machine: the `wasmtime` CLI when it is
 * on the PATH, else wasmtime's official Python embedding (pip package
 * `wasmtime`). WASMOTION_WASMTIME=cli or =python insists on one of them.
 *
 * The wasmtime engine runs each VMM in a process of its own, either
 *
 *   wasmtime run build/vmm-cli.wasm serve           (cli: the VMM as a WASI program)
 *   python3 tools/wasmtime/vmm-server.py VMM.wasm   (python: vmm.wasm, host imports in Python)
 *
 * with its stdin and stdout on the FIFOs the binary command protocol travels
 * on (wasmtime-binding.ts, docs/vmm.md). The tools and tests that run
 * vmm-cli.wasm as a command make the same choice (tools/wasmtime/runner.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WasmotionError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { vmmWasmPath } from './binding.js';

export type WasmtimeKind = 'cli' | 'python';
export const WASMTIME_KINDS: readonly WasmtimeKind[] = ['cli', 'python'];

/** The environment variable that picks the runner; unset, the CLI wins when it is on the PATH. */
export const WASMTIME_CHOICE_ENV = 'WASMOTION_WASMTIME';

export interface WasmtimeRunner {
  kind: WasmtimeKind;
  /** What it is, for reports: "wasmtime CLI 48.0.8" or "wasmtime Python embedding 50.0.1". */
  description: string;
}

/** The process that serves one VMM, with its stdin and stdout on the protocol's FIFOs. */
export interface VmmServerCommand {
  command: string;
  args: string[];
}

/** The Python that runs the embedding. */
export const PYTHON = 'python3';
/** The wasmtime CLI, found on the PATH. */
export const WASMTIME = 'wasmtime';

export function vmmServerPath(): string {
  return join(packageRoot(), 'tools', 'wasmtime', 'vmm-server.py');
}

/** The VMM as a WASI command (asconfig target "cli"), built by `npm run build`. */
export function vmmCliWasmPath(): string {
  return join(packageRoot(), 'build', 'vmm-cli.wasm');
}

/** The first line a probe printed, or null when it failed. */
function probe(command: string, args: string[]): string | null {
  const r = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
  return r.status === 0 ? (r.stdout.trim().split('\n')[0] ?? '') : null;
}

function cliRunner(): WasmtimeRunner | null {
  const version = probe(WASMTIME, ['--version']);
  // `wasmtime --version` prints "wasmtime 48.0.8", and in some builds a commit and date after it.
  return version === null ? null : { kind: 'cli', description: `wasmtime CLI ${version.replace(/^wasmtime\s+/, '')}` };
}

function pythonRunner(): WasmtimeRunner | null {
  const version = probe(PYTHON, ['-c', "import wasmtime, importlib.metadata as m; print(m.version('wasmtime'))"]);
  return version === null ? null : { kind: 'python', description: `wasmtime Python embedding ${version}` };
}

/** The runner of `kind` when this machine has it, whatever WASMOTION_WASMTIME says (for benchmarks that compare them). */
export function probeRunner(kind: WasmtimeKind): WasmtimeRunner | null {
  return kind === 'cli' ? cliRunner() : pythonRunner();
}

const NO_CLI = 'the wasmtime CLI is not on the PATH';
const NO_PYTHON = 'the wasmtime Python package is not installed (pip install wasmtime)';

type Found = { runner: WasmtimeRunner; reason: null } | { runner: null; reason: string };

function find(choice: string | undefined): Found {
  if (choice !== undefined && choice !== '' && !(WASMTIME_KINDS as readonly string[]).includes(choice)) {
    return { runner: null, reason: `${WASMTIME_CHOICE_ENV}=${choice} names no wasmtime runner: one of ${WASMTIME_KINDS.join(', ')}` };
  }
  if (choice !== 'python') {
    const cli = cliRunner();
    if (cli) return { runner: cli, reason: null };
    if (choice === 'cli') return { runner: null, reason: `${NO_CLI} (${WASMTIME_CHOICE_ENV}=cli)` };
  }
  const python = pythonRunner();
  if (python) return { runner: python, reason: null };
  return { runner: null, reason: choice === 'python' ? `${NO_PYTHON} (${WASMTIME_CHOICE_ENV}=python)` : `${NO_CLI} and ${NO_PYTHON}` };
}

/** Answers by the environment they were asked under: the probes start processes, so each is asked once. */
const found = new Map<string, Found>();

function lookUp(): Found {
  const choice = process.env[WASMTIME_CHOICE_ENV];
  const key = `${choice ?? ''}\0${process.env.PATH ?? ''}`;
  let f = found.get(key);
  if (!f) found.set(key, (f = find(choice)));
  return f;
}

/** The wasmtime runner of this machine and environment, or null. */
export function findWasmtimeRunner(): WasmtimeRunner | null {
  return lookUp().runner;
}

/** Why neither runner can run wasm here (or not the one WASMOTION_WASMTIME asks for); null when one can. */
export function wasmtimeRunnerMissing(): string | null {
  return lookUp().reason;
}

/** What `runner` needs from the build or the package that is missing, or null. */
function missingFile(runner: WasmtimeRunner): string | null {
  const files = runner.kind === 'cli' ? [vmmCliWasmPath()] : [vmmServerPath(), vmmWasmPath()];
  const absent = files.find((f) => !existsSync(f));
  return absent === undefined ? null : `${absent} is missing`;
}

/** Why vmm.wasm cannot run on wasmtime here, or null when it can. */
export function wasmtimeUnavailable(): string | null {
  const f = lookUp();
  return f.runner ? missingFile(f.runner) : f.reason;
}

/** The error for a wasmtime engine that this machine cannot run. */
export function engineUnavailable(reason: string): WasmotionError {
  return new WasmotionError('WASMOTION_ERR_ENGINE_UNAVAILABLE', `the wasmtime engine is not available: ${reason}`);
}

/** The runner that will serve VMMs here; throws WASMOTION_ERR_ENGINE_UNAVAILABLE when there is none. */
export function vmmRunner(): WasmtimeRunner {
  const reason = wasmtimeUnavailable();
  if (reason) throw engineUnavailable(reason);
  return lookUp().runner!;
}

/** The command that serves one VMM on `runner`. */
export function vmmServerCommand(runner: WasmtimeRunner): VmmServerCommand {
  if (runner.kind === 'cli') return { command: WASMTIME, args: ['run', vmmCliWasmPath(), 'serve'] };
  return { command: PYTHON, args: [vmmServerPath(), vmmWasmPath()] };
}
