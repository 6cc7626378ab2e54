/**
 * The raw binding to one instance of build/vmm.wasm: its entry points (see
 * assembly/index.ts) plus helpers to move bytes and strings across. One
 * VmmBinding is one VMM with one store. A trap of vmm.wasm itself (a VMM
 * bug, never a guest's doing) poisons the binding and surfaces as VmmFault.
 */
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VmmFault } from '../errors.js';
import { packageRoot } from '../paths.js';

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

let compiled: WebAssembly.Module | undefined;

function vmmModule(): WebAssembly.Module {
  if (!compiled) {
    const path = join(packageRoot(), 'build', 'vmm.wasm');
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new VmmFault(`cannot read ${path}: run "npm run build" first`, err);
    }
    compiled = new WebAssembly.Module(new Uint8Array(bytes));
  }
  return compiled;
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

/** Entry points returning an address in VMM memory. */
const POINTER_RESULTS = new Set([
  'vmm_alloc', 'error_message', 'module_describe', 'func_type', 'call_begin', 'results_ptr',
  'host_call_args', 'memory_base', 'memory_dirty', 'checkpoint_save', 'wasi_conn_tx_data',
]);

/** Initial VMM memory: the VMM's own heap. Guest memories are reserved above it. */
const HEAP_PAGES = 256;

export class VmmBinding {
  readonly memory: WebAssembly.Memory;
  readonly x: VmmExports;
  private poisoned: VmmFault | undefined;

  constructor(devices: VmmDevices = defaultDevices) {
    this.memory = new WebAssembly.Memory({ initial: HEAP_PAGES, maximum: 65536 });
    const instance = new WebAssembly.Instance(vmmModule(), {
      env: { memory: this.memory },
      host: {
        vmm_abort: (msg: number, file: number, line: number, col: number) => this.abort(msg, file, line, col),
        console_write: (fd: number, ptr: number, len: number) => devices.consoleWrite(fd, this.bytes(ptr, len)),
        clock_now: (clock: number) => devices.clockNow(clock),
        random_fill: (ptr: number, len: number) => devices.randomFill(this.bytes(ptr, len)),
      },
    });
    this.x = this.guard(instance.exports as unknown as VmmExports);
  }

  /**
   * Wraps every entry point so a trap of vmm.wasm becomes a VmmFault and
   * poisons the binding. Pointers come back unsigned: VMM memory passes 2 GiB
   * once guest memories are reserved, and wasm i32 results arrive signed.
   */
  private guard(raw: VmmExports): VmmExports {
    const guarded: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (typeof value !== 'function') continue;
      const fn = value as (...a: unknown[]) => unknown;
      const unsigned = POINTER_RESULTS.has(name);
      guarded[name] = (...args: unknown[]) => {
        if (this.poisoned) throw this.poisoned;
        try {
          const result = fn(...args);
          return unsigned ? (result as number) >>> 0 : result;
        } catch (err) {
          if (err instanceof VmmFault) throw (this.poisoned = err);
          if (err instanceof WebAssembly.RuntimeError || err instanceof RangeError) {
            throw (this.poisoned = new VmmFault(`the VMM failed in ${name}: ${(err as Error).message}`, err));
          }
          throw err;
        }
      };
    }
    return guarded as unknown as VmmExports;
  }

  private abort(msg: number, file: number, line: number, col: number): never {
    const text = `${this.asString(msg) ?? 'abort'} at ${this.asString(file) ?? '?'}:${line}:${col}`;
    throw (this.poisoned = new VmmFault(`VMM invariant broken: ${text}`));
  }

  /** An AssemblyScript string (UTF-16, byte length in the header word before it). */
  private asString(ptr: number): string | undefined {
    if (!ptr) return undefined;
    const view = new DataView(this.memory.buffer);
    const bytes = view.getUint32(ptr - 4, true);
    return Buffer.from(this.memory.buffer, ptr, bytes).toString('utf16le');
  }

  view(): DataView {
    return new DataView(this.memory.buffer);
  }

  bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, len);
  }

  /** Copies `data` into a fresh VMM buffer; the caller owns it. */
  writeBytes(data: Uint8Array): number {
    const ptr = this.x.vmm_alloc(data.length);
    this.bytes(ptr, data.length).set(data);
    return ptr;
  }

  /** A length-prefixed UTF-8 string returned by the VMM. */
  readString(ptr: number): string {
    if (!ptr) return '';
    const len = this.view().getUint32(ptr, true);
    return Buffer.from(this.memory.buffer, ptr + 4, len).toString('utf8');
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
