/**
 * Control flow: blocks, loops and ifs with parameters and multiple results,
 * branches, returns, and calls (direct and indirect). Termination holds by
 * construction: only budgetGuard() may branch back to a loop, and every call
 * sits behind the same guard, which spends the budget global.
 */
import type { NumType, ValType } from '../../host-shim/engine/types.js';
import type { FunctionGenerator, Label } from './function-generator.js';
import { sameTypes } from './function-generator.js';
import { genStatement } from './gen-statements.js';
import { disposeValues, genLeaf, genValue, genValues } from './gen-values.js';
import type { FuncInfo } from './module-context.js';
import { NUM_TYPES } from './module-context.js';
import { OP } from './opcodes.js';
import type { FuncType } from './wasm-writer.js';

type BlockKind = 'block' | 'loop' | 'if';

export function randomNumTypes(g: FunctionGenerator, max: number): NumType[] {
  const n = g.rng.below(max + 1);
  const out: NumType[] = [];
  for (let i = 0; i < n; i++) out.push(g.rng.pick(NUM_TYPES));
  return out;
}

/**
 * Emits a whole block/loop/if: its parameters, its condition (if), the body
 * (and else arm), and `end`. Leaves `results` on the stack.
 */
export function genBlock(g: FunctionGenerator, kind: BlockKind, params: ValType[], results: ValType[], depth: number): void {
  genValues(g, params, depth);
  if (kind === 'if') genValue(g, 'i32', depth);
  g.code.op(kind === 'block' ? OP.block : kind === 'loop' ? OP.loop : OP.if).blockType(g.blockType(params, results));
  const label: Label = { types: kind === 'loop' ? params : results, isLoop: kind === 'loop' };
  genBody(g, label, params, results, depth, kind === 'loop');
  const needsElse = kind === 'if' && (!sameTypes(params, results) || g.rng.chance(0.6));
  if (needsElse) {
    g.code.op(OP.else);
    genBody(g, label, params, results, depth, false);
  }
  g.code.op(OP.end);
}

/** A block body: starts with `params` on the stack, ends with `results` (or diverges). */
function genBody(g: FunctionGenerator, label: Label, params: ValType[], results: ValType[], depth: number, isLoop: boolean): void {
  g.ctrl.push(label);
  const passThrough = sameTypes(params, results) && g.rng.chance(0.3);
  if (!passThrough) disposeValues(g, params);
  const statements = depth > 0 && g.size > 0 ? g.rng.below(4) : 0;
  let diverged = false;
  for (let i = 0; i < statements && !diverged; i++) diverged = genStatement(g, depth - 1);
  if (!diverged && isLoop && g.rng.chance(0.75)) genContinue(g, label, depth - 1);
  if (!diverged && !passThrough) genValues(g, results, depth - 1);
  g.ctrl.pop();
}

/** `values; guard; br_if loop; drop values` : a bounded back-edge. */
export function genContinue(g: FunctionGenerator, loop: Label, depth: number): void {
  genValues(g, loop.types, depth);
  g.budgetGuard();
  g.code.op(OP.brIf).u32(g.depthOf(loop));
  disposeValues(g, loop.types);
}

export function genBlockValue(g: FunctionGenerator, t: ValType, depth: number): void {
  const kind = g.rng.pick(['block', 'block', 'if', 'if', 'loop'] as const);
  const extras = randomNumTypes(g, 2);
  genBlock(g, kind, randomNumTypes(g, 2), [t, ...extras], depth);
  disposeValues(g, extras);
}

export function genBlockStatement(g: FunctionGenerator, depth: number): void {
  const kind = g.rng.pick(['block', 'if', 'loop'] as const);
  const results = randomNumTypes(g, 2);
  genBlock(g, kind, randomNumTypes(g, 2), results, depth);
  disposeValues(g, results);
}

/** Non-loop labels whose branch carries exactly `types`. */
function forwardLabels(g: FunctionGenerator, types?: readonly ValType[]): Label[] {
  return g.ctrl.filter((l) => !l.isLoop && (!types || sameTypes(l.types, types)));
}

export function genBranchIfValue(g: FunctionGenerator, t: ValType, depth: number): void {
  const labels = forwardLabels(g, [t]);
  if (!labels.length) return genValue(g, t, depth);
  const label = g.rng.pick(labels);
  genValue(g, t, depth);
  genValue(g, 'i32', depth);
  g.code.op(OP.brIf).u32(g.depthOf(label));
}

export function genBranchIfStatement(g: FunctionGenerator, depth: number): void {
  const label = g.rng.pick(forwardLabels(g));
  genValues(g, label.types, depth);
  genValue(g, 'i32', depth);
  g.code.op(OP.brIf).u32(g.depthOf(label));
  disposeValues(g, label.types);
}

