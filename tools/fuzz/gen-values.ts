/**
 * Value generators: each call appends code that pushes exactly one value of
 * the requested type (or diverges: br, return, unreachable, which validate as
 * producing anything).
 */
import type { NumType, RefType, ValType } from '../../host-shim/engine/types.js';
import { genBlockValue, genBranchIfValue, genCallValue, genDivergingValue } from './gen-control.js';
import { genLoad, genMemoryValue, genTableGet, genTableValue } from './gen-memory-table.js';
import type { FunctionGenerator } from './function-generator.js';
import { isNum } from './function-generator.js';
import { randomF32Bits, randomF64Bits, randomI32, randomI64 } from './interesting-values.js';
import { BINARY, COMPARE, CONVERSIONS, COPYSIGN, OP, TEST, UNARY } from './opcodes.js';
import { NUM_TYPES } from './module-context.js';

export function genValues(g: FunctionGenerator, types: readonly ValType[], depth: number): void {
  for (const t of types) genValue(g, t, depth);
}

export function genValue(g: FunctionGenerator, t: ValType, depth: number): void {
  if (!isNum(t)) return genRef(g, t as RefType, depth);
  g.size--;
  if (depth <= 0 || g.size <= 0) return genLeaf(g, t);
  const rng = g.rng;
  const isI32 = t === 'i32';
  const isFloat = t === 'f32' || t === 'f64';
  const kind = rng.weighted({
    leaf: 3,
    tee: 0.7,
    unary: 2,
    binary: 4,
    compare: isI32 ? 2 : 0,
    test: isI32 ? 0.7 : 0,
    convert: 2.5,
    copysign: isFloat ? 0.4 : 0,
    load: 2.5,
    select: 1,
    block: 1.5,
    call: 1.5,
    brIf: 0.5,
    memory: isI32 ? 0.6 : 0,
    table: isI32 ? 0.6 : 0,
    refIsNull: isI32 ? 0.3 : 0,
    diverge: 0.08,
  });
  const d = depth - 1;
  const code = g.code;
  switch (kind) {
    case 'leaf':
      return genLeaf(g, t);
    case 'tee': {
      const locals = g.localsOf(t);
      if (!locals.length) return genLeaf(g, t);
      genValue(g, t, d);
      code.op(OP.localTee).u32(rng.pick(locals));
      return;
    }
    case 'unary':
      genValue(g, t, d);
      code.op(...rng.pick(UNARY[t]));
      return;
    case 'binary': {
      const op = rng.pick(BINARY[t]);
      genValue(g, t, d);
      genValue(g, t, d);
      // Most divisors are made odd: a divide by zero ends the call, so it should stay rare.
      if (isDivision(t, op[0]) && rng.chance(0.85)) code.op(t === 'i32' ? OP.i32Const : OP.i64Const, 1, t === 'i32' ? 0x72 : 0x84);
      code.op(...op);
      return;
    }
    case 'compare': {
      const from = rng.pick(NUM_TYPES);
      genValue(g, from, d);
      genValue(g, from, d);
      code.op(...rng.pick(COMPARE[from]));
      return;
    }
    case 'test': {
      const from = rng.pick(['i32', 'i64'] as const);
      genValue(g, from, d);
      code.op(...TEST[from]!);
      return;
    }
    case 'convert': {
      // Trapping float-to-int truncations are picked less often so calls do not end early.
      const candidates = CONVERSIONS.filter((c) => c.to === t && (!c.traps || rng.chance(0.3)));
      const conv = rng.pick(candidates);
      genValue(g, conv.from, d);
      if (conv.observesBits) g.canonicalize(conv.from);
      code.op(...conv.op);
      return;
    }
    case 'copysign':
      genValue(g, t, d);
      genValue(g, t, d);
      g.canonicalize(t); // the sign of a NaN is nondeterministic
      code.op(...COPYSIGN[t as 'f32' | 'f64']);
      return;
    case 'load':
      return genLoad(g, t, d);
    case 'select':
      genValue(g, t, d);
      genValue(g, t, d);
      genValue(g, 'i32', d);
      if (rng.chance(0.5)) code.op(OP.select);
      else code.op(OP.selectTyped).u32(1).valType(t);
      return;
    case 'block':
      return genBlockValue(g, t, d);
    case 'call':
      return genCallValue(g, t, d);
    case 'brIf':
      return genBranchIfValue(g, t, d);
    case 'memory':
      return genMemoryValue(g, d);
    case 'table':
      return genTableValue(g, d);
    case 'refIsNull':
      genRef(g, rng.pick(['funcref', 'externref'] as const), d);
      code.op(OP.refIsNull);
      return;
    case 'diverge':
      return genDivergingValue(g, t, d);
  }
}

