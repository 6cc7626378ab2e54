/**
 * Function bodies: walks the instructions of one body with TypeStacks and
 * checks control instructions (block types, labels, br_table arities, if
 * without else), calls, locals, globals, select, drop and the numeric
 * instructions. Memory, table, reference and 0xfc instructions are in
 * body-ops.ts. The walk can stop before the instruction at a given offset,
 * leaving the operand stack typed as it is there: checkpoints use it.
 */
import { Reader } from "../binary/reader";
import { FuncType, Module, ValType, isRefType, isValType } from "../module/types";
import { FuncSet } from "./funcrefs";
import {
  E_GLOBAL_IMMUTABLE, E_SELECT_ARITY, E_TYPE_MISMATCH, E_UNKNOWN_FUNCTION, E_UNKNOWN_GLOBAL,
  E_UNKNOWN_LOCAL, E_UNKNOWN_TABLE, E_UNKNOWN_TYPE, unknownIndex,
} from "./messages";
import { NUMERIC_FIRST, NUMERIC_LAST, NUMERIC_SIGS } from "./opcodes";
import { BT_EMPTY, BT_INDEX, TypeStacks, UNKNOWN } from "./stacks";
import { checkMemoryOp, checkPrefixed, checkRefOp, checkTableAccess } from "./body-ops";

export const enum Walk { Done = 0, Stopped = 1, Failed = 2 }

/** `stopAt` value of a walk over the whole body. */
export const NO_STOP: u32 = u32.MAX_VALUE;

const I32 = ValType.I32;

export class BodyValidator {
  s: TypeStacks = new TypeStacks();
  r: Reader;
  params: StaticArray<u8> = new StaticArray<u8>(0);
  locals: StaticArray<u8> = new StaticArray<u8>(0);

  /**
   * `declared` is the module's C.refs, for ref.func; null skips that check
   * (when re-walking a body already validated).
   */
  constructor(public m: Module, public declared: FuncSet | null) {
    this.r = new Reader(m.bytes, m.bytes + m.length);
  }

  /**
   * Checks the body of defined function `defIndex` (imports not counted),
   * stopping before the instruction at module offset `stopAt`, or at the
   * body's end when `stopAt` is the body's end offset. The error, if any, is
   * in `s.message` and `s.errorAt`.
   */
  walk(defIndex: i32, stopAt: u32): Walk {
    let m = this.m, s = this.s, r = this.r;
    s.reset(m.types);
    // SAFETY: callers pass 0 <= defIndex < codes.length == funcs.length (decoder).
    let code = unchecked(m.codes[defIndex]);
    let typeIndex = unchecked(m.funcs[defIndex]);
    s.at = code.position;
    if (typeIndex >= <u32>m.types.length) { s.error(unknownIndex(E_UNKNOWN_TYPE, typeIndex)); return Walk.Failed; }
    this.params = unchecked(m.types[typeIndex]).params;
    this.locals = code.locals;
    s.enterFunction(typeIndex);

    r.pos = r.base + code.start;
    r.end = r.base + code.end;
    r.failed = false;
    let stopPos: usize = stopAt == NO_STOP ? usize.MAX_VALUE : r.base + stopAt;
    while (r.pos < r.end) {
      if (r.pos == stopPos) return Walk.Stopped;
      s.at = <u32>(r.pos - r.base);
      if (s.depth == 0) { s.error(E_TYPE_MISMATCH); return Walk.Failed; } // code after the final end
      // SAFETY: pos < end (the loop condition).
      let op = <u32>load<u8>(r.pos);
      r.pos++;
      this.instruction(op);
      if (s.failed) return Walk.Failed;
      if (r.failed) { s.error(r.error); return Walk.Failed; }
    }
    if (r.pos == stopPos) return Walk.Stopped;
    if (s.depth != 0) { s.error(E_TYPE_MISMATCH); return Walk.Failed; }
    return Walk.Done;
  }

