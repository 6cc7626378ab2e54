/**
 * Running the same command under `wasmotion` (the TypeScript CLI on V8) and
 * under build/vmm-cli.wasm (the VMM as a WASI program) on wasmtime or as a
 * component, so that tests can compare the two byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findWasmtime, runOnWasmtime, wasmtimeMissing as noWasmtime } from '../../tools/wasmtime/runner.js';

export const root = join(import.meta.dirname, '..', '..');
export const vmmCliWasm = join(root, 'build', 'vmm-cli.wasm');
export const vmmCliComponent = join(root, 'build', 'vmm-cli.component.wasm');
export const guests = join(root, 'build', 'guests');

export interface Ran {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

export function wasmotion(args: string[], input?: Uint8Array): Ran {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'wasmotion.js'), ...args], { input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const wasmtime = findWasmtime();

/** Why the wasmtime tests cannot run here, or null when they can. */
export function wasmtimeMissing(): string | null {
  if (!wasmtime) return noWasmtime();
  if (!existsSync(vmmCliWasm)) return `${vmmCliWasm} is not built (npm run build)`;
  return null;
}

/** vmm-cli.wasm (or another module) on wasmtime, with `dirs` preopened under their own paths. */
export function onWasmtime(args: string[], dirs: string[], input?: Uint8Array, module = vmmCliWasm): Ran {
  const r = runOnWasmtime(wasmtime!, dirs, module, args, { input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jcoBin = join(root, 'node_modules', '.bin', 'jco');
const preopens = join(root, 'dist', 'tools', 'component', 'preopens.js');

/** Why the component cannot run under jco here, or null when it can. */
export function jcoMissing(): string | null {
  if (!existsSync(jcoBin)) return '@bytecodealliance/jco is not installed (npm install)';
  if (!existsSync(vmmCliComponent)) return `${vmmCliComponent} is not built (npm run build)`;
  if (!existsSync(preopens)) return `${preopens} is not built (npm run build:ts)`;
  return null;
}

/** The component on Node under `jco run`, with `dirs` preopened under their own paths. */
export function underJco(args: string[], dirs: string[], input?: Uint8Array): Ran {
  const r = spawnSync(jcoBin, ['run', '--jco-import', preopens, vmmCliComponent, '--', ...args], {
    input,
    timeout: 120_000,
    env: { ...process.env, WASMOTION_PREOPENS: dirs.join(':') },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
