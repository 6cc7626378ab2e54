// The WASI guest cases with the VMM on wasmtime: the same output and exit
// code as with the VMM on V8 (and as the cases demand).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { GuestTrap } from '../../host-shim/errors.js';
import type { WasmEngineName } from '../../host-shim/vmm/binding.js';
import { runWasi } from '../../host-shim/wasi/run.js';
import { WASI_CASES, wasiMismatches, type WasiCase, type WasiRun } from '../guests/wasi-cases.js';
import { wasmtimeMissing } from './support.js';

const missing = wasmtimeMissing();

async function run(c: WasiCase, wasm: WasmEngineName): Promise<WasiRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let exit: number | 'trap';
  try {
    const r = await runWasi(readFileSync(c.wasmPath), {
      programName: c.args[0],
      args: c.args.slice(1),
      env: c.env,
      stdin: c.stdin,
      stdout: (b) => out.push(Buffer.from(b)),
      stderr: (b) => err.push(Buffer.from(b)),
      engine: { wasm },
    });
    exit = r.exitCode;
  } catch (e) {
    if (!(e instanceof GuestTrap)) throw e;
    exit = 'trap';
  }
  return { exit, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') };
}

describe('the WASI guests with the VMM on wasmtime', () => {
  for (const c of WASI_CASES) {
    test(c.name, async (ctx) => {
      if (missing) return ctx.skip(missing);
      if (!existsSync(c.wasmPath)) return ctx.skip(`${c.wasmPath} is not built (npm run build:guests)`);
      const onWasmtime = await run(c, 'wasmtime');
      expect(wasiMismatches(c, onWasmtime)).toEqual([]);
      const onV8 = await run(c, 'v8');
      expect(onWasmtime.exit).toBe(onV8.exit);
      // Output that varies from run to run (clocks, randomness) is held to the case's lines above.
      if (typeof c.stdout === 'string') expect(onWasmtime.stdout).toBe(onV8.stdout);
      if (typeof c.stderr === 'string') expect(onWasmtime.stderr).toBe(onV8.stderr);
    }, 60_000);
  }
});