  private instruction(op: u32): void {
    let s = this.s, r = this.r;
    if (op >= NUMERIC_FIRST && op <= NUMERIC_LAST) {
      // SAFETY: the range check above bounds the index.
      applySig(s, unchecked(NUMERIC_SIGS[op - NUMERIC_FIRST]));
      return;
    }
    switch (op) {
      case 0x00: s.unreachable(); return;
      case 0x01: return;
      case 0x02: case 0x03: {
        let bt = this.blockType();
        s.popBlockParams(bt);
        s.pushCtrl(op, bt);
        return;
      }
      case 0x04: {
        let bt = this.blockType();
        s.popExpect(I32);
        s.popBlockParams(bt);
        s.pushCtrl(op, bt);
        return;
      }
      case 0x05: this.elseArm(); return;
      case 0x0b: this.end(); return;
      case 0x0c: {
        let f = s.labelFrame(readU32(r));
        if (f < 0) return;
        s.popLabel(f);
        s.unreachable();
        return;
      }
      case 0x0d: {
        let f = s.labelFrame(readU32(r));
        if (f < 0) return;
        s.popExpect(I32);
        s.popLabel(f);
        s.pushLabel(f);
        return;
      }
      case 0x0e: this.brTable(); return;
      case 0x0f: s.popLabel(0); s.unreachable(); return; // frame 0 is the function's
      case 0x10: this.call(); return;
      case 0x11: this.callIndirect(); return;
      case 0x1a: s.pop(); return;
      case 0x1b: this.select(); return;
      case 0x1c: this.typedSelect(); return;
      case 0x20: s.push(this.local(readU32(r))); return;
      case 0x21: s.popExpect(this.local(readU32(r))); return;
      case 0x22: {
        let t = this.local(readU32(r));
        s.popExpect(t);
        s.push(t);
        return;
      }
      case 0x23: case 0x24: this.global(op); return;
      case 0x25: case 0x26: checkTableAccess(this, op); return;
      case 0x41: skipLeb(r); s.push(I32); return;
      case 0x42: skipLeb(r); s.push(ValType.I64); return;
      case 0x43: r.f32bits(); s.push(ValType.F32); return;
      case 0x44: r.f64bits(); s.push(ValType.F64); return;
      case 0xd0: case 0xd1: case 0xd2: checkRefOp(this, op); return;
      case 0xfc: checkPrefixed(this, readU32(r)); return;
    }
    if (op >= 0x28 && op <= 0x40) { checkMemoryOp(this, op); return; }
    s.error(E_TYPE_MISMATCH); // not reached: the decoder rejects other opcodes
  }

  /** Reads a block type: empty, one value type, or a type index (multi-value). */
  private blockType(): u32 {
    let r = this.r;
    let p = r.pos;
    let b = r.u8();
    if (b == 0x40) return BT_EMPTY;
    if (isValType(b)) return b;
    r.pos = p;
    let index = r.s33();
    if (index < 0 || index >= <i64>this.m.types.length) {
      this.s.error(unknownIndex(E_UNKNOWN_TYPE, <u32>index));
      return BT_EMPTY;
    }
    return BT_INDEX | <u32>index;
  }

  private elseArm(): void {
    let s = this.s;
    if (s.topOpcode() != 0x04) { s.error(E_TYPE_MISMATCH); return; } // the decoder rejects this
    let bt = s.topBlockType();
    s.popCtrl();
    s.pushCtrl(0x05, bt);
  }

  private end(): void {
    let s = this.s;
    let bt = s.topBlockType();
    // An `if` without `else` has an empty else arm: it must turn the
    // parameters into the results.
    if (s.topOpcode() == 0x04) { s.popCtrl(); s.pushCtrl(0x05, bt); }
    s.popCtrl();
    s.pushBlockResults(bt);
  }

  /** All targets need the default's arity, and the stack must fit each of them. */
  private brTable(): void {
    let s = this.s, r = this.r;
    let n = readU32(r);
    let first = r.pos;
    for (let i: u32 = 0; i < n && !r.failed; i++) skipLeb(r);
    let fd = s.labelFrame(readU32(r));
    if (fd < 0) return;
    let after = r.pos;
    s.popExpect(I32);
    let arity = s.labelArity(fd);
    s.peekLabel(fd);
    r.pos = first;
    for (let i: u32 = 0; i < n && !s.failed; i++) {
      let f = s.labelFrame(readU32(r));
      if (f < 0) return;
      if (s.labelArity(f) != arity) { s.error(E_TYPE_MISMATCH); return; }
      s.peekLabel(f);
    }
    r.pos = after;
    s.unreachable();
  }

