/**
 * `wasmotion run GUEST.wasm -- ARGS`: a WASI command guest with this
 * process's stdin, stdout and stderr; the process exits with the guest's code.
 */
import { basename } from 'node:path';
import { runWasi } from '../wasi/run.js';
import type { Limits } from './run.js';

export async function runWasiCommand(bytes: Uint8Array, path: string, args: string[], env: Record<string, string>, limits: Limits): Promise<number> {
  try {
    const { exitCode } = await runWasi(bytes, {
      programName: basename(path),
      args,
      env,
      stdin: process.stdin,
      stdout: (chunk) => process.stdout.write(chunk),
      stderr: (chunk) => process.stderr.write(chunk),
      engine: { maxMemoryPages: limits.maxMemoryPages, fuel: limits.fuel },
    });
    return exitCode;
  } finally {
    // stdin is read only when the guest asks; an open stream would keep the process alive.
    process.stdin.destroy();
  }
}
