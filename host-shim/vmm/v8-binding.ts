/**
 * vmm.wasm on V8, in this thread: entry points are direct calls and VMM
 * memory is read in place, without a copy.
 */
import { readFileSync } from 'node:fs';
import { VmmFault } from '../errors.js';
import { HEAP_PAGES, POINTER_RESULTS, VmmBinding, defaultDevices, vmmWasmPath, type VmmDevices, type VmmExports } from './binding.js';

let compiled: WebAssembly.Module | undefined;

function vmmModule(): WebAssembly.Module {
  if (!compiled) {
    const path = vmmWasmPath();
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

export class V8Binding extends VmmBinding {
  readonly engine = 'v8';
  readonly memory: WebAssembly.Memory;
  readonly x: VmmExports;
  private poisoned: VmmFault | undefined;

  constructor(devices: VmmDevices = defaultDevices) {
    super();
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

  read(ptr: number, len: number): Buffer {
    return Buffer.from(this.memory.buffer, ptr, len);
  }

  write(ptr: number, data: Uint8Array): void {
    this.bytes(ptr, data.length).set(data);
  }

  commit(): void {
    // read() returned VMM memory itself: the changes are there already.
  }

  close(): void {}

  /** The whole VMM memory as a DataView (V8 only: tests and benchmarks look inside). */
  view(): DataView {
    return new DataView(this.memory.buffer);
  }

  /** Bytes of VMM memory in place (V8 only). */
  bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, len);
  }
}