  private call(): void {
    let x = readU32(this.r);
    let indices = this.m.funcTypeIndices;
    if (x >= <u32>indices.length) { this.s.error(unknownIndex(E_UNKNOWN_FUNCTION, x)); return; }
    // SAFETY: x < indices.length.
    let ft = this.funcType(unchecked(indices[x]));
    if (ft) this.applyFuncType(ft);
  }

  private callIndirect(): void {
    let s = this.s, m = this.m;
    let typeIndex = readU32(this.r);
    let table = readU32(this.r);
    if (table >= <u32>m.allTables.length) { s.error(unknownIndex(E_UNKNOWN_TABLE, table)); return; }
    let ft = this.funcType(typeIndex);
    if (!ft) return;
    // SAFETY: table < allTables.length.
    if (unchecked(m.allTables[table]).elem != ValType.FuncRef) { s.error(E_TYPE_MISMATCH); return; }
    s.popExpect(I32);
    this.applyFuncType(ft);
  }

  private funcType(index: u32): FuncType | null {
    let types = this.m.types;
    if (index >= <u32>types.length) { this.s.error(unknownIndex(E_UNKNOWN_TYPE, index)); return null; }
    // SAFETY: index < types.length.
    return unchecked(types[index]);
  }

  private applyFuncType(ft: FuncType): void {
    this.s.popTypes(ft.params);
    this.s.pushTypes(ft.results);
  }

  /** Untyped select: two operands of one numeric type; references need the typed form. */
  private select(): void {
    let s = this.s;
    s.popExpect(I32);
    let t1 = s.pop();
    let t2 = s.pop();
    if (isRefType(t1) || isRefType(t2)) { s.error(E_TYPE_MISMATCH); return; }
    if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN) { s.error(E_TYPE_MISMATCH); return; }
    s.push(t1 == UNKNOWN ? t2 : t1);
  }

  private typedSelect(): void {
    let s = this.s, r = this.r;
    let n = readU32(r);
    if (n != 1) { s.error(E_SELECT_ARITY); return; }
    let t = <u8>r.u8();
    s.popExpect(I32);
    s.popExpect(t);
    s.popExpect(t);
    s.push(t);
  }

  /** Type of local `x` (parameters first); UNKNOWN after reporting an unknown one. */
  private local(x: u32): u8 {
    let np = <u32>this.params.length;
    // SAFETY: each index is checked against its array's length first.
    if (x < np) return unchecked(this.params[x]);
    if (x - np < <u32>this.locals.length) return unchecked(this.locals[x - np]);
    this.s.error(unknownIndex(E_UNKNOWN_LOCAL, x));
    return UNKNOWN;
  }

  private global(op: u32): void {
    let s = this.s;
    let x = readU32(this.r);
    let globals = this.m.allGlobals;
    if (x >= <u32>globals.length) { s.error(unknownIndex(E_UNKNOWN_GLOBAL, x)); return; }
    // SAFETY: x < globals.length.
    let g = unchecked(globals[x]);
    if (op == 0x23) { s.push(g.type); return; }
    if (!g.mutable) { s.error(E_GLOBAL_IMMUTABLE); return; }
    s.popExpect(g.type);
  }
}

/** Applies a packed numeric signature (see opcodes.ts). */
// @ts-ignore: decorator
@inline export function applySig(s: TypeStacks, sig: u32): void {
  let in2 = <u8>(sig >> 16);
  if (in2) s.popExpect(in2);
  s.popExpect(<u8>(sig >> 8));
  s.push(<u8>sig);
}

/** Skips a LEB128 immediate the decoder has checked already. */
export function skipLeb(r: Reader): void {
  let p = r.pos, end = r.end;
  // SAFETY: p < end, inside the body.
  while (p < end) {
    let b = load<u8>(p++);
    if (!(b & 0x80)) break;
  }
  r.pos = p;
}

/** Reads a u32 LEB128 the decoder has checked, with a fast path for one byte. */
// @ts-ignore: decorator
@inline export function readU32(r: Reader): u32 {
  let p = r.pos;
  // SAFETY: p < end is checked first; the decoder checked the whole immediate.
  if (p < r.end) {
    let b = <u32>load<u8>(p);
    if (b < 0x80) { r.pos = p + 1; return b; }
  }
  return r.u32();
}
