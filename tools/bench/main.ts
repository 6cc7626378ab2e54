/**
 * `npm run bench`: the interpreter benchmark. Runs each kernel of
 * build/guests/kernel-*.wasm on V8 ('native') and on the VMM ('vmm') in this
 * process, checks that both compute the same checksum, and prints per kernel
 * the native and VMM times and their ratio, then the guest load speed. Then
 * the same kernels with the VMM on wasmtime (build/vmm-cli.wasm, see
 * wasmtime-bench.ts) against the same V8 figures, on each wasmtime runner this
 * machine has (the Python embedding, the CLI), and the cost of the wasmtime
 * engine's VMM protocol on each (protocol-bench.ts); last exactly
 * `bench: geomean slowdown vs V8 X.Xx over N kernels`.
 * How n is chosen and how times are normalised: see kernel-bench.ts.
 *
 *   --engine-only native   measure V8 alone (ratios print as n/a)
 *   --kernel NAME          only this kernel (repeatable)
 *   --quick                short targets and fewer repetitions
 *   --no-wasmtime          leave out the VMM on wasmtime
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { createEngine, type Engine } from '../../host-shim/engine/index.js';
import { VmmEngine } from '../../host-shim/engine/vmm.js';
import { GUEST_BUILD_DIR, KERNEL_NAMES, kernelWasmPath, repoRoot } from '../guests/layout.js';
import { calibrate, loadKernel, measure, runOnce } from './kernel-bench.js';
import { formatRow, loadSpeedLine, summaryLine, TABLE_HEADER, type KernelRow } from './report.js';
import { DEFAULT_SETTINGS, QUICK_SETTINGS, type BenchSettings } from './settings.js';
import { median, timeMs } from './timing.js';
import { allWasmtimeRunners, wasmtimeMissing, type WasmtimeRunner } from '../wasmtime/runner.js';
import { probeRunner } from '../../host-shim/vmm/wasmtime-runner.js';
import { benchProtocol, formatProtocolRow, PROTOCOL_HEADER } from './protocol-bench.js';
import { benchOnWasmtime, formatWasmtimeRow, vmmCliRuns, WASMTIME_HEADER, wasmtimeSummary, type WasmtimeRow } from './wasmtime-bench.js';

interface CliOptions {
  engineOnly?: 'native';
  kernel: string[];
  quick: boolean;
  wasmtime: boolean;
}

function parseOptions(argv: string[]): CliOptions {
  const program = new Command('bench')
    .description('interpreter benchmark: kernels on V8 and on the wasmotion VMM')
    .addOption(new Option('--engine-only <engine>', 'run one engine only (while the VMM does not exist yet)').choices(['native']))
    .option('--kernel <name>', `only this kernel, repeatable (${KERNEL_NAMES.join(', ')})`, (v: string, acc: string[]) => [...acc, v], [])
    .option('--quick', 'short run: smaller targets, fewer repetitions', false)
    .option('--no-wasmtime', 'leave out the VMM on wasmtime (build/vmm-cli.wasm)')
    .parse(argv);
  const opts = program.opts<CliOptions>();
  for (const k of opts.kernel) {
    if (!(KERNEL_NAMES as readonly string[]).includes(k)) program.error(`unknown kernel ${k} (known: ${KERNEL_NAMES.join(', ')})`);
  }
  return opts;
}

function benchKernel(name: string, bytes: Uint8Array, native: Engine, vmm: (() => Engine) | undefined, s: BenchSettings): KernelRow {
  const nativeLoaded = loadKernel(() => native, bytes, s.loadReps);
  const first = calibrate(nativeLoaded.instance, s.nativeTargetMs, 2 ** 30);
  const nat = measure(nativeLoaded.instance, first, s.nativeTargetMs, 2 ** 30, s.nativeWarmups, s.nativeReps);
  const row: KernelRow = { kernel: name, bytes: bytes.length, nativeN: nat.n, nativeMs: nat.medianMs, nativeLoadMs: nativeLoaded.loadMs };
  if (!vmm) return row;
  try {
    const vmmLoaded = loadKernel(vmm, bytes, s.loadReps);
    const n = calibrate(vmmLoaded.instance, s.vmmTargetMs, nat.n);
    const v = measure(vmmLoaded.instance, n, s.vmmTargetMs, nat.n, s.vmmWarmups, s.vmmReps);
    row.vmm = { n: v.n, msAtNativeN: (v.medianMs * nat.n) / v.n, loadMs: vmmLoaded.loadMs };
    const expected = runOnce(nativeLoaded.instance, v.n).checksum;
    if (v.checksum !== expected) row.error = `CHECKSUM MISMATCH at n=${v.n}: V8 ${expected}, vmm ${v.checksum}`;
  } catch (err) {
    row.error = `vmm failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
  return row;
}

/** Compile-only speed over the WASI guests, which are larger than the kernels (instantiating them needs WASI). */
function compileSpeed(engine: Engine, files: string[], reps: number): { bytes: number; ms: number } {
  let bytes = 0;
  let ms = 0;
  for (const file of files) {
    const data = readFileSync(file);
    bytes += data.length;
    ms += median(Array.from({ length: Math.max(1, reps) }, () => timeMs(() => engine.compile(data)).ms));
  }
  return { bytes, ms };
}

/** The kernels with the VMM on wasmtime, on each runner this machine has, beside the V8 figures; false if one failed. */
function wasmtimeSection(root: string, rows: KernelRow[], native: Engine, s: BenchSettings): boolean {
  const runners = allWasmtimeRunners();
  if (runners.length === 0) {
    process.stdout.write(`vmm on wasmtime: skipped, ${wasmtimeMissing()}\n`);
    return true;
  }
  let ok = true;
  for (const runner of runners) if (!kernelsOnWasmtime(root, runner, rows, native, s)) ok = false;
  return protocolSection(s) && ok;
}

