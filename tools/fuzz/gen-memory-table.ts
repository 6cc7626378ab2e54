/**
 * Memory and table instructions: loads and stores of every width with offsets
 * and alignments, addresses biased to the edges of memory (some out of bounds,
 * so they trap), memory.size/grow, bulk memory, and the table instructions.
 */
import type { NumType, RefType } from '../../host-shim/engine/types.js';
import type { FunctionGenerator } from './function-generator.js';
import { genRef, genValue } from './gen-values.js';
import type { TableInfo } from './module-context.js';
import { FC, LOADS, OP, STORES } from './opcodes.js';

const PAGE = 65536;

function pick<T>(g: FunctionGenerator, items: T[]): T {
  return g.rng.pick(items);
}

/** An offset immediate: mostly 0 or small, sometimes large enough to overflow. */
function genOffset(g: FunctionGenerator): number {
  const r = g.rng.below(1000);
  if (r < 550) return 0;
  if (r < 990) return g.rng.below(64);
  if (r < 996) return g.rng.pick([PAGE - 1, PAGE, PAGE * 2 - 4, 1000]);
  return g.rng.pick([0x7fffffff, 0xffffffff, 0xfffffff0]);
}

/** Pushes an i32 address for an access of `width` bytes at `offset`. */
export function genAddress(g: FunctionGenerator, width: number, offset: number, depth: number): void {
  const { rng, code, ctx } = g;
  const limit = ctx.memory.min * PAGE;
  switch (rng.weighted({ inBounds: 40, edge: 0.4, dynamicEdge: 0.6, masked: 1, any: 0.05 })) {
    case 'inBounds':
      code.op(OP.i32Const).s32(Math.max(0, rng.below(Math.max(1, Math.min(limit - width - offset, 4096) + 1))));
      return;
    case 'edge':
      code.op(OP.i32Const).s32(limit - offset - width + rng.range(-3, 3));
      return;
    case 'dynamicEdge':
      // memory.size * 64 KiB - k: the edge of memory as it is now, after any grow.
      code.op(OP.memorySize, 0x00).op(OP.i32Const).s32(16).op(0x74); // i32.shl
      code.op(OP.i32Const).s32(offset + width + rng.range(-1, 12)).op(0x6b); // i32.sub
      return;
    case 'masked':
      genValue(g, 'i32', depth);
      code.op(OP.i32Const).s32(rng.pick([0xff, 0xfff, 0xffff])).op(0x71); // i32.and
      return;
    case 'any':
      genValue(g, 'i32', depth);
      return;
  }
}

function genLength(g: FunctionGenerator, depth: number): void {
  const { rng, code } = g;
  const r = rng.below(100);
  if (r < 70) code.op(OP.i32Const).s32(rng.below(33));
  else if (r < 95) code.op(OP.i32Const).s32(rng.below(1024));
  else if (r < 98) code.op(OP.i32Const).s32(rng.below(PAGE + 1));
  else if (r < 99) code.op(OP.i32Const).s32(rng.pick([-1, 0x7fffffff, PAGE * 64]));
  else genValue(g, 'i32', depth);
}

export function genLoad(g: FunctionGenerator, t: NumType, depth: number): void {
  const access = pick(
    g,
    LOADS.filter((l) => l.type === t),
  );
  const offset = genOffset(g);
  genAddress(g, 1 << access.naturalAlign, offset, depth);
  g.code.op(access.op).memarg(g.rng.range(0, access.naturalAlign), offset);
}

export function genStore(g: FunctionGenerator, depth: number): void {
  const access = pick(g, STORES);
  const offset = genOffset(g);
  genAddress(g, 1 << access.naturalAlign, offset, depth);
  genValue(g, access.type, depth);
  g.canonicalize(access.type);
  g.code.op(access.op).memarg(g.rng.range(0, access.naturalAlign), offset);
}

/** memory.size, memory.grow, table.size or table.grow as an i32 value. */
export function genMemoryValue(g: FunctionGenerator, depth: number): void {
  if (g.rng.chance(0.5)) {
    g.code.op(OP.memorySize, 0x00);
    return;
  }
  genGrowDelta(g, depth);
  g.code.op(OP.memoryGrow, 0x00);
}

function genGrowDelta(g: FunctionGenerator, depth: number): void {
  const r = g.rng.below(10);
  if (r < 8) g.code.op(OP.i32Const).s32(g.rng.below(3));
  else if (r < 9) g.code.op(OP.i32Const).s32(g.rng.pick([-1, 0x10000, 100]));
  else genValue(g, 'i32', depth);
}

export function genTableValue(g: FunctionGenerator, depth: number): void {
  const { rng, code, ctx } = g;
  if (!ctx.tables.length) return genValue(g, 'i32', depth);
  const table = rng.pick(ctx.tables);
  if (rng.chance(0.5)) {
    code.op(OP.prefix).u32(FC.tableSize).u32(table.index);
    return;
  }
  genRef(g, table.element, depth);
  genGrowDelta(g, depth);
  code.op(OP.prefix).u32(FC.tableGrow).u32(table.index);
}

