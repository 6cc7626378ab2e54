/**
 * `npm run bench:snapshot`: what snapshots and dirty tracking cost.
 *
 * (a) State: a guest paused 1,000 frames deep (state.ts). Save is
 *     VmmEngine.checkpoint (what GuestSession.checkpointState() calls),
 *     restore is VmmEngine.restore into a fresh VMM (creating the VMM and
 *     compiling the module are not timed; compiling the functions on the
 *     stack is). Medians of 20; the restored guest must end as the original.
 * (b) Memory: encodeMemory + checksum, as takeSnapshot and SnapshotDir.write
 *     do, over 64 MiB of mixed content, full and diff (a quarter of the pages
 *     dirty), each against a plain copy of the same number of bytes timed in
 *     alternation (memory.ts). The ratio is memcpy time / snapshot time
 *     (target >= 0.5); the summary takes the lower of full and diff.
 * (c) Tracking: each interpreter kernel on build/vmm.wasm and on
 *     build/vmm-notrack.wasm (built with dirty marking compiled out),
 *     alternating run by run in this process, n scaled to about 200 ms, 9 runs each;
 *     overhead = median(tracking) / median(no tracking) - 1 per kernel, and
 *     the geometric mean of the ratios (target <= 5%) (tracking.ts). fib makes
 *     no guest stores: its difference is how V8 compiled the two builds, not
 *     tracking, and is a fair idea of the noise.
 *
 * Last line, exactly: `snapshot: save X ms, restore Y ms, memory Z of memcpy, tracking +W%`.
 *
 *   --quick   fewer repetitions and shorter kernel runs
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { KERNEL_NAMES, kernelWasmPath, repoRoot } from '../guests/layout.js';
import { geomean } from '../bench/timing.js';
import { measureMemory, type Breakdown } from './memory.js';
import { measureState } from './state.js';
import { loadVmm, measureKernel, type KernelOverhead } from './tracking.js';

const DEPTH = 1000;
const MEMORY_BYTES = 64 << 20;

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;

function memoryLine(label: string, bytes: number, b: Breakdown): string {
  const total = b.encodeMs + b.checksumMs;
  return (
    `memory ${label}: ${mb(bytes)} MiB in ${total.toFixed(1)} ms (scan, index and checksum in place), ` +
    `${(bytes / 2 ** 20 / (total / 1000)).toFixed(0)} MiB/s; memcpy ${b.memcpyMs.toFixed(1)} ms; ratio ${b.ratio.toFixed(2)}`
  );
}

function trackingRows(root: string, quick: boolean): KernelOverhead[] | string {
  const track = join(root, 'build', 'vmm.wasm');
  const notrack = join(root, 'build', 'vmm-notrack.wasm');
  if (!existsSync(notrack)) return `${notrack} is missing: npx asc assembly/index.ts --target notrack`;
  const missing = KERNEL_NAMES.filter((k) => !existsSync(kernelWasmPath(k, root)));
  if (missing.length > 0) return `kernels not built (${missing.join(', ')}): npm run build:guests`;
  const a = loadVmm(track);
  const b = loadVmm(notrack);
  const rows: KernelOverhead[] = [];
  for (const k of KERNEL_NAMES) {
    const row = measureKernel(k, readFileSync(kernelWasmPath(k, root)), a, b, quick ? 60 : 200, quick ? 3 : 9);
    process.stdout.write(
      `tracking ${k.padEnd(10)} n=${String(row.n).padStart(6)}  with ${row.trackMs.toFixed(1).padStart(7)} ms  without ${row.notrackMs.toFixed(1).padStart(7)} ms  ${pct(row.overhead)}\n`,
    );
    rows.push(row);
  }
  return rows;
}

function main(): number {
  const opts = new Command('bench-snapshot')
    .description('snapshot save/restore, memory snapshot throughput and dirty tracking overhead')
    .option('--quick', 'fewer repetitions', false)
    .parse()
    .opts<{ quick: boolean }>();
  const root = repoRoot();

  const state = measureState(DEPTH, opts.quick ? 7 : 20);
  process.stdout.write(
    `state at depth ${state.depth}: ${(state.stateBytes / 1024).toFixed(1)} KiB; save ${state.saveMs.toFixed(2)} ms, restore ${state.restoreMs.toFixed(2)} ms\n`,
  );

  const memory = measureMemory(MEMORY_BYTES, opts.quick ? 3 : 7);
  process.stdout.write(`${memoryLine('full', memory.memoryBytes, memory.full)}\n`);
  process.stdout.write(`${memoryLine('diff', memory.diffBytes, memory.diff)}\n`);
  const memoryRatio = Math.min(memory.full.ratio, memory.diff.ratio);

  const rows = trackingRows(root, opts.quick);
  let tracking = 'n/a';
  let failed = false;
  if (typeof rows === 'string') {
    process.stderr.write(`bench-snapshot: ERROR: ${rows}\n`);
    failed = true;
  } else {
    const overhead = geomean(rows.map((r) => r.trackMs / r.notrackMs)) - 1;
    tracking = pct(overhead);
    process.stdout.write(`tracking geomean over ${rows.length} kernels: ${tracking} (fib, which stores nothing, shows the noise: ${pct(rows.find((r) => r.kernel === 'fib')?.overhead ?? NaN)})\n`);
  }
  process.stdout.write(
    `snapshot: save ${state.saveMs.toFixed(2)} ms, restore ${state.restoreMs.toFixed(2)} ms, memory ${memoryRatio.toFixed(2)} of memcpy, tracking ${tracking}\n`,
  );
  return failed ? 1 : 0;
}

process.exitCode = main();
