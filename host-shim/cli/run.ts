/**
 * `wasmotion run`: runs a WASI command guest, or with --invoke calls one
 * export and prints its results.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { Vmm } from '../api.js';
import { VmmExtern } from '../engine/vmm.js';
import { formatResult, parseArg, parseHostPort, parseSize } from './values.js';
import { checkDiskBytes } from '../wasi/disk.js';
import { runWasiCommand, type SnapshotOptions } from './run-wasi.js';
import type { WasmEngineName } from '../vmm/binding.js';
import { checkEngine } from '../vmm/open.js';

export interface RunOptions extends LimitOptions {
  invoke?: string;
  env: string[];
  snapshotDir?: string;
  stopAfter?: string;
  snapshotEvery?: string;
  tcplisten?: string;
  disk?: string;
}

export interface LimitOptions {
  fuel?: string;
  maxMemory?: string;
  engine?: string;
}

export interface Limits {
  maxMemoryPages?: number;
  fuel?: bigint;
  /** The wasm engine that runs the VMM; V8 when absent. */
  engine?: WasmEngineName;
}

export function limitsFrom(options: LimitOptions): Limits {
  const limits: Limits = {};
  if (options.maxMemory !== undefined) {
    const bytes = parseSize(options.maxMemory);
    if (bytes < 65536) throw new UsageError(`--max-memory ${options.maxMemory} is less than one 64 KiB page`);
    limits.maxMemoryPages = Math.min(65536, Math.floor(bytes / 65536));
  }
  if (options.fuel !== undefined) {
    limits.fuel = positive('--fuel', options.fuel);
  }
  if (options.engine !== undefined) limits.engine = checkEngine(options.engine);
  return limits;
}

export function positive(flag: string, text: string): bigint {
  if (!/^\d+$/.test(text) || BigInt(text) === 0n) throw new UsageError(`${flag} ${text} is not a positive integer`);
  return BigInt(text);
}

/** --stop-after and --snapshot-every, which need a snapshot directory. */
export function snapshotsFrom(options: { snapshotDir?: string; stopAfter?: string; snapshotEvery?: string }, dir?: string): SnapshotOptions {
  const snapshots: SnapshotOptions = { dir: dir ?? options.snapshotDir };
  if (options.stopAfter !== undefined) snapshots.stopAfter = positive('--stop-after', options.stopAfter);
  if (options.snapshotEvery !== undefined) snapshots.every = positive('--snapshot-every', options.snapshotEvery);
  if ((snapshots.stopAfter !== undefined || snapshots.every !== undefined) && snapshots.dir === undefined) {
    throw new UsageError('--stop-after and --snapshot-every need --snapshot-dir');
  }
  return snapshots;
}

export function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${JSON.stringify(pair)} is not KEY=VALUE`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

async function readGuest(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Returns the process exit code. */
export async function runCommand(guestPath: string, args: string[], options: RunOptions): Promise<number> {
  const limits = limitsFrom(options);
  const env = parseEnv(options.env);
  const snapshots = snapshotsFrom(options);
  const listen = options.tcplisten !== undefined ? parseHostPort('--tcplisten', options.tcplisten) : undefined;
  const disk = options.disk !== undefined ? { bytes: checkDiskBytes('--disk', parseSize(options.disk)) } : undefined;
  const bytes = await readGuest(guestPath);
  if (options.invoke === undefined) return runWasiCommand(bytes, guestPath, args, env, limits, snapshots, listen, disk);
  if (disk) throw new UsageError('--disk applies to WASI commands, not --invoke');
  if (snapshots.dir !== undefined) throw new UsageError('--snapshot-dir applies to WASI commands, not --invoke');
  if (listen) throw new UsageError('--tcplisten applies to WASI commands, not --invoke');
  return invoke(bytes, options.invoke, args, limits);
}

function invoke(bytes: Uint8Array, name: string, args: string[], limits: Limits): number {
  const guest = new Vmm({ maxMemoryPages: limits.maxMemoryPages, fuel: limits.fuel, wasm: limits.engine }).load(bytes);
  const f = guest.export(name);
  if (!(f instanceof VmmExtern) || f.kind !== 'func') throw new UsageError(`the guest exports no function named ${JSON.stringify(name)}`);
  const type = f.engine.funcType(f.address);
  if (args.length !== type.params.length) {
    throw new UsageError(`${name} takes ${type.params.length} arguments (${type.params.join(', ') || 'none'}), got ${args.length}`);
  }
  const results = guest.call(name, ...type.params.map((t, i) => parseArg(t, args[i], i)));
  for (const r of results) process.stdout.write(`${formatResult(r)}\n`);
  return 0;
}
