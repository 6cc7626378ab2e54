/**
 * (c) What dirty tracking costs the interpreter: the benchmark kernels
 * (build/guests/kernel-*.wasm) on build/vmm.wasm and on build/vmm-notrack.wasm
 * (the same sources built with WASMOTION_NO_DIRTY_TRACKING, asconfig target
 * "notrack": no marking in the store handlers nor in markRange), in this
 * process, alternating run by run (A B B A ...) so drift and tier-up hit
 * both alike.
 *
 * Both VMMs are driven by the small loader below instead of VmmEngine,
 * which always loads build/vmm.wasm: kernels import nothing and export
 * run(n), so loading one takes a handful of entry points. Both variants go
 * through the same loader, so it adds nothing to the difference.
 */
import { readFileSync } from 'node:fs';
import { RunStatus, type VmmExports } from '../../host-shim/vmm/binding.js';
import { median, timeMs } from '../bench/timing.js';

const SLICE = 1n << 24n;

/** One VMM instance with one kernel instantiated in it, ready to call run(n). */
export class KernelOnVmm {
  private readonly memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  private readonly x: VmmExports;
  private readonly run: number;

  constructor(vmm: WebAssembly.Module, kernel: Uint8Array) {
    const fail = (): never => {
      throw new Error('the VMM aborted');
    };
    const instance = new WebAssembly.Instance(vmm, {
      env: { memory: this.memory },
      host: { vmm_abort: fail, console_write: () => {}, clock_now: () => 0n, random_fill: () => {} },
    });
    this.x = instance.exports as unknown as VmmExports;
    const ptr = this.x.vmm_alloc(kernel.length) >>> 0;
    new Uint8Array(this.memory.buffer, ptr, kernel.length).set(kernel);
    const module = this.x.module_load(ptr, kernel.length);
    if (module < 0) throw new Error('the VMM refused the kernel');
    const inst = this.x.instance_new(module, 0, 0);
    if (inst < 0 || this.x.instance_start(inst) >= 0) throw new Error('cannot instantiate the kernel (or it has a start function)');
    const name = Buffer.from('run');
    const namePtr = this.x.vmm_alloc(name.length) >>> 0;
    new Uint8Array(this.memory.buffer, namePtr, name.length).set(name);
    const packed = this.x.instance_export(inst, namePtr, name.length);
    if (packed < 0n) throw new Error('the kernel exports no run');
    this.run = Number(packed & 0xffffffffn);
  }

  /** run(n) to completion; its result (i32 or i64) as a string. */
  call(n: number): string {
    const args = this.x.call_begin(this.run) >>> 0;
    if (!args) throw new Error('call_begin failed');
    new DataView(this.memory.buffer).setBigInt64(args, BigInt(n), true);
    for (;;) {
      const status = this.x.run(SLICE);
      if (status === RunStatus.Finished) break;
      if (status !== RunStatus.OutOfFuel) throw new Error(`kernel stopped with status ${status}`);
    }
    return new DataView(this.memory.buffer).getBigInt64(this.x.results_ptr() >>> 0, true).toString();
  }
}

export interface KernelOverhead {
  kernel: string;
  n: number;
  trackMs: number;
  notrackMs: number;
  /** trackMs / notrackMs - 1. */
  overhead: number;
}

/** Doubles n until one run on `k` takes targetMs / 4, then scales it to targetMs. */
function calibrate(k: KernelOnVmm, targetMs: number): number {
  for (let n = 1; ; n *= 2) {
    const ms = timeMs(() => k.call(n)).ms;
    if (ms >= targetMs / 4 || n >= 2 ** 24) return Math.max(1, Math.round((n * targetMs) / Math.max(ms, 0.01)));
  }
}

export function measureKernel(name: string, bytes: Uint8Array, track: WebAssembly.Module, notrack: WebAssembly.Module, targetMs: number, reps: number): KernelOverhead {
  const a = new KernelOnVmm(track, bytes);
  const b = new KernelOnVmm(notrack, bytes);
  const n = calibrate(a, targetMs);
  // Warm-up: both reach their top tier before anything is timed.
  for (let i = 0; i < 2; i++) {
    a.call(n);
    b.call(n);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? [a, b] : [b, a];
    for (const k of order) {
      const t = timeMs(() => k.call(n));
      (k === a ? ta : tb).push(t.ms);
    }
  }
  const ca = a.call(n);
  const cb = b.call(n);
  if (ca !== cb) throw new Error(`${name}: run(${n}) is ${ca} with tracking, ${cb} without`);
  const trackMs = median(ta);
  const notrackMs = median(tb);
  return { kernel: name, n, trackMs, notrackMs, overhead: trackMs / notrackMs - 1 };
}

export function loadVmm(path: string): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(path));
}
