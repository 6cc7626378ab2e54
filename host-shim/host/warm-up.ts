/**
 * A worker's VMM code is compiled by V8 lazily, function by function, on
 * first use. The checkpoint and restore paths are first used during a
 * migration's switchover, where every millisecond is downtime. This runs
 * them once on a tiny guest when the worker starts, so they are compiled by
 * then.
 */
import { VmmEngine, type VmmExtern, type VmmInstance } from '../engine/vmm.js';

// (module (memory 1) (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
const TINY = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
  0x03, 0x02, 0x01, 0x00,
  0x05, 0x03, 0x01, 0x00, 0x01,
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,
  0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b,
]);

export function warmUp(): void {
  const from = new VmmEngine({ maxMemoryPages: 1 });
  const instance = from.instantiate(from.compile(TINY), () => undefined) as VmmInstance;
  const f = instance.getExport('f') as VmmExtern;
  from.begin(f.address, ['i32'], [{ type: 'i32', value: 1 }]);
  from.step(1n);
  const state = from.checkpoint(instance);
  const to = new VmmEngine({ maxMemoryPages: 1 });
  to.load(to.prepare(to.compile(TINY), () => undefined), state);
  const [result] = to.drive(['i32']);
  if (result.type !== 'i32' || result.value !== 2) throw new Error('VMM warm-up computed a wrong result');
  from.dispose();
  to.dispose();
}
