/**
 * Where guest sources live and where their builds go. Shared by the guest
 * builder, the benchmark and the tests so that a guest's name means one file.
 *
 *   guests/c/NAME.c        -> build/guests/NAME.wasm         (WASI command, C)
 *   guests/as/NAME.ts      -> build/guests/as-NAME.wasm      (WASI command, AssemblyScript)
 *   guests/kernels/NAME.c  -> build/guests/kernel-NAME.wasm  (no imports, exports run(n))
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file (tools/guests/ or dist/tools/guests/). */
export function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${join('dist', 'tools')}`) ? '../../..' : '../..';
  return resolve(here, up);
}

export const GUEST_SOURCE_DIR = 'guests';
export const GUEST_BUILD_DIR = join('build', 'guests');

/** Benchmark kernels in the order the benchmark runs them. */
export const KERNEL_NAMES = ['fib', 'memloop', 'intmath', 'floatmath', 'hash', 'sort', 'compute'] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

export function kernelWasmPath(name: string, root = repoRoot()): string {
  return join(root, GUEST_BUILD_DIR, `kernel-${name}.wasm`);
}

export function cGuestWasmPath(name: string, root = repoRoot()): string {
  return join(root, GUEST_BUILD_DIR, `${name}.wasm`);
}

export function asGuestWasmPath(name: string, root = repoRoot()): string {
  return join(root, GUEST_BUILD_DIR, `as-${name}.wasm`);
}
