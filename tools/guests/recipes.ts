/**
 * One recipe per guest source: the command that builds it, the files whose
 * contents decide whether it is stale, and, when the toolchain lacks what it
 * needs, why it must be skipped. See layout.ts for the naming rule.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { asGuestWasmPath, cGuestWasmPath, GUEST_SOURCE_DIR, kernelWasmPath } from './layout.js';
import type { Toolchain } from './toolchain.js';

export type GuestKind = 'c' | 'as' | 'kernel';

export interface Recipe {
  kind: GuestKind;
  /** Repository-relative source path, for messages. */
  source: string;
  output: string;
  /** Files whose contents, with the command line, make up the build stamp. */
  inputs: string[];
  command: string;
  args: string[];
  /** Tool versions folded into the stamp, so a compiler upgrade rebuilds. */
  toolVersion: string;
  /** Set when the toolchain cannot build this guest. */
  skipReason?: string;
}

/** Flags shared by both clang builds: no SIMD, warnings are errors, no DWARF (wasi-libc ships it). */
const CLANG_COMMON = ['-O2', '-mno-simd128', '-Wall', '-Wextra', '-Werror', '-Wl,--strip-debug'];

/** WASI commands against Debian's wasi-libc; clang finds include/wasm32-wasi and lib/wasm32-wasi under the sysroot. */
export function wasiCFlags(sysroot: string): string[] {
  return ['--target=wasm32-wasi', `--sysroot=${sysroot}`, ...CLANG_COMMON];
}

/** Bare modules: no libc, no imports, only `run` (and memory) exported. -fno-builtin stops clang turning loops into memset/memcpy calls nobody provides. */
export const KERNEL_FLAGS = [
  '--target=wasm32', '-nostdlib', '-fno-builtin', ...CLANG_COMMON,
  '-Wl,--no-entry', '-Wl,--export=run',
];

function listSources(root: string, dir: string, ext: string): string[] {
  const full = join(root, GUEST_SOURCE_DIR, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full).filter((f) => extname(f) === ext).sort().map((f) => join(full, f));
}

function headersFor(root: string, source: string): string[] {
  const dirs = [join(root, GUEST_SOURCE_DIR, 'shared'), join(source, '..')];
  return dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.h')).map((f) => join(d, f)) : []));
}

function clangRecipe(root: string, tc: Toolchain, kind: 'c' | 'kernel', source: string): Recipe {
  const name = basename(source, '.c');
  const output = kind === 'c' ? cGuestWasmPath(name, root) : kernelWasmPath(name, root);
  const base = { kind, source: relative(root, source), output, inputs: [source, ...headersFor(root, source)] };
  if ('missing' in tc.clang) return { ...base, command: '', args: [], toolVersion: '', skipReason: tc.clang.missing };
  let flags = KERNEL_FLAGS;
  if (kind === 'c') {
    if ('missing' in tc.wasiSysroot) return { ...base, command: '', args: [], toolVersion: '', skipReason: tc.wasiSysroot.missing };
    flags = wasiCFlags(tc.wasiSysroot.path);
  }
  const libs = kind === 'c' ? ['-lm'] : [];
  return { ...base, command: tc.clang.path, args: [...flags, '-o', output, source, ...libs], toolVersion: tc.clang.version };
}

function ascRecipe(root: string, tc: Toolchain, source: string): Recipe {
  const output = asGuestWasmPath(basename(source, '.ts'), root);
  const base = { kind: 'as' as const, source: relative(root, source), output, inputs: [source] };
  if ('missing' in tc.asc) return { ...base, command: '', args: [], toolVersion: '', skipReason: tc.asc.missing };
  // asc resolves the shim's "lib" folder correctly only from relative paths,
  // so this command runs in the repository root with repository-relative paths.
  const rel = (p: string) => relative(root, p);
  const args = [tc.asc.script, rel(source), '--config', rel(tc.asc.shimConfig), '-O3', '--outFile', rel(output)];
  return { ...base, command: process.execPath, args, toolVersion: `asc ${tc.asc.version}` };
}

export function guestRecipes(root: string, tc: Toolchain): Recipe[] {
  return [
    ...listSources(root, 'c', '.c').map((s) => clangRecipe(root, tc, 'c', s)),
    ...listSources(root, 'kernels', '.c').map((s) => clangRecipe(root, tc, 'kernel', s)),
    ...listSources(root, 'as', '.ts').map((s) => ascRecipe(root, tc, s)),
  ];
}
