/**
 * `wasmotion run`: runs a WASI command guest, or with --invoke calls one
 * export and prints its results.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { Vmm } from '../api.js';
import { VmmExtern } from '../engine/vmm.js';
import { formatResult, parseArg, parseSize } from './values.js';
import { runWasiCommand } from './run-wasi.js';

export interface RunOptions {
  invoke?: string;
  env: string[];
  fuel?: string;
  maxMemory?: string;
}

export interface Limits {
  maxMemoryPages?: number;
  fuel?: bigint;
}

export function limitsFrom(options: RunOptions): Limits {
  const limits: Limits = {};
  if (options.maxMemory !== undefined) {
    const bytes = parseSize(options.maxMemory);
    if (bytes < 65536) throw new UsageError(`--max-memory ${options.maxMemory} is less than one 64 KiB page`);
    limits.maxMemoryPages = Math.min(65536, Math.floor(bytes / 65536));
  }
  if (options.fuel !== undefined) {
    if (!/^\d+$/.test(options.fuel) || BigInt(options.fuel) === 0n) throw new UsageError(`--fuel ${options.fuel} is not a positive integer`);
    limits.fuel = BigInt(options.fuel);
  }
  return limits;
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
  const bytes = await readGuest(guestPath);
  if (options.invoke === undefined) return runWasiCommand(bytes, guestPath, args, env, limits);
  return invoke(bytes, options.invoke, args, limits);
}

function invoke(bytes: Uint8Array, name: string, args: string[], limits: Limits): number {
  const guest = new Vmm({ maxMemoryPages: limits.maxMemoryPages, fuel: limits.fuel }).load(bytes);
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
