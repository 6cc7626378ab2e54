/**
 * Runs a WASI case under the VMM's own WASI (host-shim/wasi/run.ts) and
 * reports it as node-wasi.ts does, so the two can be compared.
 */
import { readFileSync } from 'node:fs';
import { GuestTrap } from '../../host-shim/errors.js';
import { runWasi, type WasiRunOptions } from '../../host-shim/wasi/run.js';
import type { WasiCase, WasiRun } from '../guests/wasi-cases.js';

export async function runUnderVmm(
  c: Pick<WasiCase, 'wasmPath' | 'args' | 'env' | 'stdin'>,
  stdin: WasiRunOptions['stdin'] = c.stdin,
): Promise<WasiRun> {
  const stdout: Uint8Array[] = [];
  const stderr: Uint8Array[] = [];
  let exit: number | 'trap';
  try {
    const result = await runWasi(readFileSync(c.wasmPath), {
      programName: c.args[0],
      args: c.args.slice(1),
      env: c.env,
      stdin,
      stdout: (chunk) => stdout.push(chunk),
      stderr: (chunk) => stderr.push(chunk),
    });
    exit = result.exitCode;
  } catch (e) {
    if (!(e instanceof GuestTrap)) throw e;
    exit = 'trap';
  }
  return { exit, stdout: Buffer.concat(stdout).toString('latin1'), stderr: Buffer.concat(stderr).toString('latin1') };
}
