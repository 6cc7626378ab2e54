/**
 * The raw binding to one instance of build/vmm.wasm: its entry points (see
 * assembly/index.ts) plus helpers to move bytes and strings across. One
 * VmmBinding is one VMM with one store. A trap of vmm.wasm itself (a VMM
 * bug, never a guest's doing) poisons the binding and surfaces as VmmFault.
 *
 * Two wasm engines run vmm.wasm: V8, in this thread (v8-binding.ts), and
 * wasmtime, in a process of its own (wasmtime-binding.ts). VMM memory is
 * reached through read() and write() only: on V8 read() returns a view in
 * place, on wasmtime a copy, so whoever changes what read() returned hands
 * it back with commit() (nothing to do on V8).
 */
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { checksumStart } from '../snapshot/checksum.js';
import { PAGE_SUM_WORDS, viewMemory, type GuestMemory } from './guest-memory.js';

const PAGE_BYTES = 4096;
/** Pages checksummed per page_checksums call. */
const SUM_CHUNK = 256;

export interface VmmExports {
  vmm_alloc(len: number): number;
  vmm_free(ptr: number): void;
  config_set(key: number, value: number): void;
  error_status(): number;
  error_message(): number;
  error_offset(): number;
  error_trap(): number;
  module_load(ptr: number, len: number): number;
  module_describe(id: number): number;
  func_new_host(ptr: number, params: number, results: number, hostId: number): number;
  wasi_func(ptr: number, len: number): number;
  vmm_func(ptr: number, len: number): number;
  features_supported(): number;
  features_set_visible(mask: number): void;
  features_visible(): number;
  global_new(type: number, mutable: number, bits: bigint): number;
  global_get(addr: number): bigint;
  global_set(addr: number, bits: bigint): void;
  global_type(addr: number): number;
  table_new(elem: number, min: number, max: number): number;
  table_size(addr: number): number;
  table_get(addr: number, i: number): number;
  memory_new(min: number, max: number, hasMax: number): number;
  memory_base(addr: number): number;
  memory_pages(addr: number): number;
  memory_dirty(addr: number): number;
  memory_grow(addr: number, delta: number): number;
  dirty_mark_set(mark: number): void;
  instance_new(module: number, ptr: number, count: number): number;
  instance_export(instance: number, ptr: number, len: number): bigint;
  instance_start(instance: number): number;
  func_type(addr: number): number;
  func_kind(addr: number): number;
  func_host_id(addr: number): number;
  func_ref(addr: number): number;
  func_addr(ref: number): number;
  call_begin(addr: number): number;
  checkpoint_save(instance: number): number;
  instance_restore(module: number, importsPtr: number, count: number, statePtr: number, stateLen: number): number;
  thread_active(): number;
  pages_index(memory: number, diff: number, out: number, lanes: number): number;
  checksum_update(lanes: number, ptr: number, len: number): void;
  page_checksums(base: number, pages: number, list: number, count: number, seeds: number, out: number): number;
  instance_prepare(module: number, importsPtr: number, count: number): number;
  instance_load(instance: number, ptr: number, len: number): number;
  run(fuel: bigint): number;
  call_abort(): void;
  results_ptr(): number;
  host_call_id(): number;
  host_call_func(): number;
  host_call_args(): number;
  exit_code(): number;
  fuel_used(): bigint;
}

/** Mirrors assembly/exec/thread.ts RunStatus. */
export const RunStatus = {
  Finished: 0,
  OutOfFuel: 1,
  HostCall: 2,
  Trap: 3,
  Exit: 4,
  Blocked: 5,
  Idle: 6,
} as const;

/** Mirrors assembly/errors.ts Status. */
export const VmmStatus = {
  Ok: 0,
  Malformed: 1,
  Invalid: 2,
  Unlinkable: 3,
  Trap: 4,
  Unsupported: 5,
  LimitExceeded: 6,
  BadArgument: 7,
} as const;

/** Mirrors assembly/runtime/config.ts ConfigKey. */
export const ConfigKey = { MaxMemoryPages: 0, MaxCallDepth: 1, ValueStackBytes: 2 } as const;

export interface VmmError {
  status: number;
  message: string;
  offset: number;
  trap: number;
}

/**
 * The host's side of the VMM's virtual devices (assembly/wasi/host.ts): what
 * the VMM calls synchronously when a guest's WASI call needs the outside
 * world. Defaults: console output is dropped, clocks are the process clocks,
 * randomness is crypto-grade.
 */
export interface VmmDevices {
  /** Bytes the guest wrote to fd 1 or 2. The view is only valid during the call. */
  consoleWrite(fd: number, bytes: Uint8Array): void;
  /** Nanoseconds: clock 0 is realtime (since the epoch), 1 is monotonic. */
  clockNow(clock: number): bigint;
  /** Fills `into` with random bytes. */
  randomFill(into: Uint8Array): void;
}

export const defaultDevices: VmmDevices = {
  consoleWrite: () => {},
  clockNow: (clock) => (clock === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint()),
  // randomFillSync: getRandomValues refuses more than 64 KiB at once.
  randomFill: (into) => {
    randomFillSync(into);
  },
};

