// What the engine tests share: whether wasmtime can run vmm.wasm here (else
// they skip, saying why), the counter guest, and a reference run on V8.
import { existsSync, readFileSync } from 'node:fs';
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

export const counter = (): Uint8Array => readFileSync(counterPath);

/** What the guest prints on V8 in one unmoved, unstopped run. */
export async function reference(bytes: Uint8Array, args: string[], programName = 'guest.wasm', options: WasiRunOptions = {}): Promise<string> {
  const out: Buffer[] = [];
  await runWasi(bytes, { programName, args, stdout: (c) => out.push(Buffer.from(c)), ...options });
  return Buffer.concat(out).toString();
}