/** br, br_table or return: the code after it is unreachable. */
export function genTerminator(g: FunctionGenerator, depth: number): void {
  const { rng, code } = g;
  const kind = rng.weighted({ br: 2, brTable: 2, return: 1 });
  if (kind === 'return') {
    genValues(g, g.type.results, depth);
    code.op(OP.return);
    return;
  }
  const label = rng.pick(forwardLabels(g));
  genValues(g, label.types, depth);
  if (kind === 'br') {
    code.op(OP.br).u32(g.depthOf(label));
    return;
  }
  const same = forwardLabels(g, label.types);
  const targets = Array.from({ length: rng.below(5) }, () => g.depthOf(rng.pick(same)));
  if (rng.chance(0.7)) code.op(OP.i32Const).s32(rng.below(targets.length + 2));
  else genValue(g, 'i32', depth);
  code.op(OP.brTable).u32(targets.length);
  for (const t of targets) code.u32(t);
  code.u32(g.depthOf(label));
}

/** br to a label, return, or unreachable, standing for a value of type t. */
export function genDivergingValue(g: FunctionGenerator, t: ValType, depth: number): void {
  const { rng, code } = g;
  if (rng.chance(0.3)) {
    // A rarely true condition keeps the trap from ending every call.
    genValue(g, 'i32', depth);
    code.op(OP.i32Const).s32(rng.range(0, 3)).op(0x46); // i32.eq
    code.op(OP.if).blockType({ kind: 'empty' }).op(OP.unreachable).op(OP.end);
    return genValue(g, t, depth);
  }
  genTerminator(g, depth);
}

/** Calls a helper or goes through a table, behind the budget guard. Leaves the callee's results. */
function genGuardedCall(g: FunctionGenerator, type: FuncType, emitCall: () => void, depth: number): void {
  const { code } = g;
  g.budgetGuard();
  code.op(OP.if).blockType(g.blockType([], type.results));
  const label: Label = { types: type.results, isLoop: false };
  g.ctrl.push(label);
  g.adjustDepth(1);
  emitCall();
  g.adjustDepth(-1);
  code.op(OP.else);
  for (const r of type.results) genLeafAny(g, r);
  g.ctrl.pop();
  code.op(OP.end);
}

function genLeafAny(g: FunctionGenerator, t: ValType): void {
  if (t === 'funcref' || t === 'externref') g.code.op(OP.refNull).valType(t);
  else genLeaf(g, t as NumType);
}

/** Emits a guarded call to some function; returns the callee's result types. */
function genSomeCall(g: FunctionGenerator, depth: number, wanted?: ValType): ValType[] | undefined {
  const { rng, ctx, code } = g;
  const direct = ctx.helpers.filter((f) => !wanted || f.type.results[0] === wanted);
  const table = ctx.tables.find((t) => t.element === 'funcref');
  if (table && rng.chance(0.4)) {
    // Mostly a type that the table holds, sometimes any type (a likely signature mismatch).
    const candidates = direct.length && rng.chance(0.95) ? direct.map((f) => f.type) : ctx.writer.types.filter((t) => !wanted || t.results[0] === wanted);
    if (!candidates.length) return undefined;
    const type = rng.pick(candidates);
    const typeIndex = ctx.writer.addType(type);
    genGuardedCall(
      g,
      type,
      () => {
        genValues(g, type.params, depth);
        genSlotIndex(g, table.initial, type, depth);
        code.op(OP.callIndirect).u32(typeIndex).u32(table.index);
      },
      depth,
    );
    return type.results;
  }
  if (!direct.length) return undefined;
  const callee: FuncInfo = rng.pick(direct);
  genGuardedCall(
    g,
    callee.type,
    () => {
      genValues(g, callee.type.params, depth);
      code.op(OP.call).u32(callee.index);
    },
    depth,
  );
  return callee.type.results;
}

/** An index into the table: mostly a slot that starts out holding a function of `type`. */
function genSlotIndex(g: FunctionGenerator, initial: (number | null)[], type: FuncType, depth: number): void {
  const { rng, ctx } = g;
  const key = JSON.stringify(type);
  const matching = initial.flatMap((f, slot) => {
    const info = f === null ? undefined : ctx.helpers.find((h) => h.index === f);
    return info && JSON.stringify(info.type) === key ? [slot] : [];
  });
  if (matching.length && rng.chance(0.95)) g.code.op(OP.i32Const).s32(rng.pick(matching));
  else if (rng.chance(0.8)) g.code.op(OP.i32Const).s32(rng.below(initial.length + 1));
  else genValue(g, 'i32', depth);
}

export function genCallValue(g: FunctionGenerator, t: ValType, depth: number): void {
  const results = genSomeCall(g, depth, t);
  if (!results) return genValue(g, t, depth);
  disposeValues(g, results.slice(1));
}

export function genCallStatement(g: FunctionGenerator, depth: number): void {
  const results = genSomeCall(g, depth);
  if (results) disposeValues(g, results);
}