function genTableIndex(g: FunctionGenerator, table: TableInfo, depth: number): void {
  const r = g.rng.below(100);
  if (r < 85) g.code.op(OP.i32Const).s32(g.rng.below(Math.max(1, table.min)));
  else if (r < 97) g.code.op(OP.i32Const).s32(g.rng.below(table.min + 3));
  else genValue(g, 'i32', depth);
}

export function genTableGet(g: FunctionGenerator, table: TableInfo, depth: number): void {
  genTableIndex(g, table, depth);
  g.code.op(OP.tableGet).u32(table.index);
}

function genSmallLength(g: FunctionGenerator, depth: number): void {
  const r = g.rng.below(100);
  if (r < 90) g.code.op(OP.i32Const).s32(g.rng.below(3));
  else if (r < 98) g.code.op(OP.i32Const).s32(g.rng.below(8));
  else genValue(g, 'i32', depth);
}

/** Source offset and length into a segment of `length` items: mostly inside it. */
function genSegmentRange(g: FunctionGenerator, length: number, depth: number): void {
  const { rng, code } = g;
  if (rng.chance(0.9)) {
    const src = rng.below(length + 1);
    code.op(OP.i32Const).s32(src).op(OP.i32Const).s32(rng.below(length - src + 1));
    return;
  }
  code.op(OP.i32Const).s32(rng.below(length + 2));
  genLength(g, depth);
}

export function genMemoryStatement(g: FunctionGenerator, depth: number): void {
  const { rng, code, ctx } = g;
  const segments = ctx.dataSegments.length;
  const kind = rng.weighted({ fill: 2, copy: 2, init: segments ? 2 : 0, drop: segments ? 0.5 : 0, grow: 1 });
  switch (kind) {
    case 'fill':
      genAddress(g, 1, 0, depth);
      genValue(g, 'i32', depth);
      genLength(g, depth);
      code.op(OP.prefix).u32(FC.memoryFill).op(0x00);
      return;
    case 'copy':
      genAddress(g, 1, 0, depth);
      genAddress(g, 1, 0, depth);
      genLength(g, depth);
      code.op(OP.prefix).u32(FC.memoryCopy).op(0x00, 0x00);
      return;
    case 'init': {
      const seg = rng.below(segments);
      genAddress(g, 1, 0, depth);
      genSegmentRange(g, ctx.dataSegments[seg], depth);
      code.op(OP.prefix).u32(FC.memoryInit).u32(seg).op(0x00);
      return;
    }
    case 'drop':
      code.op(OP.prefix).u32(FC.dataDrop).u32(rng.below(segments));
      return;
    case 'grow':
      genGrowDelta(g, depth);
      code.op(OP.memoryGrow, 0x00).op(OP.drop);
      return;
  }
}

export function genTableStatement(g: FunctionGenerator, depth: number): void {
  const { rng, code, ctx } = g;
  const table = rng.pick(ctx.tables);
  const sameType = ctx.tables.filter((t) => t.element === table.element);
  const segments = ctx.elemSegments.flatMap((s, i) => (s.type === table.element ? [i] : []));
  const kind = rng.weighted({ set: 3, fill: 1.5, copy: 1.5, init: segments.length ? 1.5 : 0, drop: ctx.elemSegments.length ? 0.4 : 0, grow: 0.7 });
  switch (kind) {
    case 'set':
      genTableIndex(g, table, depth);
      genRef(g, table.element, depth);
      code.op(OP.tableSet).u32(table.index);
      return;
    case 'fill':
      genTableIndex(g, table, depth);
      genRef(g, table.element, depth);
      genSmallLength(g, depth);
      code.op(OP.prefix).u32(FC.tableFill).u32(table.index);
      return;
    case 'copy': {
      const source = rng.pick(sameType);
      genTableIndex(g, table, depth);
      genTableIndex(g, source, depth);
      genSmallLength(g, depth);
      code.op(OP.prefix).u32(FC.tableCopy).u32(table.index).u32(source.index);
      return;
    }
    case 'init': {
      const seg = rng.pick(segments);
      genTableIndex(g, table, depth);
      genSegmentRange(g, ctx.elemSegments[seg].length, depth);
      code.op(OP.prefix).u32(FC.tableInit).u32(seg).u32(table.index);
      return;
    }
    case 'drop':
      code.op(OP.prefix).u32(FC.elemDrop).u32(rng.below(ctx.elemSegments.length));
      return;
    case 'grow':
      genRef(g, table.element as RefType, depth);
      genGrowDelta(g, depth);
      code.op(OP.prefix).u32(FC.tableGrow).u32(table.index).op(OP.drop);
      return;
  }
}
