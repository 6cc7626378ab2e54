// The benchmark's measuring pieces, checked on V8 (the VMM's turn comes
// when `npm run bench` runs both engines).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../host-shim/engine/index.js';
import { calibrate, checksumOf, loadKernel, measure, runOnce } from '../../tools/bench/kernel-bench.js';
import { formatRow, summaryLine, type KernelRow } from '../../tools/bench/report.js';
import { geomean, median } from '../../tools/bench/timing.js';
import { formatWasmtimeRow, wasmtimeSummary, type WasmtimeRow } from '../../tools/bench/wasmtime-bench.js';
import { formatProtocolRow, PROTOCOL_HEADER, type ProtocolRow } from '../../tools/bench/protocol-bench.js';
import { kernelWasmPath } from '../../tools/guests/layout.js';
import { KERNEL_REFERENCE } from '../guests/kernel-cases.js';

const row = (kernel: string, nativeMs: number, vmmMs?: number, error?: string): KernelRow => ({
  kernel, bytes: 100, nativeN: 10, nativeMs, nativeLoadMs: 0.1,
  vmm: vmmMs === undefined ? undefined : { n: 5, msAtNativeN: vmmMs, loadMs: 1 }, error,
});

describe('bench report', () => {
  it('ends with the geomean line over the kernels that ran on both engines', () => {
    expect(summaryLine([row('a', 10, 10), row('b', 10, 40)])).toBe('bench: geomean slowdown vs V8 2.0x over 2 kernels');
    expect(summaryLine([row('a', 10, 30), row('b', 10, 40, 'CHECKSUM MISMATCH')])).toBe('bench: geomean slowdown vs V8 3.0x over 1 kernels');
    expect(summaryLine([row('a', 10)])).toBe('bench: geomean slowdown vs V8 n/a over 0 kernels');
  });

  it('shows n/a without a VMM and FAILED on an error', () => {
    expect(formatRow(row('a', 10))).toMatch(/^a\s+100\s+10\s+10\.00\s+n\/a\s+n\/a\s+n\/a\s/);
    expect(formatRow(row('a', 10, 20, 'boom'))).toContain('FAILED');
  });

  it('reports the VMM on wasmtime beside V8, leaving failed kernels out of its geomean', () => {
    const w = (kernel: string, ratio: number, error?: string): WasmtimeRow => ({ kernel, n: 4, msAtNativeN: ratio * 10, ratio, error });
    expect(wasmtimeSummary([w('a', 20), w('b', 80)])).toBe('bench: vmm on wasmtime: geomean slowdown vs V8 40.0x over 2 kernels');
    expect(wasmtimeSummary([w('a', 20, 'exit 1')])).toBe('bench: vmm on wasmtime: geomean slowdown vs V8 n/a over 0 kernels');
    expect(wasmtimeSummary([w('a', 20)], 'cli')).toBe('bench: vmm on wasmtime (cli): geomean slowdown vs V8 20.0x over 1 kernels');
    expect(formatWasmtimeRow(w('a', 30), row('a', 10, 150))).toMatch(/^a\s+4\s+300\.0\s+30\.0x\s+2\.00x$/);
    expect(formatWasmtimeRow(w('a', 30, 'CHECKSUM MISMATCH'), row('a', 10, 150))).toContain('FAILED: CHECKSUM MISMATCH');
  });

  it('prints the VMM protocol figures of each wasmtime runner, and FAILED on an error', () => {
    const p: ProtocolRow = { runner: 'wasmtime CLI 48.0.8', startMs: 812.4, callUs: 41.26, read4kUs: 55, read64kUs: 118.04, write64kUs: 130.5 };
    expect(formatProtocolRow(p)).toMatch(/^wasmtime CLI 48\.0\.8\s+812\s+41\.3\s+55\.0\s+118\.0\s+130\.5$/);
    expect(formatProtocolRow({ ...p, error: 'the wasmtime process ended' })).toMatch(/^wasmtime CLI 48\.0\.8\s+FAILED: the wasmtime process ended$/);
    expect(PROTOCOL_HEADER.split(/\s{2,}/)).toEqual(['runner', 'start ms', 'call µs', 'read 4KiB µs', 'read 64KiB µs', 'write 64KiB µs']);
  });

  it('takes medians and geometric means', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(geomean([2, 8])).toBeCloseTo(4, 10);
  });

  it('reads i32 and i64 checksums and rejects anything else', () => {
    expect(checksumOf([{ type: 'i32', value: -1 }])).toBe('i32:-1');
    expect(checksumOf([{ type: 'i64', value: 5n }])).toBe('i64:5');
    expect(() => checksumOf([{ type: 'f64', bits: 0n }])).toThrow(/f64/);
    expect(() => checksumOf([])).toThrow(/0 values/);
  });
});

describe.skipIf(!existsSync(kernelWasmPath('intmath')))('bench measurement on V8', () => {
  it('calibrates n to the target time and measures a deterministic checksum', async () => {
    const engine = await createEngine('native');
    const { instance } = loadKernel(() => engine, readFileSync(kernelWasmPath('intmath')), 2);
    const ref = KERNEL_REFERENCE.intmath[1];
    expect(runOnce(instance, ref.n).checksum).toBe(`i64:${ref.checksum}`);
    const n = calibrate(instance, 5, 2 ** 30);
    expect(n).toBeGreaterThan(1);
    const result = measure(instance, n, 5, 2 ** 30, 2, 3);
    expect(result.medianMs).toBeGreaterThan(0.5); // about 5 ms, with room for a noisy machine
    expect(result.medianMs).toBeLessThan(100);
    expect(calibrate(instance, 5, 3)).toBeLessThanOrEqual(3); // never above the cap
    engine.dispose();
  });
});
