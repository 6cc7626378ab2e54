// Runs every built guest in V8 directly: WASI commands under node:wasi,
// kernels as bare modules. Guests that the builder skipped (no toolchain)
// are reported as skipped tests, not passed ones.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES, kernelWasmPath } from '../../tools/guests/layout.js';
import { KERNEL_REFERENCE } from './kernel-cases.js';
import { runUnderNodeWasi } from './node-wasi.js';
import { COMPUTE_64_CHECKSUM, WASI_CASES, wasiMismatches } from './wasi-cases.js';

// node:wasi sleeps on libuv's millisecond timers, which end the clock
// guest's 5 ms nanosleep after about 4.1 ms in one run of 50 to 100: the
// reference, not the guest, is then wrong, so that case gets two more tries
// here. The VMM runs the same case strictly (test/wasi/guests.test.ts, test/engine, test/vmm-cli).
const NODE_WASI_RETRIES: Record<string, number> = { 'clock: monotonic, realtime and nanosleep': 2 };

describe('WASI guests under node:wasi', () => {
  for (const c of WASI_CASES) {
    it.skipIf(!existsSync(c.wasmPath))(c.name, { retry: NODE_WASI_RETRIES[c.name] ?? 0 }, () => {
      expect(wasiMismatches(c, runUnderNodeWasi(c))).toEqual([]);
    });
  }
});

function loadKernel(name: string): { module: WebAssembly.Module; run: (n: number) => number | bigint } {
  const module = new WebAssembly.Module(readFileSync(kernelWasmPath(name)));
  const instance = new WebAssembly.Instance(module, {});
  return { module, run: instance.exports.run as (n: number) => number | bigint };
}

describe('benchmark kernels in V8', () => {
  for (const name of KERNEL_NAMES) {
    it.skipIf(!existsSync(kernelWasmPath(name)))(`${name}: no imports, deterministic, depends on n`, () => {
      const { module, run } = loadKernel(name);
      expect(WebAssembly.Module.imports(module)).toEqual([]);
      expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(['memory', 'run']);
      for (const { n, checksum } of KERNEL_REFERENCE[name]) {
        expect(run(n)).toBe(checksum);
        expect(run(n)).toBe(checksum); // a second run on the same instance starts from scratch
      }
      expect(run(40)).not.toBe(run(41));
    });
  }

  it.skipIf(!existsSync(kernelWasmPath('hash')))('hash: run(1) is SHA-256 of the initial message', () => {
    const message = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7 + 3) & 0xff));
    const digest = createHash('sha256').update(message).digest();
    expect(loadKernel('hash').run(1)).toBe((digest.readUInt32BE(0) ^ digest.readUInt32BE(28)) | 0);
  });

  it.skipIf(!existsSync(kernelWasmPath('compute')))('compute: the kernel agrees with the WASI program', () => {
    expect(loadKernel('compute').run(64)).toBe(COMPUTE_64_CHECKSUM);
  });
});
