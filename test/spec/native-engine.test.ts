/**
 * The native reference engine: value conversion, error translation and
 * linking checks that the spec runner relies on.
 */
import { describe, expect, test } from 'vitest';
import { createEngine } from '../../host-shim/engine/index.js';
import type { Engine, Value } from '../../host-shim/engine/types.js';
import { GuestTrap, HostError, LinkError, ModuleError } from '../../host-shim/errors.js';

/*
 * (module
 *   (import "h" "f" (func $f (param i32) (result i32)))
 *   (global (export "g") (mut i64) (i64.const -5))
 *   (func (export "call") (param i32) (result i32) local.get 0 call $f)
 *   (func $rec (export "rec") call $rec)
 *   (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
 *   (func (export "swap") (param f64 i64) (result i64 f64) local.get 1 local.get 0))
 */
const MODULE = Buffer.from(
  '0061736d0100000001160460017f017f60000060027f7f017f60027c7e027e7c020701016801660000030504000102030606017e01427b0b07' +
    '1f05016703000463616c6c0001037265630002036469760003047377617000040a1c040600200010000b040010020b0700200020016d0b0600' +
    '200120000b',
  'hex',
);

function setup(engine: Engine, f: (args: Value[]) => Value[]) {
  const host = engine.hostFunction({ params: ['i32'], results: ['i32'] }, f);
  const module = engine.compile(MODULE);
  return engine.instantiate(module, (m, n) => (m === 'h' && n === 'f' ? host : undefined));
}

describe('native engine', () => {
  test('passes exact values through host functions, globals and multi-value results', async () => {
    const engine = await createEngine('native');
    const instance = setup(engine, ([x]) => [{ type: 'i32', value: (x as { value: number }).value * 2 }]);
    expect(instance.invoke('call', [{ type: 'i32', value: 21 }])).toEqual([{ type: 'i32', value: 42 }]);
    expect(instance.getGlobal('g')).toEqual({ type: 'i64', value: -5n });
    const swapped = instance.invoke('swap', [
      { type: 'f64', bits: 0x3ff8000000000000n },
      { type: 'i64', value: -(2n ** 63n) },
    ]);
    expect(swapped).toEqual([
      { type: 'i64', value: -(2n ** 63n) },
      { type: 'f64', bits: 0x3ff8000000000000n },
    ]);
  });

  test('words traps, exhaustion and host exceptions as wasmotion errors', async () => {
    const engine = await createEngine('native');
    const boom = new Error('boom');
    const instance = setup(engine, () => {
      throw boom;
    });
    const div = () => instance.invoke('div', [{ type: 'i32', value: 1 }, { type: 'i32', value: 0 }]);
    expect(div).toThrow(GuestTrap);
    expect(div).toThrow(/^integer divide by zero/);
    expect(() => instance.invoke('rec', [])).toThrow(/^call stack exhausted/);
    let thrown: unknown;
    try {
      instance.invoke('call', [{ type: 'i32', value: 1 }]);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HostError);
    expect((thrown as HostError).cause).toBe(boom);
  });

  test('refuses missing imports and host functions of another signature', async () => {
    const engine = await createEngine('native');
    const module = engine.compile(MODULE);
    expect(() => engine.instantiate(module, () => undefined)).toThrow(/^unknown import/);
    const wrong = engine.hostFunction({ params: ['i64'], results: ['i32'] }, () => [{ type: 'i32', value: 0 }]);
    expect(() => engine.instantiate(module, () => wrong)).toThrow(LinkError);
    expect(() => engine.instantiate(module, () => wrong)).toThrow(/^incompatible import type/);
  });

  test('reports malformed bytes with the spec reason and V8 offset', async () => {
    const engine = await createEngine('native');
    let thrown: unknown;
    try {
      engine.compile(new Uint8Array([0, 0x61, 0x73, 0x6e, 1, 0, 0, 0]));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ModuleError);
    expect((thrown as ModuleError).kind).toBe('malformed');
    expect((thrown as ModuleError).reason).toMatch(/^magic header not detected/);
  });
});
