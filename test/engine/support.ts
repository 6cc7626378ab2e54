// What the engine tests share: whether wasmtime can run the VMM here (else
// they skip, saying why), the counter guest, a reference run on V8, and the
// VMM processes that run. vitest.config.ts runs them once per wasmtime runner
// (WASMOTION_WASMTIME=python, =cli).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWasi, type WasiRunOptions } from '../../host-shim/wasi/run.js';
import { wasmtimeUnavailable } from '../../host-shim/vmm/wasmtime-runner.js';

export const counterPath = join(import.meta.dirname, '..', '..', 'build', 'guests', 'counter.wasm');

/** Why these tests cannot run here, or null. */
export function wasmtimeMissing(): string | null {
  const reason = wasmtimeUnavailable();
  if (reason) return `wasmtime cannot run vmm.wasm here: ${reason}`;
  if (!existsSync(counterPath)) return `${counterPath} is not built (npm run build:guests)`;
  return null;
}

/** The VMM processes (vmm-server.py, or vmm-cli.wasm serve) that this process started and that still run. */
export function vmmProcesses(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) !== process.pid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0');
      if (argv.some((a) => a.endsWith('vmm-server.py')) || argv.some((a, i) => a.endsWith('vmm-cli.wasm') && argv[i + 1] === 'serve')) found.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

export const counter = (): Uint8Array => readFileSync(counterPath);

/** What the guest prints on V8 in one unmoved, unstopped run. */
export async function reference(bytes: Uint8Array, args: string[], programName = 'guest.wasm', options: WasiRunOptions = {}): Promise<string> {
  const out: Buffer[] = [];
  await runWasi(bytes, { programName, args, stdout: (c) => out.push(Buffer.from(c)), ...options });
  return Buffer.concat(out).toString();
}
