/**
 * The state of one function body under construction: its code, locals, and
 * the control stack of enclosing labels. The instruction generators
 * (gen-*.ts) append type-correct code to it: each "value" generator leaves
 * exactly one value of the asked type on the operand stack, each "statement"
 * generator leaves the stack as it found it, so the operand stack is typed by
 * construction.
 */
import type { NumType, ValType } from '../../host-shim/engine/types.js';
import type { ModuleContext } from './module-context.js';
import { OP } from './opcodes.js';
import type { BlockType, FuncType } from './wasm-writer.js';
import { CodeWriter } from './wasm-writer.js';

export interface Label {
  /** The types a branch to this label carries: results for block/if, params for loop. */
  types: ValType[];
  /** Branches to a loop label go backwards: only the budget guard may emit them. */
  isLoop: boolean;
}

export class FunctionGenerator {
  readonly code = new CodeWriter();
  readonly locals: ValType[];
  readonly ctrl: Label[] = [];
  private readonly scratch = new Map<ValType, number>();
  /** Remaining allowance of generated nodes; bounds the body size. */
  size: number;

  constructor(
    readonly ctx: ModuleContext,
    readonly type: FuncType,
    declaredLocals: ValType[],
    size: number,
  ) {
    this.locals = [...type.params, ...declaredLocals];
    this.size = size;
    this.ctrl.push({ types: type.results, isLoop: false });
  }

  get rng() {
    return this.ctx.rng;
  }

  /** The declared (non-parameter) locals, as the code section lists them. */
  declaredLocals(): ValType[] {
    return this.locals.slice(this.type.params.length);
  }

  /** Indices of the locals of type t that generated code may use freely. */
  localsOf(t: ValType): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.locals.length; i++) {
      if (this.locals[i] === t && ![...this.scratch.values()].includes(i)) out.push(i);
    }
    return out;
  }

  /** A local reserved for short sequences (tee then get) that need a temporary. */
  scratchLocal(t: ValType): number {
    let index = this.scratch.get(t);
    if (index === undefined) {
      index = this.locals.length;
      this.locals.push(t);
      this.scratch.set(t, index);
    }
    return index;
  }

  /** The br immediate that targets ctrl[i]. */
  depthOf(label: Label): number {
    return this.ctrl.length - 1 - this.ctrl.lastIndexOf(label);
  }

  blockType(params: ValType[], results: ValType[]): BlockType {
    if (params.length === 0 && results.length === 0) return { kind: 'empty' };
    if (params.length === 0 && results.length === 1) return { kind: 'value', type: results[0] };
    return { kind: 'index', index: this.ctx.writer.addType({ params, results }) };
  }

  /**
   * Replaces a NaN on top of the stack by the canonical NaN, so code that
   * observes float bits sees the same bits on every engine (NaN payloads and
   * signs produced by arithmetic are nondeterministic in the spec).
   */
  canonicalize(t: ValType): void {
    if (!this.ctx.canonicalizeNaN || (t !== 'f32' && t !== 'f64')) return;
    const s = this.scratchLocal(t);
    this.code.op(OP.localTee).u32(s);
    if (t === 'f32') this.code.op(OP.f32Const).f32Bits(0x7fc00000);
    else this.code.op(OP.f64Const).f64Bits(0x7ff8000000000000n);
    this.code.op(OP.localGet).u32(s).op(OP.localGet).u32(s);
    this.code.op(t === 'f32' ? 0x5b : 0x61); // fN.eq: false only for NaN
    this.code.op(OP.select);
  }

  /** Spends one unit of the budget and pushes (budget >= 0 && depth < max). */
  budgetGuard(): void {
    const { budgetGlobal: b, depthGlobal: d, maxDepth } = this.ctx;
    this.code.op(OP.globalGet).u32(b).op(OP.i32Const).s32(1).op(0x6b).op(OP.globalSet).u32(b); // b -= 1
    this.code.op(OP.globalGet).u32(b).op(OP.i32Const).s32(0).op(0x4e); // i32.ge_s
    this.code.op(OP.globalGet).u32(d).op(OP.i32Const).s32(maxDepth).op(0x49); // i32.lt_u
    this.code.op(0x71); // i32.and
  }

  /** depth += delta */
  adjustDepth(delta: number): void {
    const d = this.ctx.depthGlobal;
    this.code.op(OP.globalGet).u32(d).op(OP.i32Const).s32(delta).op(0x6a).op(OP.globalSet).u32(d);
  }
}

export function isNum(t: ValType): t is NumType {
  return t === 'i32' || t === 'i64' || t === 'f32' || t === 'f64';
}

export function sameTypes(a: readonly ValType[], b: readonly ValType[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
