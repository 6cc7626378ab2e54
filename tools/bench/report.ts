/** Formatting of the benchmark's table and its closing line (the line scripts parse). */
import { geomean } from './timing.js';

export interface KernelRow {
  kernel: string;
  bytes: number;
  nativeN: number;
  nativeMs: number;
  nativeLoadMs: number;
  vmm?: { n: number; msAtNativeN: number; loadMs: number };
  /** Set when the VMM failed or disagreed; the kernel is left out of the geomean. */
  error?: string;
}

const pad = (s: string, width: number) => s.padStart(width);
const fixed = (x: number, digits = 1) => x.toFixed(digits);

export const TABLE_HEADER = [
  'kernel'.padEnd(10), pad('bytes', 6), pad('n', 8), pad('native ms', 10),
  pad('vmm n', 8), pad('vmm ms', 10), pad('ratio', 8), pad('load V8 ms', 11), pad('load vmm ms', 12),
].join(' ');

export function ratioOf(row: KernelRow): number | undefined {
  return row.vmm && !row.error ? row.vmm.msAtNativeN / row.nativeMs : undefined;
}

export function formatRow(row: KernelRow): string {
  const ratio = ratioOf(row);
  return [
    row.kernel.padEnd(10), pad(String(row.bytes), 6), pad(String(row.nativeN), 8), pad(fixed(row.nativeMs, 2), 10),
    pad(row.vmm ? String(row.vmm.n) : 'n/a', 8), pad(row.vmm ? fixed(row.vmm.msAtNativeN, 1) : 'n/a', 10),
    pad(ratio === undefined ? (row.error ? 'FAILED' : 'n/a') : `${fixed(ratio)}x`, 8),
    pad(fixed(row.nativeLoadMs, 3), 11), pad(row.vmm ? fixed(row.vmm.loadMs, 3) : 'n/a', 12),
  ].join(' ');
}

/** Module bytes compiled and instantiated per second, in MB/s (10^6 bytes). */
export function loadSpeedLine(engine: string, bytes: number, ms: number, what: string): string {
  const mbPerS = ms > 0 ? bytes / 1e6 / (ms / 1000) : Number.POSITIVE_INFINITY;
  return `load ${engine}: ${fixed(mbPerS, 2)} MB/s (${bytes} bytes of ${what} in ${fixed(ms, 2)} ms)`;
}

/** The last line of every run, exactly `bench: geomean slowdown vs V8 X.Xx over N kernels`. */
export function summaryLine(rows: KernelRow[]): string {
  const ratios = rows.map(ratioOf).filter((r): r is number => r !== undefined);
  const mean = ratios.length > 0 ? `${fixed(geomean(ratios))}x` : 'n/a';
  return `bench: geomean slowdown vs V8 ${mean} over ${ratios.length} kernels`;
}