function kernelsOnWasmtime(root: string, runner: WasmtimeRunner, rows: KernelRow[], native: Engine, s: BenchSettings): boolean {
  const vmmCli = join(root, 'build', 'vmm-cli.wasm');
  if (!existsSync(vmmCli) || !vmmCliRuns(runner, vmmCli)) {
    process.stderr.write(`bench: ERROR: ${vmmCli} does not run on ${runner.name}; run npm run build\n`);
    return false;
  }
  process.stdout.write(`vmm on wasmtime: build/vmm-cli.wasm on ${runner.name}, run --invoke run KERNEL N as a process, less a run of n=1\n`);
  process.stdout.write(`${WASMTIME_HEADER}\n`);
  const results: WasmtimeRow[] = [];
  let ok = true;
  for (const row of rows) {
    if (!row.vmm || row.error) continue;
    const path = kernelWasmPath(row.kernel, root);
    const w = benchOnWasmtime(runner, vmmCli, path, readFileSync(path), row, native, s.wasmtimeTargetMs, s.wasmtimeReps);
    results.push(w);
    process.stdout.write(`${formatWasmtimeRow(w, row)}\n`);
    if (w.error) {
      ok = false;
      process.stderr.write(`bench: ERROR: ${row.kernel} on wasmtime: ${w.error}\n`);
    }
  }
  process.stdout.write('(ms is normalised to the native n; ratio is against V8 running the kernel natively)\n');
  process.stdout.write(`${wasmtimeSummary(results, runner.kind)}\n`);
  return ok;
}

/** The wasmtime engine's protocol on each runner: start-up and the cost of one request. */
function protocolSection(s: BenchSettings): boolean {
  process.stdout.write('vmm protocol on wasmtime: one VMM process per runner, driven over its FIFOs as the wasmtime engine drives it (medians)\n');
  process.stdout.write(`${PROTOCOL_HEADER}\n`);
  let ok = true;
  for (const kind of ['python', 'cli'] as const) {
    const runner = probeRunner(kind);
    if (!runner) continue;
    const row = benchProtocol(runner, s.protocolStarts, s.protocolCount);
    process.stdout.write(`${formatProtocolRow(row)}\n`);
    if (row.error) {
      ok = false;
      process.stderr.write(`bench: ERROR: the VMM protocol on ${runner.description}: ${row.error}\n`);
    }
  }
  return ok;
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv);
  const settings = opts.quick ? QUICK_SETTINGS : DEFAULT_SETTINGS;
  const root = repoRoot();
  const kernels = opts.kernel.length > 0 ? opts.kernel : [...KERNEL_NAMES];
  const missing = kernels.filter((k) => !existsSync(kernelWasmPath(k, root)));
  if (missing.length > 0) {
    process.stderr.write(`bench: ERROR: not built: ${missing.map((k) => kernelWasmPath(k, root)).join(', ')}; run npm run build:guests (needs clang-14 and lld-14)\n`);
    process.stdout.write(`${summaryLine([])}\n`);
    return 1;
  }

  const native = await createEngine('native');
  let vmm: Engine | undefined;
  let freshVmm: (() => Engine) | undefined;
  if (opts.engineOnly !== 'native') {
    try {
      vmm = await createEngine('vmm');
      freshVmm = () => new VmmEngine();
    } catch (err) {
      process.stderr.write(`bench: ERROR: cannot create the vmm engine (${err instanceof Error ? err.message : String(err)}); use --engine-only native\n`);
      process.stdout.write(`${summaryLine([])}\n`);
      return 1;
    }
  }

  let failed = false;
  const rows: KernelRow[] = [];
  process.stdout.write(`${TABLE_HEADER}\n`);
  for (const name of kernels) {
    const row = benchKernel(name, readFileSync(kernelWasmPath(name, root)), native, freshVmm, settings);
    rows.push(row);
    process.stdout.write(`${formatRow(row)}\n`);
    if (row.error) {
      failed = true;
      process.stderr.write(`bench: ERROR: ${name}: ${row.error}\n`);
    }
  }
  process.stdout.write('(vmm ms is normalised to the native n: median vmm ms x native n / vmm n)\n');

  const sum = (f: (r: KernelRow) => number) => rows.reduce((acc, r) => acc + f(r), 0);
  const kernelBytes = sum((r) => r.bytes);
  process.stdout.write(`${loadSpeedLine('V8', kernelBytes, sum((r) => r.nativeLoadMs), 'kernels, compile+instantiate')}\n`);
  if (vmm && rows.every((r) => r.vmm)) {
    process.stdout.write(`${loadSpeedLine('vmm', kernelBytes, sum((r) => r.vmm!.loadMs), 'kernels, compile+instantiate')}\n`);
  }
  const guestDir = join(root, GUEST_BUILD_DIR);
  const wasiGuests = readdirSync(guestDir).filter((f) => f.endsWith('.wasm') && !f.startsWith('kernel-')).map((f) => join(guestDir, f));
  for (const [label, engine] of [['V8', native], ['vmm', vmm]] as const) {
    if (!engine || wasiGuests.length === 0) continue;
    try {
      const c = compileSpeed(engine, wasiGuests, settings.loadReps);
      process.stdout.write(`${loadSpeedLine(label, c.bytes, c.ms, `${wasiGuests.length} WASI guests, compile only`)}\n`);
    } catch (err) {
      failed = true;
      process.stderr.write(`bench: ERROR: ${label} failed to compile a WASI guest: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  if (opts.wasmtime && vmm && !wasmtimeSection(root, rows, native, settings)) failed = true;

  native.dispose();
  vmm?.dispose();
  process.stdout.write(`${summaryLine(rows)}\n`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
