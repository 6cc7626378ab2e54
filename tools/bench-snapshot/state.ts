/**
 * (a) Saving and restoring the non-memory state of a guest paused 1,000
 * frames deep: what checkpointState() costs (VmmEngine.checkpoint) and what
 * VmmEngine.restore costs on a fresh VMM. The guest recurses to the given
 * depth with a few live locals and operand values per frame, then spins at
 * the bottom, where it is stopped.
 */
import createWabt from 'wabt';
import { VmmEngine, type VmmExtern, type VmmInstance } from '../../host-shim/engine/vmm.js';
import { RunStatus } from '../../host-shim/vmm/binding.js';
import { median, timeMs } from '../bench/timing.js';

const wabt = await createWabt();

const DEEP_WAT = `(module
  (memory (export "memory") 1)
  (global $spins (mut i64) (i64.const 0))
  (func $down (export "down") (param $n i32) (result i64)
    (local $a i64) (local $b f64) (local $c i32)
    (local.set $a (i64.extend_i32_u (local.get $n)))
    (local.set $b (f64.convert_i32_u (local.get $n)))
    (local.set $c (i32.mul (local.get $n) (i32.const 3)))
    (if (i32.eqz (local.get $n)) (then
      ;; The bottom: spin a million rounds, far more than the slice that pauses it here.
      (loop $spin
        (global.set $spins (i64.add (global.get $spins) (i64.const 1)))
        (br_if $spin (i64.lt_u (global.get $spins) (i64.const 1000000))))
      (return (global.get $spins))))
    ;; Two operand values stay on the stack across the call.
    (i64.add (i64.add (local.get $a) (i64.trunc_f64_s (local.get $b)))
      (i64.add (i64.extend_i32_u (local.get $c)) (call $down (i32.sub (local.get $n) (i32.const 1)))))))`;

function deepModule(): Uint8Array {
  const m = wabt.parseWat('deep.wat', DEEP_WAT);
  try {
    m.resolveNames();
    m.validate();
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
}

export interface StateTimes {
  depth: number;
  stateBytes: number;
  saveMs: number;
  restoreMs: number;
}

/** Pauses the guest `depth` frames down; the result is ready to checkpoint. */
function paused(bytes: Uint8Array, depth: number): { engine: VmmEngine; instance: VmmInstance } {
  const engine = new VmmEngine();
  const instance = engine.instantiate(engine.compile(bytes), () => undefined) as VmmInstance;
  const f = instance.getExport('down') as VmmExtern;
  engine.begin(f.address, ['i32'], [{ type: 'i32', value: depth }]);
  // Enough steps to reach the bottom (a few per frame), then some spinning.
  const status = engine.step(BigInt(depth * 20 + 10_000));
  if (status !== RunStatus.OutOfFuel) throw new Error(`the deep guest did not stay paused (status ${status})`);
  return { engine, instance };
}

export function measureState(depth: number, reps: number): StateTimes {
  const bytes = deepModule();
  const { engine, instance } = paused(bytes, depth);
  for (let i = 0; i < 3; i++) engine.checkpoint(instance);
  const saves: number[] = [];
  let state: Uint8Array = new Uint8Array();
  for (let i = 0; i < reps; i++) {
    const t = timeMs(() => engine.checkpoint(instance));
    saves.push(t.ms);
    state = t.result;
  }
  const restores: number[] = [];
  for (let i = 0; i < reps + 3; i++) {
    // A fresh VMM per restore, as on the destination host; creating it is not timed.
    const target = new VmmEngine();
    const module = target.compile(bytes);
    const t = timeMs(() => target.restore(module, () => undefined, state));
    if (i >= 3) restores.push(t.ms);
    // The restored guest must be the same guest: it finishes with the same result as the original.
    if (i === reps + 2) checkSameEnd(engine, target, depth);
    target.dispose();
  }
  engine.dispose();
  return { depth, stateBytes: state.length, saveMs: median(saves), restoreMs: median(restores) };
}

function checkSameEnd(original: VmmEngine, restored: VmmEngine, depth: number): void {
  const a = original.drive(['i64']);
  const b = restored.drive(['i64']);
  if (JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) !== JSON.stringify(b, (_, v) => (typeof v === 'bigint' ? v.toString() : v))) {
    throw new Error(`the guest restored at depth ${depth} ended differently`);
  }
}
