import { describe, expect, test } from 'vitest';
import { VmmEngine, VmmExtern, type VmmInstance } from '../../host-shim/engine/vmm.js';
import { RunStatus } from '../../host-shim/vmm/binding.js';
import type { Value } from '../../host-shim/engine/types.js';
import { wat } from '../support/wat.js';

// Recursion through direct and indirect calls, a mutable global, a table and
// memory writes: a checkpoint must carry all of them.
const guest = wat(`(module
  (memory (export "memory") 1)
  (global $g (mut i64) (i64.const 0))
  (table 4 funcref) (elem (i32.const 0) $leaf $fib)
  (type $t (func (param i32) (result i64)))
  (func $leaf (param i32) (result i64) (i64.extend_i32_u (local.get 0)))
  (func $fib (param $n i32) (result i64)
    (i64.store (i32.mul (local.get $n) (i32.const 8)) (global.get $g))
    (global.set $g (i64.add (global.get $g) (i64.const 1)))
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (call_indirect (type $t) (local.get $n) (i32.const 0)))
      (else (i64.add
        (call $fib (i32.sub (local.get $n) (i32.const 1)))
        (call_indirect (type $t) (i32.sub (local.get $n) (i32.const 2)) (i32.const 1))))))
  (func (export "run") (param i32) (result i64) (i64.add (call $fib (local.get 0)) (global.get $g))))`);

interface Running {
  engine: VmmEngine;
  instance: VmmInstance;
}

function memoryOf(r: Running): Uint8Array {
  const m = r.instance.getExport('memory') as VmmExtern;
  const x = r.engine.vmm.x;
  return r.engine.vmm.bytes(x.memory_base(m.address), x.memory_pages(m.address) * 65536);
}

function start(n: number): Running {
  const engine = new VmmEngine();
  const instance = engine.instantiate(engine.compile(guest), () => undefined) as VmmInstance;
  const run = instance.getExport('run') as VmmExtern;
  engine.begin(run.address, ['i32'], [{ type: 'i32', value: n }]);
  return { engine, instance };
}

/** Checkpoints `from` into a fresh VMM, as another process would. */
function moveTo(from: Running): Running {
  const state = from.engine.checkpoint(from.instance);
  const memory = memoryOf(from).slice();
  const engine = new VmmEngine();
  const instance = engine.restore(engine.compile(guest), () => undefined, state);
  const moved = { engine, instance };
  memoryOf(moved).set(memory);
  return moved;
}

function finish(r: Running): { result: Value[]; memory: Uint8Array } {
  return { result: r.engine.drive(['i64']), memory: memoryOf(r).slice() };
}

describe('checkpoint and restore', () => {
  const reference = finish(start(12));

  test('resuming after a checkpoint at any of many stop points matches an uninterrupted run', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
    for (let trial = 0; trial < 60; trial++) {
      const r = start(12);
      const stopAfter = BigInt(1 + (random() % 3000));
      const status = r.engine.step(stopAfter);
      if (status !== RunStatus.OutOfFuel) continue;
      const after = finish(moveTo(r));
      expect(after.result).toEqual(reference.result);
      expect(Buffer.compare(after.memory, reference.memory)).toBe(0);
    }
  });

  test('a fuel slice of 1, checkpointed and restored after every step, still matches', () => {
    let r = start(5);
    for (let steps = 0; ; steps++) {
      const status = r.engine.step(1n);
      if (status === RunStatus.Finished) break;
      expect(status).toBe(RunStatus.OutOfFuel);
      r = moveTo(r);
      expect(steps).toBeLessThan(10_000);
    }
    const five = finish(start(5));
    const x = r.engine.vmm.x;
    const results = r.engine.vmm.view().getBigInt64(x.results_ptr(), true);
    expect({ type: 'i64', value: results }).toEqual(five.result[0]);
  });

  test('a corrupted state is refused with a clear error, never a crash', () => {
    const r = start(10);
    r.engine.step(500n);
    const state = r.engine.checkpoint(r.instance);
    let refused = 0;
    for (let i = 0; i < state.length; i += 3) {
      const bad = state.slice();
      bad[i] ^= 0x5a;
      const engine = new VmmEngine();
      try {
        const instance = engine.restore(engine.compile(guest), () => undefined, bad);
        // A flip in a value's payload restores a different but well-typed state.
        expect(instance).toBeDefined();
      } catch (err) {
        expect((err as { code: string }).code).toBe('WASMOTION_ERR_BAD_CHECKPOINT');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
