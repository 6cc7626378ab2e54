/**
 * A seeded generator of valid Wasm 2.0 modules (no SIMD) that always
 * terminate. The same seed gives the same bytes on any machine.
 *
 * Shape of a generated module (function indices in this order):
 *
 *   helpers h0..   random signatures, called directly, through table 0 and by
 *                  ref.func; may recurse (bounded by the budget/depth guard)
 *   entries f0..   exported; numeric params and results; each refills the
 *                  budget global first, and nothing calls them
 *   start          sometimes: a body run at instantiation on the initial budget
 *   memhash        exported; FNV-style hash of all of memory, for comparing
 *                  the final memory through nothing but `invoke`
 *
 * plus memory "memory" (always with a maximum, so grow is deterministic),
 * tables with maxima, numeric globals exported as g0.., the guard globals
 * exported as "budget" and "depth", and active, passive and declarative
 * element and data segments.
 */
import type { NumType, ValType } from '../../host-shim/engine/types.js';
import { FunctionGenerator } from './function-generator.js';
import { genStatement } from './gen-statements.js';
import { genValues } from './gen-values.js';
import { randomF32Bits, randomF64Bits, randomI32, randomI64 } from './interesting-values.js';
import type { FuncInfo, GlobalInfo, ModuleContext, SegmentInfo, TableInfo } from './module-context.js';
import { NUM_TYPES } from './module-context.js';
import { writeMemoryHash } from './memory-hash.js';
import { OP } from './opcodes.js';
import { Prng } from './prng.js';
import type { FuncType } from './wasm-writer.js';
import { CodeWriter, ModuleWriter } from './wasm-writer.js';

export interface GeneratorOptions {
  /** Canonicalise NaNs where their bits become observable (default true). */
  canonicalizeNaN?: boolean;
}

export interface GeneratedExport {
  name: string;
  params: NumType[];
  results: NumType[];
}

export interface GeneratedModule {
  seed: number;
  bytes: Uint8Array;
  /** The exported test functions f0.., in call order. */
  entries: GeneratedExport[];
  /** Exported numeric globals, by name. */
  globals: { name: string; type: NumType }[];
  /** The exported function returning a hash (i64) of the whole memory. */
  memoryHash: string;
}

const CALL_BUDGET = 128;

export function generateModule(seed: number, options: GeneratorOptions = {}): GeneratedModule {
  const rng = new Prng(seed);
  const writer = new ModuleWriter();
  const helperCount = rng.range(1, 5);
  const entryCount = rng.range(1, 4);
  const helpers = planHelpers(rng, writer, helperCount);
  const entries: (FuncInfo & { type: { params: NumType[]; results: NumType[] } })[] = [];
  for (let i = 0; i < entryCount; i++) {
    const type = { params: randomNums(rng, 4), results: randomNums(rng, 3) };
    entries.push({ index: helperCount + i, type });
  }
  const globals = planGlobals(rng, writer, helpers);
  const budgetGlobal = addGlobal(writer, 'i32', true, [OP.i32Const, ...new CodeWriter().s32(CALL_BUDGET / 2).bytes]);
  const depthGlobal = addGlobal(writer, 'i32', true, [OP.i32Const, 0]);
  const memory = { min: rng.range(1, 2), max: 0 };
  memory.max = memory.min + rng.range(0, 3);
  writer.memories.push(memory);
  const tables = planTables(rng, writer, helpers);
  const elemSegments = planElements(rng, writer, tables, helpers);
  const dataSegments = planData(rng, writer, memory.min);
  const ctx: ModuleContext = {
    rng,
    writer,
    helpers,
    globals,
    budgetGlobal,
    depthGlobal,
    maxDepth: rng.range(2, 12),
    tables,
    memory,
    dataSegments,
    elemSegments,
    canonicalizeNaN: options.canonicalizeNaN ?? true,
  };
  for (const h of helpers) writer.functions.push(generateBody(ctx, h.type, false));
  for (const e of entries) writer.functions.push(generateBody(ctx, e.type, true));
  let next = helperCount + entryCount;
  if (rng.chance(0.1)) {
    writer.functions.push(generateBody(ctx, { params: [], results: [] }, false));
    writer.start = next++;
  }
  writer.functions.push(writeMemoryHash(writer));
  const memoryHashIndex = next++;

  entries.forEach((e, i) => writer.exports.push({ name: `f${i}`, kind: 'func', index: e.index }));
  writer.exports.push({ name: 'memhash', kind: 'func', index: memoryHashIndex });
  writer.exports.push({ name: 'memory', kind: 'memory', index: 0 });
  const exportedGlobals: { name: string; type: NumType }[] = [];
  globals.forEach((gl, i) => {
    if (gl.type === 'funcref' || gl.type === 'externref') return;
    exportedGlobals.push({ name: `g${i}`, type: gl.type as NumType });
    writer.exports.push({ name: `g${i}`, kind: 'global', index: gl.index });
  });
  writer.exports.push({ name: 'budget', kind: 'global', index: budgetGlobal }, { name: 'depth', kind: 'global', index: depthGlobal });
  exportedGlobals.push({ name: 'budget', type: 'i32' }, { name: 'depth', type: 'i32' });
  writer.dataCount = dataSegments.length > 0;
  return {
    seed,
    bytes: writer.encode(),
    entries: entries.map((e, i) => ({ name: `f${i}`, params: e.type.params, results: e.type.results })),
    globals: exportedGlobals,
    memoryHash: 'memhash',
  };
}

