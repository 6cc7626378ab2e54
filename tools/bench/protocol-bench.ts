/**
 * The wasmtime engine's VMM protocol (host-shim/vmm/wasmtime-binding.ts), on
 * each runner this machine has: how long a VMM process takes to be ready,
 * and what one CALL, READ and WRITE cost over its FIFOs. These, not the
 * kernels' speed, are what the engine adds to a guest's operations between
 * run slices (snapshots, migration switchover).
 */
import { WasmtimeBinding } from '../../host-shim/vmm/wasmtime-binding.js';
import { defaultDevices } from '../../host-shim/vmm/binding.js';
import type { WasmtimeRunner } from '../../host-shim/vmm/wasmtime-runner.js';
import { median, timeMs } from './timing.js';

export interface ProtocolRow {
  runner: string;
  startMs: number;
  callUs: number;
  read4kUs: number;
  read64kUs: number;
  write64kUs: number;
  error?: string;
}

/** Median µs of one `op`, over `reps` batches of `count`. */
function perOp(op: () => void, count: number, reps: number): number {
  return median(Array.from({ length: reps }, () => (timeMs(() => { for (let i = 0; i < count; i++) op(); }).ms * 1000) / count));
}

export function benchProtocol(runner: WasmtimeRunner, starts: number, count: number): ProtocolRow {
  const row: ProtocolRow = { runner: runner.description, startMs: Number.NaN, callUs: Number.NaN, read4kUs: Number.NaN, read64kUs: Number.NaN, write64kUs: Number.NaN };
  try {
    const startTimes: number[] = [];
    for (let i = 0; i < starts; i++) {
      const { ms, result } = timeMs(() => new WasmtimeBinding(defaultDevices, runner));
      startTimes.push(ms);
      result.close();
    }
    row.startMs = median(startTimes);
    const vmm = new WasmtimeBinding(defaultDevices, runner);
    try {
      const block = Buffer.alloc(65536, 0x5a);
      const ptr = vmm.writeBytes(block);
      row.callUs = perOp(() => vmm.x.error_status(), count, 3);
      row.read4kUs = perOp(() => vmm.read(ptr, 4096), count, 3);
      row.read64kUs = perOp(() => vmm.read(ptr, 65536), Math.ceil(count / 4), 3);
      row.write64kUs = perOp(() => vmm.write(ptr, block), Math.ceil(count / 4), 3);
    } finally {
      vmm.close();
    }
  } catch (err) {
    row.error = err instanceof Error ? err.message : String(err);
  }
  return row;
}

const COLUMNS: [string, number][] = [['start ms', 9], ['call µs', 8], ['read 4KiB µs', 13], ['read 64KiB µs', 14], ['write 64KiB µs', 15]];

export const PROTOCOL_HEADER = ['runner'.padEnd(44), ...COLUMNS.map(([name, width]) => name.padStart(width))].join(' ');

export function formatProtocolRow(r: ProtocolRow): string {
  const name = r.runner.length > 44 ? `${r.runner.slice(0, 43)}…` : r.runner.padEnd(44);
  if (r.error) return `${name} FAILED: ${r.error}`;
  const values = [r.startMs, r.callUs, r.read4kUs, r.read64kUs, r.write64kUs];
  return [name, ...values.map((v, i) => v.toFixed(i === 0 ? 0 : 1).padStart(COLUMNS[i][1]))].join(' ');
}
