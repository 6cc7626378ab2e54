/**
 * The VMM's WASI entry points (assembly/wasi/exports.ts) as the host sees
 * them, and the helpers that move argv, environment and stdin bytes across.
 */
import type { VmmBinding } from '../vmm/binding.js';

export interface WasiEntryPoints {
  wasi_set_args(ptr: number, len: number): void;
  wasi_set_env(ptr: number, len: number): void;
  wasi_bind_memory(addr: number): number;
  wasi_stdin_push(ptr: number, len: number): void;
  wasi_stdin_close(): void;
  wasi_stdin_buffered(): number;
  wasi_blocked_on(): number;
  wasi_sleep_until(): bigint;
  wasi_sleep_remaining(): bigint;
  wasi_monotonic_now(): bigint;
  wasi_set_monotonic(ns: bigint): void;
}

/** Mirrors assembly/wasi/state.ts BlockedOn. */
export const BlockedOn = { Stdin: 1, Clock: 2, Socket: 4, DiskSync: 8 } as const;

/** The WASI entry points of a VMM binding (vmm.wasm exports them beside the core ones). */
export function wasiEntryPoints(vmm: VmmBinding): WasiEntryPoints {
  return vmm.x as unknown as WasiEntryPoints;
}

/** Strings as the VMM takes argv and environ: each UTF-8 encoded and NUL-terminated. */
export function nulSeparated(strings: string[]): Uint8Array {
  return Buffer.concat(strings.map((s) => Buffer.from(`${s}\0`, 'utf8')));
}

/** Passes `bytes` to a VMM entry point taking (ptr, len) through a temporary buffer. */
export function withBytes<T>(vmm: VmmBinding, bytes: Uint8Array, fn: (ptr: number, len: number) => T): T {
  const ptr = vmm.writeBytes(bytes);
  try {
    return fn(ptr, bytes.length);
  } finally {
    vmm.x.vmm_free(ptr);
  }
}