function randomNums(rng: Prng, max: number): NumType[] {
  return Array.from({ length: rng.below(max + 1) }, () => rng.pick(NUM_TYPES));
}

function planHelpers(rng: Prng, writer: ModuleWriter, count: number): FuncInfo[] {
  const out: FuncInfo[] = [];
  for (let i = 0; i < count; i++) {
    // Sharing signatures makes call_indirect type checks pass more often.
    const type: FuncType = out.length && rng.chance(0.3) ? rng.pick(out).type : { params: randomNums(rng, 3), results: randomNums(rng, 2) };
    writer.addType(type);
    out.push({ index: i, type });
  }
  return out;
}

function generateBody(ctx: ModuleContext, type: FuncType, isEntry: boolean) {
  const rng = ctx.rng;
  const declared: ValType[] = randomNums(ctx.rng, 6);
  const g = new FunctionGenerator(ctx, type, declared, rng.range(20, 160));
  if (isEntry) {
    g.code.op(OP.i32Const).s32(CALL_BUDGET).op(OP.globalSet).u32(ctx.budgetGlobal);
    g.code.op(OP.i32Const).s32(0).op(OP.globalSet).u32(ctx.depthGlobal);
  }
  const depth = rng.range(2, 5);
  const statements = rng.range(1, 6);
  let diverged = false;
  for (let i = 0; i < statements && !diverged; i++) diverged = genStatement(g, depth);
  if (!diverged) genValues(g, type.results, depth);
  return { typeIndex: ctx.writer.addType(type), locals: g.declaredLocals(), body: g.code.bytes };
}

function addGlobal(writer: ModuleWriter, type: ValType, mutable: boolean, init: number[]): number {
  writer.globals.push({ type, mutable, init });
  return writer.globals.length - 1;
}

function constExpr(rng: Prng, t: NumType): number[] {
  const c = new CodeWriter();
  if (t === 'i32') c.op(OP.i32Const).s32(randomI32(rng));
  else if (t === 'i64') c.op(OP.i64Const).s64(randomI64(rng));
  else if (t === 'f32') c.op(OP.f32Const).f32Bits(randomF32Bits(rng));
  else c.op(OP.f64Const).f64Bits(randomF64Bits(rng));
  return c.bytes;
}

function planGlobals(rng: Prng, writer: ModuleWriter, helpers: FuncInfo[]): GlobalInfo[] {
  const out: GlobalInfo[] = [];
  const count = rng.range(1, 5);
  for (let i = 0; i < count; i++) {
    const type = rng.pick(NUM_TYPES);
    const mutable = rng.chance(0.75);
    out.push({ index: addGlobal(writer, type, mutable, constExpr(rng, type)), type, mutable });
  }
  if (rng.chance(0.5)) {
    const init = rng.chance(0.5) ? [OP.refNull, 0x70] : [OP.refFunc, ...new CodeWriter().u32(rng.pick(helpers).index).bytes];
    out.push({ index: addGlobal(writer, 'funcref', true, init), type: 'funcref', mutable: true });
  }
  return out;
}

