/**
 * A VMM with its WASI layer and a hand-made guest that exports "call_NAME"
 * for every preview1 function, so tests can call WASI directly with any
 * arguments and look at guest memory and its dirty map afterwards. The
 * clocks are fake and set by the test.
 */
import { VmmEngine, type VmmExtern } from '../../host-shim/engine/vmm.js';
import type { CompiledModule, Instance, Value } from '../../host-shim/engine/types.js';
import { RunStatus } from '../../host-shim/vmm/binding.js';
import { nulSeparated, wasiEntryPoints, withBytes, type WasiEntryPoints } from '../../host-shim/wasi/entry-points.js';
import { wat } from '../support/wat.js';
import { PREVIEW1_NAMES, PREVIEW1_SIGNATURES, watImport, watWrapper } from './preview1.js';

export const PAGE = 65536;
export const DIRTY_PAGE = 4096;

export interface HarnessOptions {
  pages?: number;
  args?: string[];
  env?: string[];
}

export class WasiHarness {
  readonly engine: VmmEngine;
  readonly wasi: WasiEntryPoints;
  readonly instance: Instance;
  readonly module: CompiledModule;
  /** The guest module's bytes, to load it into another VMM. */
  readonly bytes: Uint8Array;
  memoryAddr: number;
  /** Console output in order: fd and bytes. */
  readonly console: { fd: number; bytes: Uint8Array }[] = [];
  /** The fake host clocks, in ns. */
  realtime = 1_700_000_000_000_000_000n;
  monotonic = 5_000_000_000n;

  constructor(options: HarnessOptions = {}) {
    this.engine = new VmmEngine({}, {
      consoleWrite: (fd, bytes) => this.console.push({ fd, bytes: Uint8Array.from(bytes) }),
      clockNow: (clock) => (clock === 0 ? this.realtime : this.monotonic),
      randomFill: (into) => {
        for (let i = 0; i < into.length; i++) into[i] = (i * 151 + 7) & 0xff;
      },
    });
    this.wasi = wasiEntryPoints(this.engine.vmm);
    withBytes(this.engine.vmm, nulSeparated(options.args ?? []), (p, n) => this.wasi.wasi_set_args(p, n));
    withBytes(this.engine.vmm, nulSeparated(options.env ?? []), (p, n) => this.wasi.wasi_set_env(p, n));
    const text = `(module
      ${PREVIEW1_NAMES.map(watImport).join('\n')}
      (memory (export "memory") ${options.pages ?? 2})
      ${PREVIEW1_NAMES.map(watWrapper).join('\n')})`;
    this.bytes = wat(text);
    const module = (this.module = this.engine.compile(this.bytes));
    this.instance = this.engine.instantiate(module, (mod, name) => (mod === 'wasi_snapshot_preview1' ? this.engine.wasiFunction(name) : undefined));
    this.memoryAddr = (this.instance.getExport('memory') as VmmExtern).address;
    expect1(this.wasi.wasi_bind_memory(this.memoryAddr));
  }

  private argValues(name: string, args: (number | bigint)[]): Value[] {
    const sig = PREVIEW1_SIGNATURES[name];
    if (args.length !== sig.length) throw new Error(`${name} takes ${sig.length} arguments`);
    return [...sig].map((t, i) =>
      t === 'I' ? { type: 'i64', value: BigInt.asIntN(64, BigInt(args[i])) } : { type: 'i32', value: Number(args[i]) | 0 },
    );
  }

  /** Calls WASI function `name` to completion; returns its errno. */
  call(name: string, ...args: (number | bigint)[]): number {
    const [r] = this.instance.invoke(`call_${name}`, this.argValues(name, args));
    return (r as { value: number }).value;
  }

  /** Starts a call of `name` without running it; run() then drives it slice by slice. */
  begin(name: string, ...args: (number | bigint)[]): void {
    const f = this.instance.getExport(`call_${name}`) as VmmExtern;
    const fp = this.engine.vmm.x.call_begin(f.address);
    if (!fp) throw new Error(this.engine.vmm.lastError().message);
    const view = this.engine.vmm.view();
    this.argValues(name, args).forEach((v, i) => view.setBigUint64(fp + i * 8, BigInt.asUintN(64, BigInt((v as { value: number | bigint }).value)), true));
  }

  /** Runs the call begun by begin(); a RunStatus. */
  run(): number {
    return this.engine.vmm.x.run(1n << 20n);
  }

  /** The errno of a call that run() finished. */
  result(): number {
    return this.engine.vmm.view().getInt32(this.engine.vmm.x.results_ptr(), true);
  }

  get memoryBytes(): number {
    return this.engine.vmm.x.memory_pages(this.memoryAddr) * PAGE;
  }

  /** A live view of guest memory (valid until the VMM's memory grows). */
  memory(): Uint8Array {
    return this.engine.vmm.bytes(this.engine.vmm.x.memory_base(this.memoryAddr), this.memoryBytes);
  }

  snapshot(): Uint8Array {
    return Uint8Array.from(this.memory());
  }

  view(): DataView {
    const m = this.memory();
    return new DataView(m.buffer, m.byteOffset, m.byteLength);
  }

  /** The dirty map: one byte per 4 KiB page of guest memory. */
  private dirtyMap(): Uint8Array {
    return this.engine.vmm.bytes(this.engine.vmm.x.memory_dirty(this.memoryAddr), this.memoryBytes / DIRTY_PAGE);
  }

  clearDirty(): void {
    this.dirtyMap().fill(0);
  }

  dirtyPages(): number[] {
    return [...this.dirtyMap()].flatMap((d, i) => (d ? [i] : []));
  }

  /** The 4 KiB pages whose bytes differ from `before`. */
  changedPages(before: Uint8Array): number[] {
    const now = this.memory();
    const pages: number[] = [];
    for (let p = 0; p < now.length / DIRTY_PAGE; p++) {
      for (let i = p * DIRTY_PAGE; i < (p + 1) * DIRTY_PAGE; i++) {
        if (now[i] !== before[i]) {
          pages.push(p);
          break;
        }
      }
    }
    return pages;
  }

  pushStdin(bytes: Uint8Array): void {
    withBytes(this.engine.vmm, bytes, (p, n) => this.wasi.wasi_stdin_push(p, n));
  }
}

function expect1(ok: number): void {
  if (!ok) throw new Error('wasi_bind_memory refused the guest memory');
}

export { RunStatus };