/** div_s div_u rem_s rem_u */
function isDivision(t: NumType, op: number): boolean {
  return (t === 'i32' && op >= 0x6d && op <= 0x70) || (t === 'i64' && op >= 0x7f && op <= 0x82);
}

export function genLeaf(g: FunctionGenerator, t: NumType): void {
  const rng = g.rng;
  const r = rng.below(10);
  if (r < 3) {
    const locals = g.localsOf(t);
    if (locals.length) {
      g.code.op(OP.localGet).u32(rng.pick(locals));
      return;
    }
  } else if (r < 4) {
    const globals = g.ctx.globals.filter((gl) => gl.type === t);
    if (globals.length) {
      g.code.op(OP.globalGet).u32(rng.pick(globals).index);
      return;
    }
  }
  genConst(g, t);
}

export function genConst(g: FunctionGenerator, t: NumType): void {
  const rng = g.rng;
  switch (t) {
    case 'i32':
      g.code.op(OP.i32Const).s32(randomI32(rng));
      return;
    case 'i64':
      g.code.op(OP.i64Const).s64(randomI64(rng));
      return;
    case 'f32':
      g.code.op(OP.f32Const).f32Bits(randomF32Bits(rng));
      return;
    case 'f64':
      g.code.op(OP.f64Const).f64Bits(randomF64Bits(rng));
      return;
  }
}

/** Pushes a reference of type t. */
export function genRef(g: FunctionGenerator, t: RefType, depth: number): void {
  const { rng, ctx, code } = g;
  g.size--;
  const tables = ctx.tables.filter((tb) => tb.element === t);
  const globals = ctx.globals.filter((gl) => gl.type === t);
  const kind = rng.weighted({
    null: 2,
    func: t === 'funcref' && ctx.helpers.length ? 3 : 0,
    tableGet: tables.length && depth > 0 ? 2 : 0,
    global: globals.length ? 1 : 0,
    select: depth > 0 ? 0.7 : 0,
  });
  switch (kind) {
    case 'null':
      code.op(OP.refNull).valType(t);
      return;
    case 'func':
      code.op(OP.refFunc).u32(rng.pick(ctx.helpers).index);
      return;
    case 'tableGet':
      return genTableGet(g, rng.pick(tables), depth - 1);
    case 'global':
      code.op(OP.globalGet).u32(rng.pick(globals).index);
      return;
    case 'select':
      genRef(g, t, depth - 1);
      genRef(g, t, depth - 1);
      genValue(g, 'i32', depth - 1);
      code.op(OP.selectTyped).u32(1).valType(t);
      return;
  }
}

/** Removes values of the given types from the top of the stack (last on top), keeping some in locals. */
export function disposeValues(g: FunctionGenerator, types: readonly ValType[]): void {
  for (let i = types.length - 1; i >= 0; i--) {
    const locals = g.localsOf(types[i]);
    if (locals.length && g.rng.chance(0.6)) g.code.op(OP.localSet).u32(g.rng.pick(locals));
    else g.code.op(OP.drop);
  }
}
