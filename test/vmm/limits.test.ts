import { describe, expect, test } from 'vitest';
import { ModuleError, Vmm } from '../../host-shim/index.js';
import { VmmExtern } from '../../host-shim/engine/vmm.js';
import { wat } from '../support/wat.js';

describe('VMM limits and refusals', () => {
  test('SIMD is recognised and refused with a clear error', () => {
    // (module (func (result v128) (v128.const i32x4 0 0 0 0)))
    const simd = wat('(module (func (result v128) (v128.const i32x4 0 0 0 0)))');
    let err: unknown;
    try {
      new Vmm().load(simd);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModuleError);
    expect(err).toMatchObject({ kind: 'unsupported', reason: 'unsupported feature: simd128', code: 'WASMOTION_ERR_UNSUPPORTED_FEATURE' });
  });

  test('memory grows up to the host limit and no further', () => {
    const guest = new Vmm({ maxMemoryPages: 4 }).load(
      wat('(module (memory (export "memory") 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))'),
    );
    expect(guest.call('grow', 3)).toEqual([1]);
    expect(guest.call('grow', 1)).toEqual([-1]);
    expect(guest.memory().length).toBe(4 * 65536);
  });

  test('a module needing more memory than the host allows is refused', () => {
    expect(() => new Vmm({ maxMemoryPages: 2 }).load(wat('(module (memory 3))'))).toThrow(/memory too large/);
  });

  test('call depth is bounded by the configured limit', () => {
    const guest = new Vmm({ maxCallDepth: 100 }).load(
      wat(`(module (func $down (export "down") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
          (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))`),
    );
    expect(guest.call('down', 50)).toEqual([50]);
    expect(() => guest.call('down', 500)).toThrow('call stack exhausted');
    expect(guest.call('down', 99)).toEqual([99]);
  });

  test('stores mark their 4 KiB pages dirty, including both pages of a straddling store', () => {
    const vmm = new Vmm();
    const guest = vmm.load(
      wat(`(module (memory (export "memory") 1)
        (func (export "store") (param i32 i64) (i64.store (local.get 0) (local.get 1))))`),
    );
    const mem = guest.export('memory') as VmmExtern;
    const x = vmm.engine.vmm.x;
    const dirty = () => vmm.engine.vmm.bytes(x.memory_dirty(mem.address), 16);
    dirty().fill(0);
    guest.call('store', 5 * 4096 + 8, 1n);
    expect([...dirty()].map((b, i) => (b ? i : -1)).filter((i) => i >= 0)).toEqual([5]);
    dirty().fill(0);
    guest.call('store', 3 * 4096 - 4, -1n);
    expect([...dirty()].map((b, i) => (b ? i : -1)).filter((i) => i >= 0)).toEqual([2, 3]);
  });
});