/** Where the VMM is: built by `npm run build`. */
export function vmmWasmPath(): string {
  return join(packageRoot(), 'build', 'vmm.wasm');
}

/** Entry points returning an address in VMM memory: unsigned, although wasm i32 results arrive signed. */
export const POINTER_RESULTS = new Set([
  'vmm_alloc', 'error_message', 'module_describe', 'func_type', 'call_begin', 'results_ptr',
  'host_call_args', 'memory_base', 'memory_dirty', 'checkpoint_save', 'wasi_conn_tx_data',
]);

/** Initial VMM memory: the VMM's own heap. Guest memories are reserved above it. */
export const HEAP_PAGES = 256;

/** The wasm engines that run vmm.wasm. */
export type WasmEngineName = 'v8' | 'wasmtime';
export const WASM_ENGINES: readonly WasmEngineName[] = ['v8', 'wasmtime'];

export abstract class VmmBinding {
  abstract readonly engine: WasmEngineName;
  abstract readonly x: VmmExports;

  /** Bytes [ptr, ptr+len) of VMM memory: a view in place on V8 (valid until the VMM runs), a copy on wasmtime. */
  abstract read(ptr: number, len: number): Buffer;

  /** Copies `data` into VMM memory at `ptr`. */
  abstract write(ptr: number, data: Uint8Array): void;

  /** Makes changes to `range`, which read(ptr, ...) returned, take effect in VMM memory. */
  abstract commit(ptr: number, range: Uint8Array): void;

  /** Ends the binding (the wasmtime process); the VMM is gone after. */
  abstract close(): void;

  /**
   * A guest memory of `length` bytes at `base` in VMM memory, for one
   * operation between two runs: a view in place, whose pages the VMM
   * checksums with its SIMD code (checksumPagesAt).
   */
  guestMemory(base: number, length: number): GuestMemory {
    // Allocated before the view is taken: an allocation can grow VMM memory, which would detach the view.
    this.sumScratch ??= this.pageSumScratch();
    const memory = viewMemory(this.read(base, length));
    memory.checksumPages = (list, count, out) => this.checksumPagesAt(base, length, list, count, out);
    return memory;
  }

  /**
   * GuestMemory.checksumPages for the memory of `length` bytes at `base`:
   * the VMM checksums the pages where they are (page_checksums), SUM_CHUNK
   * at a time, and only the sums come back.
   */
  protected checksumPagesAt(base: number, length: number, list: Uint32Array, count: number, out: Uint32Array): void {
    const scratch = (this.sumScratch ??= this.pageSumScratch());
    const pages = Math.floor(length / PAGE_BYTES);
    for (let at = 0; at < count; at += SUM_CHUNK) {
      const n = Math.min(SUM_CHUNK, count - at);
      this.write(scratch.list, new Uint8Array(list.buffer, list.byteOffset + at * 4, n * 4));
      if (this.x.page_checksums(base, pages, scratch.list, n, scratch.seeds, scratch.out) !== n) throw new RangeError(`a page number beyond the memory's ${pages} pages`);
      const sums = this.read(scratch.out, n * PAGE_SUM_WORDS * 4);
      // A copy on wasmtime need not be 4-byte aligned.
      const words = sums.byteOffset % 4 === 0 ? new Uint32Array(sums.buffer, sums.byteOffset, n * PAGE_SUM_WORDS) : new Uint32Array(Uint8Array.from(sums).buffer);
      out.set(words, at * PAGE_SUM_WORDS);
    }
  }

  /** VMM memory for page_checksums, kept for the binding's life: the lane seeds, a chunk of page numbers, their sums. */
  private sumScratch: { seeds: number; list: number; out: number } | undefined;

  private pageSumScratch(): { seeds: number; list: number; out: number } {
    const seeds = this.writeBytes(checksumStart());
    const list = this.x.vmm_alloc(SUM_CHUNK * 4);
    const out = this.x.vmm_alloc(SUM_CHUNK * PAGE_SUM_WORDS * 4);
    return { seeds, list, out };
  }

  /** Copies `data` into a fresh VMM buffer; the caller owns it. */
  writeBytes(data: Uint8Array): number {
    const ptr = this.x.vmm_alloc(data.length);
    this.write(ptr, data);
    return ptr;
  }

  /** A length-prefixed UTF-8 string returned by the VMM. */
  readString(ptr: number): string {
    if (!ptr) return '';
    const len = this.read(ptr, 4).readUInt32LE(0);
    return this.read(ptr + 4, len).toString('utf8');
  }

  /** Calls `fn` with `text` as UTF-8 in a temporary VMM buffer. */
  withString<T>(text: string, fn: (ptr: number, len: number) => T): T {
    const data = Buffer.from(text, 'utf8');
    const ptr = this.writeBytes(data);
    try {
      return fn(ptr, data.length);
    } finally {
      this.x.vmm_free(ptr);
    }
  }

  lastError(): VmmError {
    return {
      status: this.x.error_status(),
      message: this.readString(this.x.error_message()),
      offset: this.x.error_offset(),
      trap: this.x.error_trap(),
    };
  }
}
