/**
 * The `spectest` host module every spec script may import from: silent print
 * functions, four globals, a table and a memory, built in the engine's store.
 */
import type { Engine, Extern, FuncTypeDesc, ValType } from '../../host-shim/engine/types.js';

const PRINTS: Record<string, ValType[]> = {
  print: [],
  print_i32: ['i32'],
  print_i64: ['i64'],
  print_f32: ['f32'],
  print_f64: ['f64'],
  print_i32_f32: ['i32', 'f32'],
  print_f64_f64: ['f64', 'f64'],
};

/** 666.6 as f32 and f64 bits, as the reference interpreter defines them. */
const F32_666_6 = 0x4426a666;
const F64_666_6 = 0x4084d4cccccccccdn;

export function buildSpectest(engine: Engine): Map<string, Extern> {
  const externs = new Map<string, Extern>();
  for (const [name, params] of Object.entries(PRINTS)) {
    const type: FuncTypeDesc = { params, results: [] };
    externs.set(name, engine.hostFunction(type, () => []));
  }
  externs.set('global_i32', engine.hostGlobal({ type: 'i32', mutable: false }, { type: 'i32', value: 666 }));
  externs.set('global_i64', engine.hostGlobal({ type: 'i64', mutable: false }, { type: 'i64', value: 666n }));
  externs.set('global_f32', engine.hostGlobal({ type: 'f32', mutable: false }, { type: 'f32', bits: F32_666_6 }));
  externs.set('global_f64', engine.hostGlobal({ type: 'f64', mutable: false }, { type: 'f64', bits: F64_666_6 }));
  externs.set('table', engine.hostTable({ element: 'funcref', min: 10, max: 20 }));
  externs.set('memory', engine.hostMemory({ min: 1, max: 2 }));
  return externs;
}
