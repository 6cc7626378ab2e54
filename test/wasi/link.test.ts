// Every preview1 function links with its exact signature, and the ones the
// VMM does not offer answer ENOSYS instead of being missing.
import { WASI } from 'node:wasi';
import { describe, expect, it } from 'vitest';
import { VmmEngine, type VmmExtern } from '../../host-shim/engine/vmm.js';
import { LinkError } from '../../host-shim/errors.js';
import { runWasi } from '../../host-shim/wasi/run.js';
import { wat } from '../support/wat.js';
import { WasiHarness } from './harness.js';
import { Errno, IMPLEMENTED, PREVIEW1_NAMES, PREVIEW1_SIGNATURES } from './preview1.js';

describe('WASI preview1 linking', () => {
  it('offers exactly the functions node:wasi offers, with the same parameter counts', () => {
    const imports = new WASI({ version: 'preview1' }).getImportObject() as Record<string, Record<string, (...a: unknown[]) => unknown>>;
    const node = imports.wasi_snapshot_preview1;
    expect(Object.keys(node).sort()).toEqual([...PREVIEW1_NAMES].sort());
    for (const name of PREVIEW1_NAMES) expect([name, node[name].length]).toEqual([name, PREVIEW1_SIGNATURES[name].length]);
  });

  it('links a guest importing all 46 functions with their preview1 signatures', () => {
    const h = new WasiHarness();
    for (const name of PREVIEW1_NAMES) {
      const type = h.engine.funcType((h.engine.wasiFunction(name) as VmmExtern).address);
      const params = [...PREVIEW1_SIGNATURES[name]].map((t) => (t === 'I' ? 'i64' : 'i32'));
      expect({ name, ...type }).toEqual({ name, params, results: name === 'proc_exit' ? [] : ['i32'] });
    }
  });

  it('refuses an import whose signature differs from preview1', () => {
    const engine = new VmmEngine();
    const module = engine.compile(wat('(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32) (result i32))))'));
    expect(() => engine.instantiate(module, (_, name) => engine.wasiFunction(name))).toThrow(LinkError);
  });

  it('reports a name preview1 does not have as an unknown import', async () => {
    const bytes = wat('(module (import "wasi_snapshot_preview1" "fd_frobnicate" (func (param i32) (result i32))) (func (export "_start")))');
    await expect(runWasi(bytes)).rejects.toThrow(LinkError);
    await expect(runWasi(bytes)).rejects.toThrow(/unknown import: wasi_snapshot_preview1\.fd_frobnicate/);
    const other = wat('(module (import "env" "f" (func)) (func (export "_start")))');
    await expect(runWasi(other)).rejects.toThrow(/unknown import: env\.f/);
  });

  it('answers ENOSYS from every function it does not implement', () => {
    const h = new WasiHarness();
    const missing = PREVIEW1_NAMES.filter((n) => !IMPLEMENTED.has(n));
    expect(missing.length).toBe(6);
    for (const name of missing) {
      const args = [...PREVIEW1_SIGNATURES[name]].map(() => 0);
      expect([name, h.call(name, ...args)]).toEqual([name, Errno.nosys]);
    }
  });
});