function planTables(rng: Prng, writer: ModuleWriter, helpers: FuncInfo[]): TableInfo[] {
  const tables: TableInfo[] = [];
  const add = (element: 'funcref' | 'externref', min: number): void => {
    const max = min + rng.range(0, 8);
    writer.tables.push({ element, min, max });
    tables.push({ index: tables.length, element, min, max, initial: new Array(min).fill(null) });
  };
  add('funcref', helpers.length + rng.range(0, 4));
  if (rng.chance(0.5)) add('externref', rng.chance(0.1) ? 0 : rng.range(1, 4));
  if (rng.chance(0.25)) add('funcref', rng.chance(0.1) ? 0 : rng.range(1, 4));
  return tables;
}

/** Active segments fill table 0 with helpers; passive ones feed table.init; a declarative one allows ref.func. */
function planElements(rng: Prng, writer: ModuleWriter, tables: TableInfo[], helpers: FuncInfo[]): SegmentInfo[] {
  const segments: SegmentInfo[] = [];
  const table0 = tables[0];
  const offset = rng.below(table0.min - helpers.length + 1);
  const funcs = helpers.map((h) => h.index);
  for (let i = funcs.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [funcs[i], funcs[j]] = [funcs[j], funcs[i]];
  }
  funcs.forEach((f, i) => (table0.initial[offset + i] = f));
  const offsetExpr = [OP.i32Const, ...new CodeWriter().s32(offset).bytes];
  if (rng.chance(0.5)) writer.elements.push({ mode: 'active', type: 'funcref', offset: offsetExpr, funcs, explicitTable: rng.chance(0.3) });
  else writer.elements.push({ mode: 'active', type: 'funcref', offset: offsetExpr, exprs: funcs.map((f) => [OP.refFunc, ...new CodeWriter().u32(f).bytes]) });
  segments.push({ type: 'funcref', length: funcs.length });
  for (let n = rng.below(3); n > 0; n--) {
    const length = rng.below(5);
    if (rng.chance(0.5)) {
      writer.elements.push({ mode: 'passive', type: 'funcref', funcs: Array.from({ length }, () => rng.pick(helpers).index) });
    } else {
      const exprs = Array.from({ length }, () => (rng.chance(0.3) ? [OP.refNull, 0x70] : [OP.refFunc, ...new CodeWriter().u32(rng.pick(helpers).index).bytes]));
      writer.elements.push({ mode: 'passive', type: 'funcref', exprs });
    }
    segments.push({ type: 'funcref', length });
  }
  const externTable = tables.find((t) => t.element === 'externref');
  if (externTable && rng.chance(0.7)) {
    const length = rng.below(externTable.min + 1);
    const exprs = Array.from({ length }, () => [OP.refNull, 0x6f]);
    if (rng.chance(0.5)) writer.elements.push({ mode: 'passive', type: 'externref', exprs });
    else writer.elements.push({ mode: 'active', type: 'externref', table: externTable.index, offset: [OP.i32Const, externTable.min - length], exprs });
    segments.push({ type: 'externref', length });
  }
  writer.elements.push({ mode: 'declarative', type: 'funcref', funcs: helpers.map((h) => h.index) });
  segments.push({ type: 'funcref', length: helpers.length });
  return segments;
}

function planData(rng: Prng, writer: ModuleWriter, minPages: number): number[] {
  const lengths: number[] = [];
  for (let n = rng.below(4); n > 0; n--) {
    const bytes = Uint8Array.from({ length: rng.below(48) }, () => rng.below(256));
    if (rng.chance(0.6)) {
      const offset = rng.chance(0.8) ? rng.below(1024) : minPages * 65536 - bytes.length;
      writer.data.push({ mode: 'active', offset: [OP.i32Const, ...new CodeWriter().s32(offset).bytes], bytes, explicitMemory: rng.chance(0.2) });
    } else {
      writer.data.push({ mode: 'passive', bytes });
    }
    lengths.push(bytes.length);
  }
  return lengths;
}
